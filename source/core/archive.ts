import {createHash} from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import {pipeline} from 'node:stream/promises';
import {HandoffError, describeError, errnoCode, exitCode, isExpectedError} from './errors.js';
import type {Manifest} from './manifest.js';
import {isInside, layout} from './paths.js';
import {assertRealFolder, makePrivateDirectory, parseJson, privateFileMode, readTextFile, syncDirectory, writeJsonAtomic} from './safe-io.js';
import {isoTimestamp} from './time.js';
import {archiveDirectoryFor} from './workspace.js';

/** Written last into an archive folder: the list of files with their hashes, which is how a finished archive is recognised. */
export const archiveIndexName = 'archive.json';

export type ArchivedFile = {path: string; size: number; sha256: string};

export type ArchiveIndex = {
	workspace: string;
	task: string;
	archived_at: string;
	files: ArchivedFile[];
	/** Entries left out because they were symlinks or special files. */
	skipped: string[];
};

export type ArchiveOptions = {
	resultsDirectory?: string;
	/** Keep the workspace after archiving. */
	keep?: boolean;
};

/** The record of a hand-off, besides everything in output/. */
const recordFiles = [
	layout.manifest,
	layout.instructions,
	layout.status,
	layout.progress,
	layout.questions,
	layout.answers,
	layout.rejection,
	'shared/rejections.json',
	layout.done,
	layout.error,
];

/**
Copies the record of a hand-off to `<results>/<workspace name>/`, verifies it, and only then removes the workspace. Every step can be run again after a crash: a half-written copy is redone, a finished one is reused, an interrupted removal is finished.
*/
export async function archiveWorkspace(workspace: string, manifest: Manifest, options: ArchiveOptions = {}): Promise<{archivePath: string; index: ArchiveIndex; notRemoved?: string}> {
	const archivePath = archiveDirectoryFor(workspace, options.resultsDirectory);
	let index = await readVerifiedIndex(archivePath);
	if (!index) {
		if (fs.existsSync(archivePath)) {
			throw new HandoffError('exists but is not a complete archive; move it away and run again', exitCode.failed, archivePath);
		}

		index = await copyRecord(workspace, manifest, archivePath);
	}

	// The record is safe from here on: a workspace that cannot be removed (read-only shared/, say) is reported, not a failure.
	let notRemoved: string | undefined;
	if (!options.keep) {
		try {
			await removeWorkspace(workspace, archivePath);
		} catch (error) {
			if (!isExpectedError(error)) {
				throw error;
			}

			notRemoved = `archived, but the workspace could not be removed: ${describeError(error, workspace)}`;
		}
	}

	return {archivePath, index, notRemoved};
}

async function copyRecord(workspace: string, manifest: Manifest, archivePath: string): Promise<ArchiveIndex> {
	const resultsDirectory = path.dirname(archivePath);
	await fsp.mkdir(resultsDirectory, {recursive: true, mode: 0o700});
	const staging = `${archivePath}.partial`;
	await fsp.rm(staging, {recursive: true, force: true});
	await makePrivateDirectory(staging, true);

	const wanted = new Set([...recordFiles, ...Object.values(manifest.outputs), ...(manifest.schemaPath ? [manifest.schemaPath] : [])]);
	const skipped: string[] = [];
	for (const file of await listRegularFiles(workspace, layout.output, skipped)) {
		wanted.add(file);
	}

	// A declared output that the listing found to be a link or special file is skipped already; copying would skip it twice.
	for (const file of skipped) {
		wanted.delete(file);
	}

	const files: ArchivedFile[] = [];
	for (const relativePath of [...wanted].sort()) {
		const source = path.join(workspace, relativePath);
		if (!isInside(workspace, source)) {
			continue;
		}

		// eslint-disable-next-line no-await-in-loop
		const copied = await copyRegularFile(source, path.join(staging, relativePath));
		if (copied === 'skipped') {
			skipped.push(relativePath);
		} else if (copied) {
			files.push({path: relativePath, ...copied});
		}
	}

	const index: ArchiveIndex = {workspace, task: manifest.task, archived_at: isoTimestamp(), files, skipped};
	await writeJsonAtomic(path.join(staging, archiveIndexName), index);
	if (!(await verifyFiles(staging, files))) {
		throw new HandoffError('the copy does not match the workspace after writing; nothing was removed', exitCode.failed, staging);
	}

	await fsp.rename(staging, archivePath);
	await syncDirectory(resultsDirectory);
	return index;
}

/** Regular files below `relativeDirectory`, workspace-relative; links and special files go to `skipped`. */
async function listRegularFiles(workspace: string, relativeDirectory: string, skipped: string[]): Promise<string[]> {
	let entries: fs.Dirent[];
	try {
		if ((await fsp.lstat(path.join(workspace, relativeDirectory))).isSymbolicLink()) {
			skipped.push(relativeDirectory);
			return [];
		}

		entries = await fsp.readdir(path.join(workspace, relativeDirectory), {withFileTypes: true});
	} catch (error) {
		if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') {
			return [];
		}

		throw error;
	}

	const files: string[] = [];
	for (const entry of entries) {
		const relativePath = `${relativeDirectory}/${entry.name}`;
		if (entry.isDirectory()) {
			// eslint-disable-next-line no-await-in-loop
			files.push(...(await listRegularFiles(workspace, relativePath, skipped)));
		} else if (entry.isFile()) {
			if (!/^\..*\.tmp$/.test(entry.name)) {
				files.push(relativePath);
			}
		} else {
			skipped.push(relativePath);
		}
	}

	return files;
}

