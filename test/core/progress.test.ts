import {spawn} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, test} from 'vitest';
import {readRejections, rejectResult} from '../../source/core/completion.js';
import {layout} from '../../source/core/paths.js';
import {asyncFileAccess, syncFileAccess, type FileAccess} from '../../source/core/file-access.js';
import {ProgressTail, appendProgress, formatProgress, parseProgressLine, type ProgressTailOptions} from '../../source/core/progress.js';
import type {ProgressLine} from '../../source/core/snapshot.js';
import {mkfifo, settlesWithin, useTempDirectories} from './helpers.js';

const temporaryDirectory = useTempDirectories();
let workspace: string;
let file: string;
let tail: ProgressTail;
/** How the tails of the test read: the tests of the tail run both ways (the session reads synchronously). */
let access: FileAccess = asyncFileAccess;
const newTail = (options: ProgressTailOptions = {}): ProgressTail => new ProgressTail(file, {...options, access});
beforeEach(async () => {
	workspace = await temporaryDirectory();
	fs.mkdirSync(path.join(workspace, 'shared'));
	file = path.join(workspace, layout.progress);
	tail = newTail();
});
// Each test's tail holds the file open; closed here rather than left to the garbage collector.
afterEach(async () => {
	await tail.close();
});

const messages = async (final = false): Promise<string[]> => (await tail.read(final)).map(line => line.message);

describe.each([['asynchronous', asyncFileAccess], ['synchronous', syncFileAccess]] as const)('ProgressTail (%s calls)', (_calls, calls) => {
	beforeEach(() => {
		access = calls;
		tail = newTail();
	});

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

	test('a file rewritten in place, even longer, is read again from the top: its bytes before the read position changed', async () => {
		fs.writeFileSync(file, 'aaaa\n');
		expect(await messages()).toEqual(['aaaa']);
		// Same inode, larger than before: a tail that looked only at the size would go on at byte 5 and report only bbbb.
		const handle = fs.openSync(file, 'r+');
		fs.writeSync(handle, 'XXXX\nbbbb\n', 0);
		fs.closeSync(handle);
		expect(await messages()).toEqual(['XXXX', 'bbbb']);
		// Appending after that reads only the new line.
		fs.appendFileSync(file, 'cccc\n');
		expect(await messages()).toEqual(['cccc']);
	});

	test('truncated and rewritten longer between two reads: every line written after the truncation comes', async () => {
		fs.writeFileSync(file, 'old 1\nold 2\n');
		expect(await messages()).toEqual(['old 1', 'old 2']);
		fs.truncateSync(file, 0);
		fs.appendFileSync(file, 'new 1 is longer\nnew 2 as well\nnew 3\n');
		expect(await messages()).toEqual(['new 1 is longer', 'new 2 as well', 'new 3']);
	});

	test('rotation: the old file is read to its end, lines added to it after the rename included, then the new one', async () => {
		fs.writeFileSync(file, 'one\n');
		expect(await messages()).toEqual(['one']);
		const writer = fs.openSync(file, 'a');
		fs.writeSync(writer, 'two\n');
		fs.renameSync(file, `${file}.1`);
		// A logger still holding the old file writes on until it reopens the name; the unterminated end of the old file still comes.
		fs.writeSync(writer, 'three\nfour, unterminated');
		fs.closeSync(writer);
		expect(await messages()).toEqual(['two', 'three']);
		fs.writeFileSync(file, 'five\n');
		expect(await messages()).toEqual(['four, unterminated', 'five']);
		// A rotation by deletion: what was written before the delete is not lost either.
		fs.appendFileSync(file, 'six\n');
		fs.rmSync(file);
		fs.writeFileSync(file, 'seven\n');
		expect(await messages()).toEqual(['six', 'seven']);
	});

	test('the old file of a rotation is read in chunks too: hasBacklog holds until it and the new one are read', async () => {
		const lines = Array.from({length: 30_000}, (_, index) => `old ${index} ${'y'.repeat(60)}`);
		fs.writeFileSync(file, 'start\n');
		expect(await messages()).toEqual(['start']);
		fs.appendFileSync(file, `${lines.join('\n')}\n`);
		fs.renameSync(file, `${file}.1`);
		fs.writeFileSync(file, 'new\n');
		const seen: string[] = [];
		let calls = 0;
		do {
			seen.push(...(await messages()));
			calls++;
		} while (await tail.hasBacklog());
		expect(calls).toBeGreaterThan(1);
		expect(seen).toEqual([...lines, 'new']);
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
		await expect(newTail().read()).rejects.toThrow('is a symlink');
	});

	test('a followed file swapped for a symlink: the rest of the old file comes, then the refusal; the link\'s target never', async () => {
		fs.writeFileSync(file, 'one\n');
		expect(await messages()).toEqual(['one']);
		fs.appendFileSync(file, 'two\n');
		const outside = path.join(workspace, 'secret.txt');
		fs.writeFileSync(outside, 'secret line\n');
		fs.rmSync(file);
		fs.symlinkSync(outside, file);
		expect(await messages()).toEqual(['two']);
		await expect(tail.read()).rejects.toThrow('shared/progress.txt: is a symlink; refusing to follow it');
		expect(await tail.hasBacklog()).toBe(false);
		// Replaced by a regular file again, it is followed from the top.
		fs.rmSync(file);
		fs.writeFileSync(file, 'three\n');
		expect(await messages()).toEqual(['three']);
		await tail.close();
	});

	test.skipIf(process.getuid?.() === 0)('a file it may not read is an error, and no backlog to read again at once', async () => {
		fs.writeFileSync(file, 'one\n');
		expect(await messages()).toEqual(['one']);
		fs.rmSync(file);
		fs.writeFileSync(file, 'two\n', {mode: 0o000});
		await expect(tail.read()).rejects.toMatchObject({code: 'EACCES'});
		expect(await tail.hasBacklog()).toBe(false);
		fs.chmodSync(file, 0o600);
		expect(await messages()).toEqual(['two']);
	});

	test('refuses a FIFO without hanging', async () => {
		mkfifo(file);
		await expect(settlesWithin(tail.read(), 2000, 'tailing a FIFO')).rejects.toThrow('is not a regular file');
	});
});

