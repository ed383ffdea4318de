import fs from 'node:fs';
import path from 'node:path';
import {StringDecoder} from 'node:string_decoder';
import {HandoffError, errnoCode, exitCode} from './errors.js';
import {layout} from './paths.js';
import {asyncFileAccess, type FileAccess, type OpenFile} from './file-access.js';
import {appendToFile, assertFolderStat} from './safe-io.js';
import type {ProgressLine} from './snapshot.js';
import {progressTimestamp} from './time.js';

const stampPattern = /^\[(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})]\s?(.*)$/;

/** A line longer than this without a newline is cut and shown, so a runaway writer cannot grow our buffer. */
const maxLineLength = 64 * 1024;
/** How much one read takes at most; a larger backlog is read over several calls. */
const maxChunk = 1024 * 1024;

export function parseProgressLine(line: string): ProgressLine {
	const match = stampPattern.exec(line);
	return match ? {time: match[1], message: match[2]!} : {message: line};
}

/** `[YYYY-MM-DD HH:MM:SS] message` per line of `message`. */
export function formatProgress(message: string, date = new Date()): string {
	const stamp = progressTimestamp(date);
	return message
		.split(/\r?\n/)
		.filter(line => line.trim() !== '')
		.map(line => `[${stamp}] ${line}\n`)
		.join('');
}

/** Appends `[YYYY-MM-DD HH:MM:SS] message` to shared/progress.txt: the consumer's `progress`. */
export async function reportProgress(workspace: string, message: string): Promise<void> {
	if (message.trim() === '') {
		throw new HandoffError('The progress message is empty', exitCode.usage);
	}

	await appendProgress(workspace, message);
}

export async function appendProgress(workspace: string, message: string, date = new Date()): Promise<void> {
	const text = formatProgress(message, date);
	if (text === '') {
		throw new HandoffError('The progress message is empty');
	}

	await appendToFile(path.join(workspace, layout.progress), text, layout.progress);
}

/** How many bytes before the read position are kept to recognise a file rewritten in place (truncated, then written past where we were). */
const witnessBytes = 256;

/** The file being followed: open, so that after a rotation the rest of it can still be read, and its inode cannot be reused while we hold it. */
type FollowedFile = {
	handle: OpenFile;
	device: number;
	inode: number;
	offset: number;
	/** The last bytes read, ending at `offset`. */
	witness: Buffer;
};

/**
Follows shared/progress.txt by byte offset: each call returns only the complete lines added since the last one, and never loses one that was in a file it followed.

- The file is kept open. When another file takes its name (rotation, or a rename over it), the old one is first read to its end, then the new one from the top.
- When the file shrinks, or the bytes just before the read position change (truncated, then rewritten longer), it is read again from the top; what was written after the truncation is all read.
- A partial last line waits for its newline; at most `maxChunk` bytes are read per call (hasBacklog says when more is waiting).
*/
export type ProgressTailOptions = {
	/** Start a file that is already longer than this many bytes at its last complete lines within them, not at its top: a screen shows only the last lines, and a 1 GB log must open at once. Only the first file followed; one that replaces it is read from the top. */
	startWithin?: number;
	/**
	How the file is looked at and read: asynchronously (the default), or synchronously, as the session does. Synchronous, a new line reaches the screen about half a millisecond sooner (four calls of a few microseconds each instead of four thread-pool round trips), and nothing here can block: the path is lstat'ed first, opened with O_NONBLOCK, and only a regular file is read, at most `maxChunk` bytes at a time.
	*/
	access?: FileAccess;
};

export class ProgressTail {
	private followed: FollowedFile | undefined;
	private pending = '';
	private decoder = new StringDecoder('utf8');
	private failed = false;
	private firstFollow = true;
	/** Dropping the line the tail started in the middle of, up to its newline. */
	private skippingToLineStart = false;
	/** How many bytes at the top of the first file were left unread (startWithin); 0 when none. */
	skippedBytes = 0;

	private readonly access: FileAccess;

	constructor(
		private readonly file: string,
		private readonly options: ProgressTailOptions = {},
	) {
		this.access = options.access ?? asyncFileAccess;
	}

