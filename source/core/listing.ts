import fsp from 'node:fs/promises';
import path from 'node:path';
import {archiveIndexName, type ArchiveIndex} from './archive.js';
import {syncFileAccess} from './file-access.js';
import {parseManifestText, readManifest} from './manifest.js';
import {readRun} from './pipeline.js';
import {readProducerRecord} from './producer-record.js';
import {parseJson, readTextFile} from './safe-io.js';
import {SnapshotReader} from './snapshot-reader.js';
import type {DerivedState} from './snapshot.js';
import {parseTime} from './time.js';

export type ListEntry = {
	kind: 'workspace' | 'archive' | 'pipeline';
	name: string;
	path: string;
	task?: string;
	/** A derived state; `archived` for archives, `invalid` for a workspace whose manifest is broken; a pipeline run is complete, failed or running. */
	state: DerivedState | 'archived' | 'invalid';
	/** Epoch milliseconds: creation for workspaces, archiving for archives. */
	time?: number;
	pendingQuestions: number;
	error?: string;
};

/**
A listing reads each workspace once and shows nothing before it has read them all, so it makes its many small reads synchronously: over 1,000 workspaces that is several times faster than a thread-pool round trip for each, and the same rules refuse links, FIFOs and oversized files.
*/
const access = syncFileAccess;

async function subfolders(directory: string): Promise<string[]> {
	try {
		const entries = await fsp.readdir(directory, {withFileTypes: true});
		return entries.filter(entry => entry.isDirectory() && !entry.name.startsWith('.') && !entry.name.endsWith('.partial')).map(entry => path.join(directory, entry.name));
	} catch {
		return [];
	}
}

/** One workspace as the list shows it; `invalid` when its manifest cannot be read. */
export async function describeWorkspace(workspace: string): Promise<ListEntry> {
	const name = path.basename(workspace);
	try {
		// The recorded manifest when there is one: the consumer's edits (a longer timeout) do not change what is listed.
		const record = await readProducerRecord(workspace, access);
		const manifest = record ? parseManifestText(record.manifest.text) : await readManifest(workspace, access);
		const snapshot = await new SnapshotReader(workspace, manifest, {partial: false, claim: false, access}).read();
		return {kind: 'workspace', name, path: workspace, task: manifest.task, state: snapshot.state, time: snapshot.createdAt, pendingQuestions: snapshot.pendingQuestions};
	} catch (error) {
		return {kind: 'workspace', name, path: workspace, state: 'invalid', time: await modifiedTime(workspace), pendingQuestions: 0, error: (error as Error).message};
	}
}

async function modifiedTime(file: string): Promise<number | undefined> {
	try {
		return (await access.lstat(file))?.mtimeMs;
	} catch {
		return undefined;
	}
}

async function describeArchive(archive: string): Promise<ListEntry | undefined> {
	try {
		const text = await readTextFile(path.join(archive, archiveIndexName), {name: archiveIndexName, access});
		if (text === undefined) {
			return undefined;
		}

		const index = parseJson(text, archiveIndexName) as ArchiveIndex;
		return {kind: 'archive', name: path.basename(archive), path: archive, task: index.task, state: 'archived', time: parseTime(index.archived_at), pendingQuestions: 0};
	} catch {
		return undefined;
	}
}

async function describePipelineRun(run: string): Promise<ListEntry | undefined> {
	try {
		const {pipeline, state} = await readRun(run);
		const records = pipeline.stages.map(stage => state.stages[stage.name]);
		const runState = records.some(record => record?.state === 'failed') ? 'failed' : records.every(record => record?.state === 'complete') ? 'complete' : 'running';
		const time = (await fsp.lstat(run)).mtimeMs;
		const done = records.filter(record => record?.state === 'complete').length;
		return {kind: 'pipeline', name: path.basename(run), path: run, task: `${pipeline.name} (${done}/${pipeline.stages.length} stages)`, state: runState, time, pendingQuestions: 0};
	} catch {
		return undefined;
	}
}

/** Workspaces under `<base>/workspaces`, pipeline runs under `<base>/pipelines` and archives under `<base>/results`, newest first. */
export async function listHandoffs(baseDirectory: string): Promise<ListEntry[]> {
	const [workspaces, archives, runs] = await Promise.all(['workspaces', 'results', 'pipelines'].map(async folder => subfolders(path.join(baseDirectory, folder))));
	const entries: ListEntry[] = [];
	// One at a time: the reads are synchronous, so side by side they would gain nothing and only hold every folder's reading in memory at once.
	for (const workspace of workspaces!) {
		entries.push(await describeWorkspace(workspace));
	}

	entries.push(...(await Promise.all(runs!.map(async run => describePipelineRun(run)))).filter(entry => entry !== undefined));
	for (const archive of archives!) {
		const entry = await describeArchive(archive);
		if (entry) {
			entries.push(entry);
		}
	}

	return entries.sort((a, b) => (b.time ?? 0) - (a.time ?? 0));
}
