import fs from 'node:fs';
import fsp from 'node:fs/promises';
import {errnoCode} from './errors.js';

type MaybePromise<T> = T | Promise<T>;

/** An open file as the safe readers use it: a FileHandle, or a descriptor read synchronously. */
export type OpenFile = {
	stat(): MaybePromise<fs.Stats>;
	read(buffer: Buffer, offset: number, length: number, position: number): MaybePromise<{bytesRead: number}>;
	close(): MaybePromise<void>;
};

/**
The file system calls the workspace readers make (lstat, readdir, open), so that one implementation of each reading rule serves both ways of calling them. Either way the calls, their flags and their errors are the same; only who waits differs.
*/
export type FileAccess = {
	/** Undefined when nothing is at `file` (ENOENT): a missing file is common, and an error for each would cost more than the call. */
	lstat(file: string): MaybePromise<fs.Stats | undefined>;
	readdir(directory: string): MaybePromise<string[]>;
	open(file: string, flags: number): MaybePromise<OpenFile>;
};

/** Node's asynchronous calls: the event loop stays free while the thread pool waits, as a screen or a server needs. */
export const asyncFileAccess: FileAccess = {
	lstat: async file => fsp.lstat(file).catch((error: unknown) => {
		if (errnoCode(error) === 'ENOENT') {
			return undefined;
		}

		throw error;
	}),
	readdir: async directory => fsp.readdir(directory),
	open: async (file, flags) => fsp.open(file, flags),
};

/**
The same calls made synchronously, for a one-off pass over many small files where nothing else runs meanwhile (`handoff ls`): each costs a few microseconds, where a thread-pool round trip costs tens, which over 1,000 workspaces of some 30 calls each is most of the time taken. Nothing here can hang where the asynchronous calls would not: FIFOs and devices are refused after lstat, and opened (if swapped in since) with O_NONBLOCK, as before.
*/
export const syncFileAccess: FileAccess = {
	lstat: file => fs.lstatSync(file, {throwIfNoEntry: false}),
	readdir: directory => fs.readdirSync(directory),
	open(file, flags) {
		const descriptor = fs.openSync(file, flags);
		return {
			stat: () => fs.fstatSync(descriptor),
			read: (buffer, offset, length, position) => ({bytesRead: fs.readSync(descriptor, buffer, offset, length, position)}),
			close() {
				fs.closeSync(descriptor);
			},
		};
	},
};