	/** The new complete lines. With `final`, a last line with no newline is returned too. */
	async read(final = false): Promise<ProgressLine[]> {
		try {
			const lines = await this.readLines(final);
			this.failed = false;
			return lines;
		} catch (error) {
			this.failed = true;
			throw error;
		}
	}

	private async readLines(final: boolean): Promise<ProgressLine[]> {
		const lines: string[] = [];
		const atPath = await this.lookAtPath();
		let budget = maxChunk;
		const {followed} = this;
		if (followed && !(atPath.kind === 'file' && atPath.device === followed.device && atPath.inode === followed.inode)) {
			// Rotated, replaced, deleted or swapped for a link: first whatever the old file still holds.
			budget = await this.readFollowed(followed, budget, lines);
			if (atPath.kind === 'file' && budget > 0) {
				// Read to its end: its unterminated last line will get no newline any more.
				this.flushPending(lines);
				await this.stopFollowing();
			}
		}

		if (atPath.kind === 'refused' && lines.length === 0) {
			throw atPath.error;
		}

		if (atPath.kind === 'file' && budget > 0) {
			this.followed ??= await this.follow();
			if (this.followed) {
				await this.readFollowed(this.followed, budget, lines);
			}
		}

		if (final) {
			this.flushPending(lines);
		}

		return lines.map(line => parseProgressLine(line.replace(/\r$/, ''))).filter(line => line.message !== '' || line.time);
	}

	/** True when a read stopped at the chunk limit, or the file changed, and more is waiting. False after a read that failed: asking again at once would fail the same way. */
	async hasBacklog(): Promise<boolean> {
		if (this.failed) {
			return false;
		}

		try {
			const atPath = await this.lookAtPath();
			const {followed} = this;
			if (!followed) {
				return atPath.kind === 'file';
			}

			const {size} = await followed.handle.stat();
			const replaced = atPath.kind === 'file' && (atPath.device !== followed.device || atPath.inode !== followed.inode);
			return size > followed.offset || (size < followed.offset && size > 0) || replaced;
		} catch {
			return false;
		}
	}

	/** Closes the followed file. */
	async close(): Promise<void> {
		await this.stopFollowing();
	}

