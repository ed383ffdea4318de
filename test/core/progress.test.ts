import fs from 'node:fs';
import path from 'node:path';
import {beforeEach, describe, expect, test} from 'vitest';
import {layout} from '../../source/core/paths.js';
import {ProgressTail, appendProgress, formatProgress, parseProgressLine} from '../../source/core/progress.js';
import {mkfifo, settlesWithin, useTempDirectories} from './helpers.js';

const temporaryDirectory = useTempDirectories();
let workspace: string;
let file: string;
let tail: ProgressTail;
beforeEach(async () => {
	workspace = await temporaryDirectory();
	fs.mkdirSync(path.join(workspace, 'shared'));
	file = path.join(workspace, layout.progress);
	tail = new ProgressTail(file);
});

const messages = async (final = false): Promise<string[]> => (await tail.read(final)).map(line => line.message);

describe('ProgressTail', () => {
	test('a missing file is no lines; stamped lines are parsed, others kept as they are', async () => {
		expect(await tail.read()).toEqual([]);
		fs.writeFileSync(file, '[2025-11-21 23:30:05] Starting analysis...\nplain line\n[2025-11-21 23:30:08] Reading spec (12KB)...\n');
		expect(await tail.read()).toEqual([
			{time: '2025-11-21 23:30:05', message: 'Starting analysis...'},
			{message: 'plain line'},
			{time: '2025-11-21 23:30:08', message: 'Reading spec (12KB)...'},
		]);
	});

	test('returns only the lines added since the last call', async () => {
		fs.writeFileSync(file, 'one\ntwo\n');
		expect(await messages()).toEqual(['one', 'two']);
		expect(await messages()).toEqual([]);
		fs.appendFileSync(file, 'three\n');
		expect(await messages()).toEqual(['three']);
		fs.appendFileSync(file, 'four\nfive\n');
		expect(await messages()).toEqual(['four', 'five']);
		expect(await messages()).toEqual([]);
	});

	test('holds a partial last line until its newline arrives; final returns it', async () => {
		fs.writeFileSync(file, 'whole\n[2025-11-21 23:30:15] Extracting state');
		expect(await messages()).toEqual(['whole']);
		expect(await messages()).toEqual([]);
		fs.appendFileSync(file, ' mach');
		expect(await messages()).toEqual([]);
		fs.appendFileSync(file, 'ines...\nnext');
		expect(await tail.read()).toEqual([{time: '2025-11-21 23:30:15', message: 'Extracting state machines...'}]);
		expect(await messages(true)).toEqual(['next']);
		expect(await messages(true)).toEqual([]);
	});

	test('CRLF line ends and blank lines', async () => {
		fs.writeFileSync(file, 'dos line\r\n\r\n\nunix line\n');
		expect(await messages()).toEqual(['dos line', 'unix line']);
	});

	test('starts over when the file is truncated and rewritten shorter', async () => {
		fs.writeFileSync(file, 'a long first line\nanother long line\n');
		expect(await messages()).toEqual(['a long first line', 'another long line']);
		const inode = fs.statSync(file).ino;
		fs.writeFileSync(file, 'short\n');
		expect(fs.statSync(file).ino).toBe(inode);
		expect(await messages()).toEqual(['short']);
		fs.truncateSync(file, 0);
		expect(await messages()).toEqual([]);
		fs.appendFileSync(file, 'after truncation\n');
		expect(await messages()).toEqual(['after truncation']);
	});

	test('starts over when another file is renamed over it, even a longer one', async () => {
		fs.writeFileSync(file, 'old one\nold two\n');
		expect(await messages()).toEqual(['old one', 'old two']);
		fs.writeFileSync(`${file}.new`, 'new one\nnew two\nnew three, longer than before\n');
		fs.renameSync(`${file}.new`, file);
		expect(await messages()).toEqual(['new one', 'new two', 'new three, longer than before']);
		// And it goes on following the new file.
		fs.appendFileSync(file, 'new four\n');
		expect(await messages()).toEqual(['new four']);
	});

	test('a deleted file is no lines, and a new one is read from the top', async () => {
		fs.writeFileSync(file, 'first\n');
		expect(await messages()).toEqual(['first']);
		fs.rmSync(file);
		expect(await messages()).toEqual([]);
		fs.writeFileSync(file, 'second\n');
		expect(await messages()).toEqual(['second']);
	});

	test('a multi-byte UTF-8 character split across reads comes out whole', async () => {
		const bytes = Buffer.from('[2025-11-21 23:30:28] Found 1 state machine — Ticket.status ✓ 日本\n');
		// Cut inside the em dash, the check mark and the kanji.
		const cuts = [bytes.indexOf('—') + 1, bytes.indexOf('✓') + 2, bytes.indexOf('日') + 1, bytes.length];
		fs.writeFileSync(file, '');
		let previous = 0;
		const seen: string[] = [];
		for (const cut of cuts) {
			fs.appendFileSync(file, bytes.subarray(previous, cut));
			previous = cut;
			seen.push(...(await messages()));
		}

		expect(seen).toEqual(['Found 1 state machine — Ticket.status ✓ 日本']);
		expect(seen.join('')).not.toContain('\uFFFD');
	});

	test('reads by byte offset: bytes already read are never read again', async () => {
		fs.writeFileSync(file, 'aaaa\n');
		expect(await messages()).toEqual(['aaaa']);
		// Rewrite the first line in place (same file, longer): a tail that re-read the file would report XXXX.
		const handle = fs.openSync(file, 'r+');
		fs.writeSync(handle, 'XXXX\nbbbb\n', 0);
		fs.closeSync(handle);
		expect(await messages()).toEqual(['bbbb']);
	});

	test('a large file appended in pieces: each call returns just the new lines', async () => {
		fs.writeFileSync(file, '');
		let next = 0;
		for (let piece = 0; piece < 10; piece++) {
			const lines = Array.from({length: 2000}, () => `[2025-11-21 23:30:05] line ${next++} ${'x'.repeat(40)}`);
			fs.appendFileSync(file, `${lines.join('\n')}\n`);
			const read = await messages();
			expect(read).toHaveLength(2000);
			expect(read[0]).toBe(lines[0]!.slice(22));
			expect(read.at(-1)).toBe(lines.at(-1)!.slice(22));
		}

		expect(fs.statSync(file).size).toBeGreaterThan(1024 * 1024);
		expect(await messages()).toEqual([]);
	});

	test('a backlog over the read limit comes over several calls, in order, without loss', async () => {
		const lines = Array.from({length: 40_000}, (_, index) => `line ${index} ${'y'.repeat(60)}`);
		fs.writeFileSync(file, `${lines.join('\n')}\n`);
		expect(fs.statSync(file).size).toBeGreaterThan(2 * 1024 * 1024);
		const seen: string[] = [];
		let calls = 0;
		do {
			seen.push(...(await messages()));
			calls++;
		} while (await tail.hasBacklog());
		expect(calls).toBeGreaterThan(1);
		expect(seen).toEqual(lines);
	});

	test('a runaway line without a newline is cut rather than buffered forever', async () => {
		fs.writeFileSync(file, 'z'.repeat(200 * 1024));
		const read = await messages();
		expect(read).toHaveLength(1);
		expect(read[0]!.length).toBe(64 * 1024);
	});

	test('refuses a symlink, and a shared/ that is a symlink', async () => {
		const outside = path.join(workspace, 'secret.txt');
		fs.writeFileSync(outside, 'secret line\n');
		fs.symlinkSync(outside, file);
		await expect(tail.read()).rejects.toThrow('shared/progress.txt: is a symlink; refusing to follow it');

		const other = await temporaryDirectory();
		fs.writeFileSync(path.join(other, 'progress.txt'), 'secret line\n');
		fs.rmSync(path.join(workspace, 'shared'), {recursive: true});
		fs.symlinkSync(other, path.join(workspace, 'shared'));
		await expect(new ProgressTail(file).read()).rejects.toThrow('is a symlink');
	});

	test('refuses a FIFO without hanging', async () => {
		mkfifo(file);
		await expect(settlesWithin(tail.read(), 2000, 'tailing a FIFO')).rejects.toThrow('is not a regular file');
	});
});

