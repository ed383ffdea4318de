import fsp from 'node:fs/promises';
import path from 'node:path';
import {archiveIndexName, type ArchiveIndex} from './archive.js';
import {readManifest} from './manifest.js';
import {parseJson, readTextFile} from './safe-io.js';
import {SnapshotReader} from './snapshot-reader.js';
import type {DerivedState} from './snapshot.js';
import {parseTime} from './time.js';

export type ListEntry = {
	kind: 'workspace' | 'archive';
	name: string;
	path: string;
	task?: string;
	/** A derived state; `archived` for archives, `invalid` for a workspace whose manifest is broken. */
	state: DerivedState | 'archived' | 'invalid';
	/** Epoch milliseconds: creation for workspaces, archiving for archives. */
	time?: number;
	pendingQuestions: number;
	error?: string;
};

async function subfolders(directory: string): Promise<string[]> {
	try {
		const entries = await fsp.readdir(directory, {withFileTypes: true});
		return entries.filter(entry => entry.isDirectory() && !entry.name.endsWith('.partial')).map(entry => path.join(directory, entry.name));
	} catch {
		return [];
	}
}

async function describeWorkspace(workspace: string): Promise<ListEntry> {
	const name = path.basename(workspace);
	try {
		const manifest = await readManifest(workspace);
		const snapshot = await new SnapshotReader(workspace, manifest).read();
		return {kind: 'workspace', name, path: workspace, task: manifest.task, state: snapshot.state, time: snapshot.createdAt, pendingQuestions: snapshot.pendingQuestions};
	} catch (error) {
		const time = (await fsp.lstat(workspace).catch(() => undefined))?.mtimeMs;
		return {kind: 'workspace', name, path: workspace, state: 'invalid', time, pendingQuestions: 0, error: (error as Error).message};
	}
}

async function describeArchive(archive: string): Promise<ListEntry | undefined> {
	try {
		const text = await readTextFile(path.join(archive, archiveIndexName), {name: archiveIndexName});
		if (text === undefined) {
			return undefined;
		}

		const index = parseJson(text, archiveIndexName) as ArchiveIndex;
		return {kind: 'archive', name: path.basename(archive), path: archive, task: index.task, state: 'archived', time: parseTime(index.archived_at), pendingQuestions: 0};
	} catch {
		return undefined;
	}
}

/** Workspaces under `<base>/workspaces` and archives under `<base>/results`, newest first. */
export async function listHandoffs(baseDirectory: string): Promise<ListEntry[]> {
	const [workspaces, archives] = await Promise.all([subfolders(path.join(baseDirectory, 'workspaces')), subfolders(path.join(baseDirectory, 'results'))]);
	const entries = [
		...(await Promise.all(workspaces.map(async workspace => describeWorkspace(workspace)))),
		...(await Promise.all(archives.map(async archive => describeArchive(archive)))).filter(entry => entry !== undefined),
	];
	return entries.sort((a, b) => (b.time ?? 0) - (a.time ?? 0));
}
