import fsp from 'node:fs/promises';
import path from 'node:path';
import {StringDecoder} from 'node:string_decoder';
import {HandoffError, errnoCode} from './errors.js';
import {layout} from './paths.js';
import {appendToFile, assertRealFolder} from './safe-io.js';
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

export async function appendProgress(workspace: string, message: string, date = new Date()): Promise<void> {
	const text = formatProgress(message, date);
	if (text === '') {
		throw new HandoffError('The progress message is empty');
	}

	await appendToFile(path.join(workspace, layout.progress), text, layout.progress);
}

/**
Follows shared/progress.txt by byte offset: each call returns only the complete lines appended since the last one. Truncation or replacement of the file starts it over from the top; a partial last line waits for its newline.
*/
export class ProgressTail {
	private offset = 0;
	private inode: number | undefined;
	private pending = '';
	private decoder = new StringDecoder('utf8');

	constructor(private readonly file: string) {}

	/** The new complete lines. With `final`, a last line with no newline is returned too. */
	async read(final = false): Promise<ProgressLine[]> {
		let stat;
		try {
			await assertRealFolder(path.dirname(this.file));
			stat = await fsp.lstat(this.file);
		} catch (error) {
			if (errnoCode(error) === 'ENOENT') {
				this.reset(undefined);
				return [];
			}

			throw error;
		}

		if (stat.isSymbolicLink() || !stat.isFile()) {
			throw new HandoffError(stat.isSymbolicLink() ? 'is a symlink; refusing to follow it' : 'is not a regular file', undefined, layout.progress);
		}

		if (stat.ino !== this.inode || stat.size < this.offset) {
			this.reset(stat.ino);
		}

		const lines: string[] = [];
		if (stat.size > this.offset) {
			const handle = await fsp.open(this.file, fsp.constants.O_RDONLY | fsp.constants.O_NOFOLLOW | fsp.constants.O_NONBLOCK);
			try {
				const buffer = Buffer.alloc(Math.min(stat.size - this.offset, maxChunk));
				const {bytesRead} = await handle.read(buffer, 0, buffer.length, this.offset);
				this.offset += bytesRead;
				this.pending += this.decoder.write(buffer.subarray(0, bytesRead));
			} finally {
				await handle.close();
			}

			const parts = this.pending.split('\n');
			this.pending = parts.pop()!;
			lines.push(...parts);
			if (this.pending.length > maxLineLength) {
				lines.push(this.pending.slice(0, maxLineLength));
				this.pending = '';
			}
		}

		if (final && this.pending !== '') {
			lines.push(this.pending);
			this.pending = '';
		}

		return lines.map(line => parseProgressLine(line.replace(/\r$/, ''))).filter(line => line.message !== '' || line.time);
	}

	/** True when a read stopped at the chunk limit and more is waiting. */
	async hasBacklog(): Promise<boolean> {
		try {
			return (await fsp.lstat(this.file)).size > this.offset;
		} catch {
			return false;
		}
	}

	private reset(inode: number | undefined): void {
		this.offset = 0;
		this.inode = inode;
		this.pending = '';
		this.decoder = new StringDecoder('utf8');
	}
}