describe('formatting and appending', () => {
	const date = new Date('2025-11-21T23:30:05Z');

	test('formatProgress stamps each non-empty line of a multi-line message', () => {
		expect(formatProgress('Starting analysis...', date)).toBe('[2025-11-21 23:30:05] Starting analysis...\n');
		expect(formatProgress('one\ntwo\r\n\n  \nthree\n', date)).toBe('[2025-11-21 23:30:05] one\n[2025-11-21 23:30:05] two\n[2025-11-21 23:30:05] three\n');
		expect(formatProgress('\n\n', date)).toBe('');
	});

	test('parseProgressLine', () => {
		expect(parseProgressLine('[2025-11-21 23:30:47] Complete!')).toEqual({time: '2025-11-21 23:30:47', message: 'Complete!'});
		expect(parseProgressLine('[2025-11-21 23:30:47]')).toEqual({time: '2025-11-21 23:30:47', message: ''});
		expect(parseProgressLine('[not a stamp] x')).toEqual({message: '[not a stamp] x'});
	});

	test('appendProgress appends stamped lines that a tail reads back; an empty message is refused', async () => {
		await appendProgress(workspace, 'first\nsecond', date);
		await appendProgress(workspace, 'third', date);
		expect(fs.readFileSync(file, 'utf8')).toBe('[2025-11-21 23:30:05] first\n[2025-11-21 23:30:05] second\n[2025-11-21 23:30:05] third\n');
		expect(await tail.read()).toEqual(['first', 'second', 'third'].map(message => ({time: '2025-11-21 23:30:05', message})));
		await expect(appendProgress(workspace, ' \n ')).rejects.toThrow('The progress message is empty');
	});
});