	private async lookAtPath(): Promise<{kind: 'file'; device: number; inode: number} | {kind: 'missing'} | {kind: 'refused'; error: HandoffError}> {
		try {
			// Asynchronous, both at once (one round trip, not two); either way the folder's verdict comes first, as if it had been checked first.
			const folderPath = path.dirname(this.file);
			const look = async (target: string): Promise<fs.Stats | undefined> => this.access.lstat(target);
			const [folder, file] = await Promise.allSettled([look(folderPath), look(this.file)]);
			if (folder.status === 'rejected') {
				throw folder.reason;
			}

			if (folder.value === undefined) {
				return {kind: 'missing'};
			}

			assertFolderStat(folder.value, folderPath);
			if (file.status === 'rejected') {
				throw file.reason;
			}

			const stat = file.value;
			if (stat === undefined) {
				return {kind: 'missing'};
			}

			if (stat.isSymbolicLink() || !stat.isFile()) {
				return {kind: 'refused', error: new HandoffError(stat.isSymbolicLink() ? 'is a symlink; refusing to follow it' : 'is not a regular file', undefined, layout.progress)};
			}

			return {kind: 'file', device: stat.dev, inode: stat.ino};
		} catch (error) {
			if (error instanceof HandoffError) {
				return {kind: 'refused', error};
			}

			if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') {
				return {kind: 'missing'};
			}

			throw error;
		}
	}

	/** Opens the file at the path; undefined when it went away meanwhile. */
	private async follow(): Promise<FollowedFile | undefined> {
		let handle: OpenFile;
		try {
			// O_NOFOLLOW and O_NONBLOCK: swapped for a link or a FIFO since the lstat, it fails or is refused below instead of being followed or hanging.
			handle = await this.access.open(this.file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
		} catch (error) {
			if (errnoCode(error) === 'ENOENT') {
				return undefined;
			}

			if (errnoCode(error) === 'ELOOP') {
				throw new HandoffError('is a symlink; refusing to follow it', undefined, layout.progress);
			}

			throw error;
		}

		const stat = await handle.stat();
		if (!stat.isFile()) {
			await handle.close();
			throw new HandoffError('is not a regular file', undefined, layout.progress);
		}

		this.pending = '';
		this.decoder = new StringDecoder('utf8');
		let offset = 0;
		const {startWithin} = this.options;
		if (this.firstFollow && startWithin !== undefined && stat.size > startWithin) {
			// One byte early: when it is a newline, the first line within the window is whole and kept.
			offset = stat.size - startWithin - 1;
			this.skippedBytes = offset + 1;
			this.skippingToLineStart = true;
		}

		this.firstFollow = false;
		return {handle, device: stat.dev, inode: stat.ino, offset, witness: Buffer.alloc(0)};
	}

	/** Reads up to `budget` new bytes of `followed` into lines, starting over when it was rewritten; returns the budget left. */
	private async readFollowed(followed: FollowedFile, budget: number, lines: string[]): Promise<number> {
		const {size} = await followed.handle.stat();
		// With new bytes to read, the read below checks the witness itself: one round trip less on the way to the screen.
		if (size < followed.offset || (size === followed.offset && !(await this.witnessHolds(followed)))) {
			this.startOver(followed);
		}

		const length = Math.min(size - followed.offset, budget);
		if (length <= 0) {
			return budget;
		}

		// The witness is read again with the new bytes, in one read: a rewrite between the check above and this read cannot pass.
		const before = followed.witness.length;
		const buffer = Buffer.alloc(before + length);
		const {bytesRead} = await followed.handle.read(buffer, 0, buffer.length, followed.offset - before);
		if (bytesRead < before || !buffer.subarray(0, before).equals(followed.witness)) {
			this.startOver(followed);
			return this.readFollowed(followed, budget, lines);
		}

		const chunk = buffer.subarray(before, bytesRead);
		followed.offset += chunk.length;
		followed.witness = Buffer.concat([followed.witness, chunk.subarray(-witnessBytes)]).subarray(-witnessBytes);
		let text = chunk;
		if (this.skippingToLineStart) {
			// Found in the bytes, not the text: the skipped part is never decoded (a sparse or binary top costs nothing), and a newline byte never sits inside a UTF-8 character, so decoding can begin after it.
			const lineStart = chunk.indexOf(0x0A) + 1;
			this.skippingToLineStart = lineStart === 0;
			text = lineStart === 0 ? chunk.subarray(0, 0) : chunk.subarray(lineStart);
		}

		this.pending += this.decoder.write(text);

		const parts = this.pending.split('\n');
		this.pending = parts.pop()!;
		lines.push(...parts);
		if (this.pending.length > maxLineLength) {
			lines.push(this.pending.slice(0, maxLineLength));
			this.pending = '';
		}

		return budget - chunk.length;
	}

	/** The file was rewritten: read it again from the top, dropping the part of a line held from before. */
	private startOver(followed: FollowedFile): void {
		this.skippingToLineStart = false;
		followed.offset = 0;
		followed.witness = Buffer.alloc(0);
		this.pending = '';
		this.decoder = new StringDecoder('utf8');
	}

	/** Whether the bytes before the read position are still the ones read there. */
	private async witnessHolds(followed: FollowedFile): Promise<boolean> {
		const {witness, offset} = followed;
		if (witness.length === 0) {
			return true;
		}

		const now = Buffer.alloc(witness.length);
		const {bytesRead} = await followed.handle.read(now, 0, witness.length, offset - witness.length);
		return bytesRead === witness.length && now.equals(witness);
	}

	private flushPending(lines: string[]): void {
		const rest = this.pending + this.decoder.end();
		this.pending = '';
		this.decoder = new StringDecoder('utf8');
		if (rest !== '') {
			lines.push(rest);
		}
	}

	private async stopFollowing(): Promise<void> {
		const handle = this.followed?.handle;
		this.followed = undefined;
		await handle?.close();
	}
}