/** Streams one regular file across with O_NOFOLLOW, fsyncs it and hashes it on the way. */
async function copyRegularFile(source: string, target: string): Promise<{size: number; sha256: string} | 'skipped' | undefined> {
	let input: fsp.FileHandle;
	try {
		// O_NOFOLLOW guards only the file itself: a folder on the way that is a link (shared/ -> elsewhere) is refused here.
		await assertRealFolder(path.dirname(source));
		input = await fsp.open(source, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
	} catch (error) {
		const code = errnoCode(error);
		if (code === 'ENOENT' || code === 'ENOTDIR') {
			return undefined;
		}

		// A link, or a file the other side made unreadable: left out and listed, like special files, rather than failing a valid result.
		if (code === 'ELOOP' || code === 'EACCES' || error instanceof HandoffError) {
			return 'skipped';
		}

		throw error;
	}

	try {
		if (!(await input.stat()).isFile()) {
			return 'skipped';
		}

		await fsp.mkdir(path.dirname(target), {recursive: true, mode: 0o700});
		const hash = createHash('sha256');
		let size = 0;
		const output = await fsp.open(target, 'wx', privateFileMode);
		try {
			const buffer = Buffer.alloc(1024 * 1024);
			for (;;) {
				// eslint-disable-next-line no-await-in-loop
				const {bytesRead} = await input.read(buffer, 0, buffer.length, size);
				if (bytesRead === 0) {
					break;
				}

				const chunk = buffer.subarray(0, bytesRead);
				hash.update(chunk);
				// eslint-disable-next-line no-await-in-loop
				await output.write(chunk);
				size += bytesRead;
			}

			await output.sync();
		} finally {
			await output.close();
		}

		return {size, sha256: hash.digest('hex')};
	} finally {
		await input.close();
	}
}

async function hashFile(file: string): Promise<string | undefined> {
	const hash = createHash('sha256');
	try {
		await pipeline(fs.createReadStream(file), hash);
	} catch {
		return undefined;
	}

	return hash.digest('hex');
}

async function verifyFiles(directory: string, files: ArchivedFile[]): Promise<boolean> {
	for (const file of files) {
		// eslint-disable-next-line no-await-in-loop
		if ((await hashFile(path.join(directory, file.path))) !== file.sha256) {
			return false;
		}
	}

	return true;
}

/** The archive's index when the archive is complete and every file still matches it. */
export async function readVerifiedIndex(archivePath: string): Promise<ArchiveIndex | undefined> {
	try {
		const text = await readTextFile(path.join(archivePath, archiveIndexName), {name: archiveIndexName});
		if (text === undefined) {
			return undefined;
		}

		const index = parseJson(text, archiveIndexName) as ArchiveIndex;
		return Array.isArray(index.files) && (await verifyFiles(archivePath, index.files)) ? index : undefined;
	} catch {
		return undefined;
	}
}

/** Marks the workspace as archived, then empties it; the mark goes last, so a removal cut short is finished by the next run. */
async function removeWorkspace(workspace: string, archivePath: string): Promise<void> {
	const marker = path.join(workspace, layout.archived);
	if (!fs.existsSync(marker)) {
		await writeJsonAtomic(marker, {archive: archivePath});
	}

	const entries = await fsp.readdir(workspace);
	// The manifest goes just before the marker so the folder stays recognisable as a workspace until the end.
	const order = (name: string): number => (name === layout.archived ? 2 : name === layout.input ? 1 : 0);
	for (const entry of entries.sort((a, b) => order(a) - order(b))) {
		// eslint-disable-next-line no-await-in-loop
		await fsp.rm(path.join(workspace, entry), {recursive: true, force: true});
	}

	await fsp.rmdir(workspace).catch((error: unknown) => {
		if (errnoCode(error) !== 'ENOENT') {
			throw error;
		}
	});
}

/** The archive a workspace was moved to, when an earlier run archived it and was cut short while removing it. */
export async function readArchivedMarker(workspace: string): Promise<string | undefined> {
	try {
		const text = await readTextFile(path.join(workspace, layout.archived), {name: layout.archived});
		const value = text === undefined ? undefined : (JSON.parse(text) as {archive?: unknown});
		return typeof value?.archive === 'string' ? value.archive : undefined;
	} catch {
		return undefined;
	}
}

/** Finishes removing a workspace whose archive is complete. Returns the archive path, or undefined if there was nothing to finish. */
export async function finishInterruptedArchive(workspace: string): Promise<string | undefined> {
	const archivePath = await readArchivedMarker(workspace);
	if (archivePath === undefined || !(await readVerifiedIndex(archivePath))) {
		return undefined;
	}

	await removeWorkspace(workspace, archivePath);
	return archivePath;
}
