import {randomBytes} from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import {HandoffError, errnoCode, isErrnoException} from './errors.js';
import {asyncFileAccess, type FileAccess, type OpenFile} from './file-access.js';

/** The seed's limit for any file read from the other side ("prevent DoS"). */
export const defaultMaxBytes = 10 * 1024 * 1024;

export const privateFileMode = 0o600;
export const privateDirectoryMode = 0o700;

const {O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_APPEND, O_NOFOLLOW, O_NONBLOCK, O_DIRECTORY} = fs.constants;

export type ReadOptions = {
	maxBytes?: number;
	/** How the file is named in errors, usually its workspace-relative path. */
	name?: string;
	/** The file system calls to make; asynchronous unless told otherwise. */
	access?: FileAccess;
};

/** What a read allows beyond the size the file had when it was opened, before it needs a larger buffer. */
const growthRoom = 4096;

/**
Reads a regular file written by the other side. Refuses symlinks, FIFOs, devices and files over the size cap, naming the file. Returns undefined when the file does not exist.
*/
export async function readRegularFile(file: string, options: ReadOptions = {}): Promise<Buffer | undefined> {
	const maxBytes = options.maxBytes ?? defaultMaxBytes;
	const name = options.name ?? file;
	const access = options.access ?? asyncFileAccess;
	let stat: fs.Stats | undefined;
	try {
		stat = await access.lstat(file);
	} catch (error) {
		if (errnoCode(error) === 'ENOTDIR') {
			return undefined;
		}

		throw error;
	}

	if (!stat) {
		return undefined;
	}

	checkRegular(stat, name, maxBytes);
	let handle: OpenFile;
	try {
		// O_NOFOLLOW and O_NONBLOCK close the gap between lstat and open: a file swapped for a link or a FIFO fails here instead of being followed or hanging.
		handle = await access.open(file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
	} catch (error) {
		if (errnoCode(error) === 'ENOENT') {
			return undefined;
		}

		if (errnoCode(error) === 'ELOOP') {
			throw new HandoffError('is a symlink; refusing to follow it', undefined, name);
		}

		throw error;
	}

	try {
		const opened = await handle.stat();
		checkRegular(opened, name, maxBytes);
		// Sized by the stat with room to grow a little; a file that grew more is read on into a larger buffer, up to one byte past the cap so that it is still caught.
		let buffer = Buffer.alloc(Math.min(maxBytes + 1, opened.size + growthRoom));
		let length = 0;
		for (;;) {
			if (length === buffer.length) {
				if (length > maxBytes) {
					break;
				}

				const larger = Buffer.alloc(Math.min(maxBytes + 1, length * 2));
				buffer.copy(larger, 0, 0, length);
				buffer = larger;
			}

			const {bytesRead} = await handle.read(buffer, length, buffer.length - length, length);
			if (bytesRead === 0) {
				break;
			}

			length += bytesRead;
		}

		if (length > maxBytes) {
			throw new HandoffError(`is larger than the ${formatBytes(maxBytes)} limit`, undefined, name);
		}

		return buffer.subarray(0, length);
	} finally {
		await handle.close();
	}
}

function checkRegular(stat: fs.Stats, name: string, maxBytes: number): void {
	if (stat.isSymbolicLink()) {
		throw new HandoffError('is a symlink; refusing to follow it', undefined, name);
	}

	if (!stat.isFile()) {
		throw new HandoffError('is not a regular file', undefined, name);
	}

	if (stat.size > maxBytes) {
		throw new HandoffError(`is ${formatBytes(stat.size)}, over the ${formatBytes(maxBytes)} limit`, undefined, name);
	}
}

export async function readTextFile(file: string, options: ReadOptions = {}): Promise<string | undefined> {
	const buffer = await readRegularFile(file, options);
	return buffer?.toString('utf8');
}

/**
How deep JSON from the other side may nest. JSON.parse copes with any depth, but JSON.stringify, structuredClone and schema validation recurse and overflow the stack far below 100,000 levels; no real result needs more than a few dozen.
*/
export const maxJsonDepth = 512;

/** Parses JSON and names the file and position on failure. JSON nested deeper than maxJsonDepth is refused before it is parsed. */
export function parseJson(text: string, name: string): unknown {
	if (jsonDepthExceeds(text, maxJsonDepth)) {
		throw new HandoffError(`is nested more than ${maxJsonDepth} levels deep; refusing to read it`, undefined, name);
	}

	try {
		return JSON.parse(text.replace(/^\uFEFF/, '')) as unknown;
	} catch (error) {
		const detail = error instanceof Error ? error.message : String(error);
		throw new HandoffError(`is not valid JSON (${detail})`, undefined, name);
	}
}

/** Whether brackets outside strings nest deeper than `limit`. One pass without recursion, so any text is safe to check; text that is not JSON is left to JSON.parse. */
export function jsonDepthExceeds(text: string, limit: number): boolean {
	let depth = 0;
	let inString = false;
	for (let index = 0; index < text.length; index++) {
		const code = text.charCodeAt(index);
		if (inString) {
			if (code === 0x5C) {
				// A backslash escapes the next character, a quote included.
				index++;
			} else if (code === 0x22) {
				inString = false;
			}
		} else if (code === 0x22) {
			inString = true;
		} else if (code === 0x5B || code === 0x7B) {
			if (++depth > limit) {
				return true;
			}
		} else if (code === 0x5D || code === 0x7D) {
			depth--;
		}
	}

	return false;
}

export async function readJsonFile(file: string, options: ReadOptions = {}): Promise<unknown> {
	const text = await readTextFile(file, options);
	return text === undefined ? undefined : parseJson(text, options.name ?? file);
}

/**
Writes a file so readers see either the old or the new content, never a torn one: temp file in the same folder, fsync, rename, fsync the folder. The rename replaces a planted symlink rather than writing through it.
*/
export async function writeFileAtomic(file: string, data: string | Uint8Array, mode = privateFileMode): Promise<void> {
	const folder = await openRealFolder(path.dirname(file));
	try {
		await writeThroughFolder(folder, file, data, mode);
	} catch (error) {
		throw namedByPath(error, file);
	} finally {
		await folder.close();
	}
}

/** Names the folder in an error as the person knows it, not as /proc/self/fd/N. */
function namedByPath(error: unknown, file: string): unknown {
	if (isErrnoException(error) && error.path !== undefined) {
		error.path = error.path.replace(/^\/proc\/self\/fd\/\d+/, path.dirname(file));
	}

	return error;
}

async function writeThroughFolder(folder: RealFolder, file: string, data: string | Uint8Array, mode: number): Promise<void> {
	const temporary = folder.at(path.basename(temporaryPathFor(file)));
	const handle = await fsp.open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
	try {
		await fillAndClose(handle, data, mode);
		await fsp.rename(temporary, folder.at(path.basename(file)));
	} catch (error) {
		await fsp.rm(temporary, {force: true});
		throw error;
	}

	await folder.sync();
}

/** Whether names can be resolved through an open folder's handle (/proc/self/fd/N/name, Linux). */
const canResolveThroughHandle = fs.existsSync('/proc/self/fd');

/**
A folder checked to be a real one and held open while files are written into it. On Linux every name resolves through the open handle (/proc/self/fd/N/name, in effect openat), so the other side swapping the folder for a link after the check cannot redirect the write; elsewhere the checked path is used.
*/
type RealFolder = {at(name: string): string; sync(): Promise<void>; close(): Promise<void>};

async function openRealFolder(directory: string): Promise<RealFolder> {
	await assertRealFolder(directory);
	let handle: fsp.FileHandle;
	try {
		handle = await fsp.open(directory, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
	} catch (error) {
		// Swapped for a link between the check and the open.
		if (errnoCode(error) === 'ENOTDIR' || errnoCode(error) === 'ELOOP') {
			throw new HandoffError('is a symlink or not a folder; refusing to follow it', undefined, directory);
		}

		throw error;
	}

	return {
		at: name => (canResolveThroughHandle ? `/proc/self/fd/${handle.fd}/${name}` : path.join(directory, name)),
		async sync() {
			await handle.sync().catch((error: unknown) => {
				if (!folderSyncRefusals.has(errnoCode(error) ?? '')) {
					throw error;
				}
			});
		},
		async close() {
			await handle.close();
		},
	};
}

/** fsync errors of file systems that refuse it on a folder; the rename has happened regardless. */
const folderSyncRefusals = new Set(['EINVAL', 'EISDIR', 'EPERM', 'EBADF']);

/** `.<name>.<pid>.<random>.tmp` beside `file`: readers of the folder skip these as bookkeeping. */
export function temporaryPathFor(file: string): string {
	return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** The names temporaryPathFor makes, with the pid of the process that made it. */
const ourTemporaryName = /^\..+\.(\d+)\.[\da-f]{8}\.tmp$/;

/** The writer's pid when `name` is one of our temp files, else undefined. */
export function temporaryFileWriter(name: string): number | undefined {
	const match = ourTemporaryName.exec(name);
	return match ? Number(match[1]) : undefined;
}

/** A write in progress, ours (`.<name>.<pid>.<random>.tmp`) or another writer's (`result.json.tmp`): never the other side's activity, never archived. */
export function isTemporaryName(name: string): boolean {
	return name.endsWith('.tmp');
}

/** Writes a freshly created file durably. The mode is set again because open()'s mode is filtered by the umask. */
async function fillAndClose(handle: fsp.FileHandle, data: string | Uint8Array, mode: number): Promise<void> {
	try {
		await handle.chmod(mode);
		await handle.writeFile(data);
		await handle.sync();
	} finally {
		await handle.close();
	}
}

export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
	await writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** link(2) errors that mean the file system has no hard links. */
const noHardLinks = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

/**
Creates a file that must not exist yet, refusing to follow links. Returns false when it already exists.

The file is filled under a temporary name and hard-linked into place (link(2) refuses an existing name, link or not, as O_EXCL does), so nobody ever reads it empty: a second claimant that found it empty would take it for abandoned.
*/
export async function createExclusive(file: string, data: string, mode = privateFileMode): Promise<boolean> {
	// Both names resolve through the checked folder's handle, so a folder swapped for a link cannot place the file elsewhere.
	const folder = await openRealFolder(path.dirname(file));
	const temporary = folder.at(path.basename(temporaryPathFor(file)));
	try {
		await fillAndClose(await fsp.open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode), data, mode);
		await fsp.link(temporary, folder.at(path.basename(file)));
	} catch (error) {
		if (errnoCode(error) === 'EEXIST') {
			return false;
		}

		if (!noHardLinks.has(errnoCode(error) ?? '')) {
			throw namedByPath(error, file);
		}

		return await createInPlace(folder.at(path.basename(file)), data, mode);
	} finally {
		await fsp.rm(temporary, {force: true});
		await folder.sync().finally(async () => folder.close());
	}

	return true;
}

/** createExclusive for file systems without hard links: O_EXCL, then filled (empty for a moment). */
async function createInPlace(file: string, data: string, mode: number): Promise<boolean> {
	let handle: fsp.FileHandle;
	try {
		handle = await fsp.open(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
	} catch (error) {
		if (errnoCode(error) === 'EEXIST') {
			return false;
		}

		throw error;
	}

	await fillAndClose(handle, data, mode);
	return true;
}

/**
Appends text to a regular file, creating it private. A symlink, a special file, or a file with more than one link (a hard link, whose other name may be anywhere outside) is refused: appending is the one write that goes into an existing file rather than replacing it by rename.
*/
export async function appendToFile(file: string, text: string, name = file): Promise<void> {
	// Opened through the checked folder's handle: a folder swapped for a link after the check cannot make us create the file elsewhere.
	const folder = await openRealFolder(path.dirname(file));
	try {
		let handle: fsp.FileHandle;
		try {
			handle = await fsp.open(folder.at(path.basename(file)), O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK, privateFileMode);
		} catch (error) {
			if (errnoCode(error) === 'ELOOP') {
				throw new HandoffError('is a symlink; refusing to write through it', undefined, name);
			}

			// ENXIO: a FIFO nobody reads (O_NONBLOCK keeps us from waiting for one); EISDIR: a folder.
			if (errnoCode(error) === 'ENXIO' || errnoCode(error) === 'EISDIR') {
				throw new HandoffError('is not a regular file', undefined, name);
			}

			throw namedByPath(error, file);
		}

		try {
			// Checked on the open file, not the name: a link made after this check adds a name to our file, it cannot make us write into another one.
			assertWritableFile(await handle.stat(), name);
			// Without /proc the name was resolved by path: the folder again, as swapped for a link between the check and the open the file may be elsewhere.
			if (!canResolveThroughHandle) {
				await assertRealFolder(path.dirname(file));
			}

			await handle.appendFile(text);
		} finally {
			await handle.close();
		}
	} finally {
		await folder.close();
	}
}

/** A file we may write into in place: regular, and with no other name (nlink 1) through which a write would land outside. */
function assertWritableFile(stat: fs.Stats, name: string): void {
	if (!stat.isFile()) {
		throw new HandoffError('is not a regular file', undefined, name);
	}

	if (stat.nlink > 1) {
		throw new HandoffError(`has ${stat.nlink} hard links; refusing to write through it`, undefined, name);
	}
}

/**
Refuses to write into a folder that is a symlink: the other side could swap shared/ or output/ for a link to anywhere, and O_NOFOLLOW only guards the last part of a path. Workspace paths are made real (realpath) when they are opened, so every folder we write into is one of ours.
*/
export async function assertRealFolder(directory: string): Promise<void> {
	assertFolderStat(await fsp.lstat(directory), directory);
}

/** assertRealFolder's verdict on the folder's lstat, for a caller that made the call itself. */
export function assertFolderStat(stat: fs.Stats, directory: string): void {
	const refusal = folderRefusal(stat);
	if (refusal !== undefined) {
		throw new HandoffError(refusal, undefined, directory);
	}
}

/** Why a folder with this lstat is not read or written through (a symlink, or not a folder), or undefined for a real folder. */
export function folderRefusal(stat: fs.Stats): string | undefined {
	if (stat.isSymbolicLink()) {
		return 'is a symlink; refusing to follow it';
	}

	return stat.isDirectory() ? undefined : 'is not a folder';
}

/** mkdir with 0700 whatever the umask. `exclusive` fails with EEXIST instead of reusing a folder. */
export async function makePrivateDirectory(directory: string, exclusive = false): Promise<void> {
	try {
		await fsp.mkdir(directory, {mode: privateDirectoryMode});
	} catch (error) {
		if (exclusive || errnoCode(error) !== 'EEXIST') {
			throw error;
		}

		const stat = await fsp.lstat(directory);
		if (!stat.isDirectory()) {
			throw new HandoffError('exists and is not a folder', undefined, directory);
		}

		return;
	}

	await fsp.chmod(directory, privateDirectoryMode);
}

export async function syncDirectory(directory: string): Promise<void> {
	let handle: fsp.FileHandle | undefined;
	try {
		handle = await fsp.open(directory, O_RDONLY);
		await handle.sync();
	} catch (error) {
		// Some file systems refuse fsync on a folder; the rename has happened regardless.
		if (!['EINVAL', 'EISDIR', 'EPERM', 'EBADF'].includes(errnoCode(error) ?? '')) {
			throw error;
		}
	} finally {
		await handle?.close();
	}
}

export function formatBytes(bytes: number): string {
	if (bytes < 1024) {
		return `${bytes} B`;
	}

	if (bytes < 1024 * 1024) {
		return `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KB`;
	}

	return `${(bytes / (1024 * 1024)).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0)} MB`;
}
