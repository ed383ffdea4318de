import {createHash} from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import {pipeline} from 'node:stream/promises';
import {HandoffError, describeError, errnoCode, exitCode, isExpectedError} from './errors.js';
import {acquireProducerHold} from './hold.js';
import type {Manifest} from './manifest.js';
import {isInside, layout} from './paths.js';
import {openProducerRecord, readProducerRecord, recordedIdentity, removeProducerState, sha256Hex, updateProducerRecord, type ProducerRecord} from './producer-record.js';
import {finishRemovals, removeTree} from './removal.js';
import {assertRealFolder, isTemporaryName, makePrivateDirectory, parseJson, privateFileMode, readRegularFile, readTextFile, syncDirectory, writeFileAtomic} from './safe-io.js';
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
	layout.receipts,
	layout.rejection,
	'shared/rejections.json',
	layout.done,
	layout.error,
];

/**
Copies the record of a hand-off to `<results>/<workspace name>/`, verifies it, and only then removes the workspace. Every step can be run again after a crash: a half-written copy is redone, a finished one is reused, an interrupted removal is finished. An existing archive is reused only when the producer record holds it (see readRecordedArchive): a folder someone else put at the archive path is never believed.
*/
export async function archiveWorkspace(workspace: string, manifest: Manifest, options: ArchiveOptions = {}): Promise<{archivePath: string; index: ArchiveIndex; notRemoved?: string}> {
	const archivePath = archiveDirectoryFor(workspace, options.resultsDirectory);
	const record = await openProducerRecord(workspace);
	let index = record.archive?.path === archivePath ? await readRecordedArchive(record) : undefined;
	if (!index) {
		if (fs.existsSync(archivePath)) {
			throw new HandoffError('exists but is not a complete archive; move it away and run again', exitCode.failed, archivePath);
		}

		index = await copyRecord(workspace, manifest, record, archivePath);
	}

	// The record is safe from here on: a workspace that cannot be removed (read-only shared/, say) is reported, not a failure.
	let notRemoved: string | undefined;
	if (!options.keep) {
		try {
			await removeArchivedWorkspace(workspace);
		} catch (error) {
			if (!isExpectedError(error)) {
				throw error;
			}

			notRemoved = `archived, but the workspace could not be removed: ${describeError(error, workspace)}`;
		}
	}

	return {archivePath, index, notRemoved};
}

async function copyRecord(workspace: string, manifest: Manifest, record: ProducerRecord, archivePath: string): Promise<ArchiveIndex> {
	const resultsDirectory = path.dirname(archivePath);
	await fsp.mkdir(resultsDirectory, {recursive: true, mode: 0o700});
	const staging = `${archivePath}.partial`;
	await removeTree(staging);
	await makePrivateDirectory(staging, true);

	// The contract is archived as recorded, not as the consumer may have left it in input/.
	const recorded = new Map([[layout.manifest, record.manifest.text], ...(record.schema ? [[record.schema.path, record.schema.text] as const] : [])]);
	const wanted = new Set([...recordFiles, ...Object.values(manifest.outputs), ...recorded.keys()]);
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

		const target = path.join(staging, relativePath);
		const text = recorded.get(relativePath);
		const copied = text === undefined ? await copyRegularFile(source, target) : await writeRecordedFile(target, text);
		if (copied === 'skipped') {
			skipped.push(relativePath);
		} else if (copied) {
			files.push({path: relativePath, ...copied});
		}
	}

	const index: ArchiveIndex = {workspace: record.workspace, task: manifest.task, archived_at: isoTimestamp(), files, skipped};
	const indexText = `${JSON.stringify(index, null, 2)}\n`;
	await writeFileAtomic(path.join(staging, archiveIndexName), indexText);
	if (!(await verifyFiles(staging, files))) {
		throw new HandoffError('the copy does not match the workspace after writing; nothing was removed', exitCode.failed, staging);
	}

	// Recorded before the rename: a crash between leaves a record naming a folder that is not there yet, and the next run makes the copy again.
	await updateProducerRecord(workspace, current => ({...current, archive: {path: archivePath, index_sha256: sha256Hex(indexText)}}));
	await fsp.rename(staging, archivePath);
	await syncDirectory(resultsDirectory);
	return index;
}

async function writeRecordedFile(target: string, text: string): Promise<{size: number; sha256: string}> {
	await fsp.mkdir(path.dirname(target), {recursive: true, mode: 0o700});
	await writeFileAtomic(target, text);
	return {size: Buffer.byteLength(text), sha256: sha256Hex(text)};
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
			files.push(...(await listRegularFiles(workspace, relativePath, skipped)));
		} else if (entry.isFile()) {
			if (!isTemporaryName(entry.name)) {
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
				const {bytesRead} = await input.read(buffer, 0, buffer.length, size);
				if (bytesRead === 0) {
					break;
				}

				const chunk = buffer.subarray(0, bytesRead);
				hash.update(chunk);
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

/**
The archive the producer record holds, when it is still exactly what was recorded: its archive.json has the recorded sha256 (so its file list is ours), names this workspace, and every file in it verifies. Anything else (a forged marker, a folder someone planted, a tampered copy) is not believed.
*/
export async function readRecordedArchive(record: ProducerRecord): Promise<ArchiveIndex | undefined> {
	if (!record.archive) {
		return undefined;
	}

	try {
		const buffer = await readRegularFile(path.join(record.archive.path, archiveIndexName), {name: archiveIndexName});
		if (buffer === undefined || sha256Hex(buffer) !== record.archive.index_sha256) {
			return undefined;
		}

		const index = await readVerifiedIndex(record.archive.path);
		return index?.workspace === record.workspace ? index : undefined;
	} catch {
		return undefined;
	}
}

/**
Removes an archived workspace: flags the removal in the record, then removes the tree so it cannot be redirected (removal.ts: moved aside to a hidden random name, walked without following links), finishes any earlier removal cut short, and last removes the producer state. A crash anywhere is finished by finishInterruptedArchive.
*/
async function removeArchivedWorkspace(workspace: string): Promise<void> {
	const record = await updateProducerRecord(workspace, current => ({...current, removing: true}));
	await removeTree(workspace, recordedIdentity(record));
	await finishRemovals(workspace);
	await removeProducerState(workspace);
}

/**
Finishes removing a workspace whose archive is complete, when an earlier run was cut short while removing it. Only the producer record is believed: it must flag the removal and hold a verified archive of this workspace. Anything in the workspace (a `.handoff-archived` file, an `archive.json` in output/) is ignored. Returns the archive path, or undefined if there was nothing to finish.
*/
export async function finishInterruptedArchive(workspace: string): Promise<string | undefined> {
	let record: ProducerRecord | undefined;
	try {
		record = await readProducerRecord(workspace);
	} catch {
		return undefined;
	}

	if (!record?.removing || !record.archive || !(await readRecordedArchive(record))) {
		return undefined;
	}

	// A producer still at work on it (live hold) is left to finish; this refuses with exit 2.
	const release = await acquireProducerHold(workspace);
	try {
		await removeArchivedWorkspace(workspace);
	} finally {
		await release();
	}

	return record.archive.path;
}