describe('the producer\'s own progress line', () => {
	test('a rejection never appends through a progress.txt hard-linked to a file outside, and still stands', async () => {
		fs.mkdirSync(path.join(workspace, 'output'));
		const outside = path.join(await temporaryDirectory(), 'outside.txt');
		fs.writeFileSync(outside, 'outside content\n');
		fs.linkSync(outside, file);
		fs.writeFileSync(path.join(workspace, layout.done), '');
		await rejectResult(workspace, ['output/r.json: /x: missing required field "x"'], 1, 1);
		expect(fs.readFileSync(outside, 'utf8')).toBe('outside content\n');
		expect(fs.readFileSync(path.join(workspace, layout.rejection), 'utf8')).toContain('missing required field "x"');
		expect(fs.readFileSync(path.join(workspace, layout.status), 'utf8')).toBe('RUNNING\n');
		expect(fs.existsSync(path.join(workspace, layout.done))).toBe(false);
		expect(await readRejections(workspace)).toHaveLength(1);
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

/**
A writer in its own process appends numbered lines to progress.txt and, now and then, rotates the file or truncates it and writes a longer block at once, while this process follows it. Before a destructive step the writer waits (over IPC) until the tail has seen the line that makes the step fair: for a rotation, a line of the current file (so the tail follows the file being rotated); for a truncation, every line so far (lines the tail never saw before a truncation are gone, and no tail can show them).
*/
const writerCode = `
	const fs = require('node:fs');
	const [file, total, mode] = [process.argv[1], Number(process.argv[2]), process.argv[3]];
	let seen = -1;
	const waiters = [];
	process.on('message', message => {
		seen = Math.max(seen, message.seen);
		for (const waiter of waiters.splice(0)) waiter();
	});
	const until = async line => { while (seen < line) await new Promise(resolve => waiters.push(resolve)); };
	const stamp = line => '[2025-11-21 23:30:05] line ' + line + ' ' + 'p'.repeat(line % 37) + '\\n';
	let fd = fs.openSync(file, 'a');
	let firstOfFile = 0;
	let rotations = 0;
	let truncations = 0;
	(async () => {
		for (let line = 0; line < total;) {
			const step = Math.random();
			if (line > firstOfFile + 20 && step < 0.006 && mode !== 'truncate') {
				await until(firstOfFile);
				fs.renameSync(file, file + '.' + ++rotations);
				// A logger writes on to the file it holds until it reopens the name.
				for (let extra = Math.floor(Math.random() * 4); extra > 0 && line < total; extra--) fs.writeSync(fd, stamp(line++));
				fs.closeSync(fd);
				fd = fs.openSync(file, 'a');
				firstOfFile = line;
			} else if (line > firstOfFile + 20 && step < 0.012) {
				if (mode !== 'truncate') await until(line - 1);
				fs.ftruncateSync(fd, 0);
				truncations++;
				// Truncate, then write more than there was, in one go: the size alone no longer tells.
				const size = fs.fstatSync(fd).size;
				let block = '';
				const start = line;
				while ((block.length < 2 * 4096 || line - start < 3) && line < total) block += stamp(line++);
				fs.writeSync(fd, block);
				firstOfFile = start;
				process.send({truncatedBefore: start});
			} else {
				fs.writeSync(fd, stamp(line++));
			}
		}
		fs.closeSync(fd);
		process.send({rotations, truncations}, () => process.exit(0));
	})();
`;

const slow = process.env.HANDOFF_SLOW_TESTS === '1';

async function followWriter(mode: 'all' | 'truncate', total: number): Promise<{seen: number[]; rotations: number; truncations: number; lastTruncation: number}> {
	const writer = spawn(process.execPath, ['-e', writerCode, file, String(total), mode], {stdio: ['ignore', 'ignore', 'inherit', 'ipc']});
	let done = false;
	let counts = {rotations: 0, truncations: 0};
	let lastTruncation = 0;
	writer.on('message', (message: {rotations?: number; truncations?: number; truncatedBefore?: number}) => {
		if (message.truncatedBefore !== undefined) {
			lastTruncation = message.truncatedBefore;
		} else {
			counts = message as typeof counts;
		}
	});
	const exit = new Promise<number | null>(resolve => {
		writer.on('exit', code => {
			done = true;
			resolve(code);
		});
	});
	const seen: number[] = [];
	const take = (lines: ProgressLine[]): void => {
		for (const line of lines) {
			const match = /^line (\d+) (p*)$/.exec(line.message);
			expect(match && line.time === '2025-11-21 23:30:05' && match[2]!.length === Number(match[1]) % 37, `torn line: ${JSON.stringify(line)}`).toBe(true);
			seen.push(Number(match![1]));
		}

		if (lines.length > 0 && writer.connected) {
			// The writer may have exited meanwhile: a failed send is nothing to report.
			writer.send({seen: seen.at(-1)}, () => undefined);
		}
	};

	while (!done) {
		take(await tail.read());
		await new Promise(resolve => {
			setImmediate(resolve);
		});
	}

	expect(await exit).toBe(0);
	do {
		take(await tail.read());
	} while (await tail.hasBacklog());
	take(await tail.read(true));
	await tail.close();
	return {seen, ...counts, lastTruncation};
}

describe.each([['asynchronous', asyncFileAccess], ['synchronous', syncFileAccess]] as const)('ProgressTail against a writer in another process (%s calls)', (_calls, calls) => {
	beforeEach(() => {
		access = calls;
		tail = newTail();
	});

	const total = 10_000;

	test.each(Array.from({length: slow ? 20 : 2}, (_, trial) => trial))('rotations and truncate-then-longer rewrites: every one of 10,000 lines, once, in order (trial %i)', async () => {
		const {seen, rotations, truncations} = await followWriter('all', total);
		expect(rotations + truncations).toBeGreaterThan(10);
		const missing = total - new Set(seen).size;
		expect(missing, `${missing} lines lost over ${rotations} rotations and ${truncations} truncations`).toBe(0);
		expect(seen).toEqual(Array.from({length: total}, (_, index) => index));
	}, 60_000);

	test.each(Array.from({length: slow ? 20 : 2}, (_, trial) => trial))('truncations at any moment: lines come in order, never twice or torn, and all after the last truncation (trial %i)', async () => {
		const {seen, truncations, lastTruncation} = await followWriter('truncate', total);
		expect(truncations).toBeGreaterThan(10);
		for (let index = 1; index < seen.length; index++) {
			expect(seen[index]! > seen[index - 1]!, `line ${seen[index]} after line ${seen[index - 1]}`).toBe(true);
		}

		expect(seen.filter(line => line >= lastTruncation)).toEqual(Array.from({length: total - lastTruncation}, (_, index) => lastTruncation + index));
	}, 60_000);
});

describe.each([['asynchronous', asyncFileAccess], ['synchronous', syncFileAccess]] as const)('a long progress.txt opened at its end (startWithin, the screen) (%s calls)', (_calls, calls) => {
	beforeEach(() => {
		access = calls;
		tail = newTail();
	});

	test('a 1 GB log (sparse) opens with its last lines in one bounded read, saying how much was skipped', async () => {
		const handle = fs.openSync(file, 'w');
		fs.ftruncateSync(handle, 1024 ** 3);
		fs.closeSync(handle);
		fs.appendFileSync(file, `\n${Array.from({length: 3000}, (_, index) => `line ${index}`).join('\n')}\n`);
		const far = newTail({startWithin: 16 * 1024});
		const started = performance.now();
		const lines = (await far.read()).map(line => line.message);
		expect(performance.now() - started).toBeLessThan(300);
		expect(lines.at(-1)).toBe('line 2999');
		// Only whole lines: the one the window cut into is dropped, so every line shown is a numbered line.
		expect(lines.length).toBeGreaterThan(1000);
		expect(lines.every(line => /^line \d+$/.test(line))).toBe(true);
		expect(far.skippedBytes).toBeGreaterThan(1024 ** 3);
		expect(await far.hasBacklog()).toBe(false);
		fs.appendFileSync(file, 'after\n');
		expect((await far.read()).map(line => line.message)).toEqual(['after']);
		await far.close();
	});

	test('a line that starts exactly where the window starts is kept whole; a line the window cuts is dropped', async () => {
		fs.writeFileSync(file, 'aaaa\nbbbb\ncccc\n');
		const atStart = newTail({startWithin: 10});
		expect((await atStart.read()).map(line => line.message)).toEqual(['bbbb', 'cccc']);
		const cut = newTail({startWithin: 9});
		expect((await cut.read()).map(line => line.message)).toEqual(['cccc']);
		await atStart.close();
		await cut.close();
	});

	test('a window that starts inside a character keeps the next lines exact; one with no newline yet skips on until a newline comes', async () => {
		const line = 'é漢🙂 naïve\n';
		fs.writeFileSync(file, line.repeat(40));
		// A line is 17 bytes: the window of 43 (and the byte before it) starts in the emoji of the third line from the end.
		const inside = newTail({startWithin: 43});
		expect((await inside.read()).map(read => read.message)).toEqual(['é漢🙂 naïve', 'é漢🙂 naïve']);
		await inside.close();

		fs.writeFileSync(file, `${'é'.repeat(300)}`);
		const noNewline = newTail({startWithin: 100});
		expect(await noNewline.read()).toEqual([]);
		fs.appendFileSync(file, 'é still the cut line\n漢 next\n');
		expect((await noNewline.read()).map(read => read.message)).toEqual(['漢 next']);
		await noNewline.close();
	});

	test('a short file is read whole, and a file that replaces a long one is read from its top', async () => {
		fs.writeFileSync(file, 'one\ntwo\n');
		const short = newTail({startWithin: 1024});
		expect((await short.read()).map(line => line.message)).toEqual(['one', 'two']);
		expect(short.skippedBytes).toBe(0);
		await short.close();

		fs.writeFileSync(file, `${'x'.repeat(5000)}\nlast\n`);
		const long = newTail({startWithin: 100});
		expect((await long.read()).map(line => line.message)).toEqual(['last']);
		fs.renameSync(file, `${file}.1`);
		fs.writeFileSync(file, `${'y'.repeat(500)}\nnew\n`);
		expect((await long.read()).map(line => line.message)).toEqual(['y'.repeat(500), 'new']);
		await long.close();
	});

	test('truncated and rewritten, it is read again from the top', async () => {
		fs.writeFileSync(file, `${'x'.repeat(5000)}\nlast\n`);
		const long = newTail({startWithin: 100});
		expect((await long.read()).map(line => line.message)).toEqual(['last']);
		fs.writeFileSync(file, 'fresh\n');
		expect((await long.read()).map(line => line.message)).toEqual(['fresh']);
		await long.close();
	});
});
