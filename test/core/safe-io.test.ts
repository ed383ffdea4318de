import fs from 'node:fs';
import path from 'node:path';
import {beforeEach, describe, expect, test} from 'vitest';
import {HandoffError} from '../../source/core/errors.js';
import {
	appendToFile,
	createExclusive,
	defaultMaxBytes,
	formatBytes,
	isTemporaryName,
	makePrivateDirectory,
	readJsonFile,
	readRegularFile,
	readTextFile,
	temporaryFileWriter,
	temporaryPathFor,
	writeFileAtomic,
	writeJsonAtomic,
} from '../../source/core/safe-io.js';
import {mkfifo, modeOf, settlesWithin, useTempDirectories, withUmask} from './helpers.js';

const temporaryDirectory = useTempDirectories();

/** <root>/ws/output inside a temp root, with <root>/outside.txt beside the workspace. */
let root: string;
let output: string;
let outside: string;
beforeEach(async () => {
	root = await temporaryDirectory();
	output = path.join(root, 'ws/output');
	fs.mkdirSync(output, {recursive: true});
	outside = path.join(root, 'outside.txt');
	fs.writeFileSync(outside, 'original');
});

/** Temp files writeFileAtomic would leave: `.<name>.<pid>.<random>.tmp`. */
const temporaryFiles = (directory: string): string[] => fs.readdirSync(directory).filter(name => name.endsWith('.tmp'));

describe('readRegularFile', () => {
	test('reads a regular file; a missing file, or one below a file, is undefined', async () => {
		fs.writeFileSync(path.join(output, 'a.json'), '{"a": 1}');
		expect((await readRegularFile(path.join(output, 'a.json')))!.toString()).toBe('{"a": 1}');
		expect(await readRegularFile(path.join(output, 'missing.json'))).toBeUndefined();
		expect(await readRegularFile(path.join(output, 'a.json/below'))).toBeUndefined();
		expect(await readTextFile(path.join(output, 'missing.json'))).toBeUndefined();
	});

	test('refuses a symlink, even one to a file inside, naming the file', async () => {
		fs.writeFileSync(path.join(output, 'real.json'), '{}');
		fs.symlinkSync(outside, path.join(output, 'leak.json'));
		fs.symlinkSync('real.json', path.join(output, 'inside.json'));
		fs.symlinkSync('/nonexistent', path.join(output, 'dangling.json'));
		for (const name of ['leak.json', 'inside.json', 'dangling.json']) {
			const error = await readRegularFile(path.join(output, name), {name: `output/${name}`}).catch((error_: unknown) => error_);
			expect(error, name).toBeInstanceOf(HandoffError);
			expect((error as Error).message).toBe(`output/${name}: is a symlink; refusing to follow it`);
		}
	});

	test('refuses a FIFO at once instead of hanging on it', async () => {
		const fifo = path.join(output, 'result.json');
		mkfifo(fifo);
		await expect(settlesWithin(readRegularFile(fifo, {name: 'output/result.json'}), 2000, 'reading a FIFO')).rejects.toThrow('output/result.json: is not a regular file');
		// A link to a FIFO is refused as a link.
		fs.symlinkSync(fifo, path.join(output, 'to-fifo.json'));
		await expect(settlesWithin(readRegularFile(path.join(output, 'to-fifo.json')), 2000, 'reading a link to a FIFO')).rejects.toThrow('is a symlink');
	});

	test('refuses a folder', async () => {
		await expect(readRegularFile(output, {name: 'output'})).rejects.toThrow('output: is not a regular file');
	});

	test.skipIf(!fs.existsSync('/dev/zero'))('refuses a device (needs /dev/zero)', async () => {
		await expect(settlesWithin(readRegularFile('/dev/zero', {name: 'zero'}), 2000, 'reading /dev/zero')).rejects.toThrow('zero: is not a regular file');
	});

	test('refuses a file over the cap by its size, and accepts one exactly at it', async () => {
		const file = path.join(output, 'big.json');
		fs.writeFileSync(file, Buffer.alloc(2048, 'x'));
		await expect(readRegularFile(file, {maxBytes: 1024, name: 'output/big.json'})).rejects.toThrow('output/big.json: is 2.0 KB, over the 1.0 KB limit');
		fs.writeFileSync(file, Buffer.alloc(1024, 'x'));
		expect((await readRegularFile(file, {maxBytes: 1024}))!.length).toBe(1024);
		fs.writeFileSync(file, Buffer.alloc(1025, 'x'));
		await expect(readRegularFile(file, {maxBytes: 1024})).rejects.toThrow('over the 1.0 KB limit');
	});

	test('the default cap is the seed\'s 10 MB', async () => {
		expect(defaultMaxBytes).toBe(10 * 1024 * 1024);
		const file = path.join(output, 'huge.json');
		// Sparse: no 10 MB written to disk.
		fs.writeFileSync(file, '');
		fs.truncateSync(file, defaultMaxBytes + 1);
		await expect(readRegularFile(file, {name: 'output/huge.json'})).rejects.toThrow('output/huge.json: is 10 MB, over the 10 MB limit');
		fs.truncateSync(file, defaultMaxBytes);
		expect((await readRegularFile(file))!.length).toBe(defaultMaxBytes);
	});

	// /proc files stat as 0 bytes yet hold more: exactly what a file that grew between lstat and read looks like.
	const proc = '/proc/self/status';
	test.skipIf(!fs.existsSync(proc))('a file that is larger than its stat said (grew after the check) is still refused past the cap (needs /proc)', async () => {
		expect(fs.statSync(proc).size).toBe(0);
		const full = await readRegularFile(proc);
		expect(full!.length).toBeGreaterThan(64);
		await expect(readRegularFile(proc, {maxBytes: 64, name: 'status'})).rejects.toThrow('status: is larger than the 64 B limit');
	});

	test('a file that keeps growing while it is read never yields more than the cap', async () => {
		const file = path.join(output, 'growing.txt');
		fs.writeFileSync(file, '');
		const maxBytes = 256 * 1024;
		const chunk = Buffer.alloc(16 * 1024, 'g');
		let stop = false;
		const writer = (async () => {
			const handle = await fs.promises.open(file, 'a');
			try {
				while (!stop && (await handle.stat()).size < 4 * maxBytes) {
					await handle.write(chunk);
				}
			} finally {
				await handle.close();
			}
		})();
		let refused = false;
		try {
			for (let reads = 0; reads < 2000 && !refused; reads++) {
				try {
					const buffer = await readRegularFile(file, {maxBytes});
					expect(buffer!.length).toBeLessThanOrEqual(maxBytes);
				} catch (error) {
					expect((error as Error).message).toMatch(/limit/);
					refused = true;
				}
			}
		} finally {
			stop = true;
			await writer;
		}

		expect(refused).toBe(true);
	});

	test('readJsonFile names the file on bad JSON and accepts a byte-order mark', async () => {
		fs.writeFileSync(path.join(output, 'bad.json'), '{"a": ');
		await expect(readJsonFile(path.join(output, 'bad.json'), {name: 'output/bad.json'})).rejects.toThrow(/^output\/bad\.json: is not valid JSON/);
		fs.writeFileSync(path.join(output, 'bom.json'), '\uFEFF{"a": 1}');
		expect(await readJsonFile(path.join(output, 'bom.json'))).toEqual({a: 1});
	});
});

describe('writeFileAtomic', () => {
	test.each([0, 0o022, 0o077])('writes 0600 files whatever the umask (%o)', async mask => {
		const file = path.join(output, 'answers.json');
		await withUmask(mask, async () => writeFileAtomic(file, 'new'));
		expect(modeOf(file)).toBe(0o600);
		expect(fs.readFileSync(file, 'utf8')).toBe('new');
		// Rewriting an existing file with looser permissions makes it private again.
		fs.chmodSync(file, 0o666);
		await withUmask(mask, async () => writeFileAtomic(file, 'newer'));
		expect(modeOf(file)).toBe(0o600);
		expect(fs.readFileSync(file, 'utf8')).toBe('newer');
	});

	test('an explicit mode is applied exactly', async () => {
		const file = path.join(output, 'shared.txt');
		await withUmask(0o077, async () => writeFileAtomic(file, 'x', 0o644));
		expect(modeOf(file)).toBe(0o644);
	});

	test('replaces a file by rename: a reader holding the old one still sees the old content', async () => {
		const file = path.join(output, 'status.txt');
		fs.writeFileSync(file, 'old');
		const before = fs.statSync(file).ino;
		const reader = fs.openSync(file, 'r');
		try {
			await writeFileAtomic(file, 'new');
			expect(fs.readFileSync(reader, 'utf8')).toBe('old');
		} finally {
			fs.closeSync(reader);
		}

		expect(fs.statSync(file).ino).not.toBe(before);
		expect(fs.readFileSync(file, 'utf8')).toBe('new');
	});

	test('replaces a planted symlink instead of writing through it', async () => {
		const target = path.join(output, 'answers.json');
		fs.symlinkSync(outside, target);
		await withUmask(0, async () => writeFileAtomic(target, 'new'));
		expect(fs.readFileSync(outside, 'utf8')).toBe('original');
		expect(modeOf(outside)).not.toBe(0o600);
		expect(fs.lstatSync(target).isSymbolicLink()).toBe(false);
		expect(fs.readFileSync(target, 'utf8')).toBe('new');
		expect(modeOf(target)).toBe(0o600);
	});

	test('a dangling symlink planted in its place creates nothing outside', async () => {
		const created = path.join(root, 'created-outside.txt');
		const target = path.join(output, 'status.txt');
		fs.symlinkSync(created, target);
		await writeFileAtomic(target, 'RUNNING\n');
		expect(fs.existsSync(created)).toBe(false);
		expect(fs.lstatSync(target).isFile()).toBe(true);
	});

	test('refuses to write into a folder that is a symlink', async () => {
		const elsewhere = path.join(root, 'elsewhere');
		fs.mkdirSync(elsewhere);
		fs.symlinkSync(elsewhere, path.join(root, 'ws/shared'));
		await expect(writeFileAtomic(path.join(root, 'ws/shared/answers.json'), 'x')).rejects.toThrow('is a symlink');
		expect(fs.readdirSync(elsewhere)).toEqual([]);
	});

	test('leaves no temp files, after success and after failure', async () => {
		await writeFileAtomic(path.join(output, 'a.json'), 'a');
		await writeJsonAtomic(path.join(output, 'b.json'), {b: 1});
		expect(fs.readdirSync(output).sort()).toEqual(['a.json', 'b.json']);
		expect(fs.readFileSync(path.join(output, 'b.json'), 'utf8')).toBe('{\n  "b": 1\n}\n');
		// A rename onto a non-empty folder fails: the temp file must go with it.
		fs.mkdirSync(path.join(output, 'folder'));
		fs.writeFileSync(path.join(output, 'folder/inside'), 'x');
		await expect(writeFileAtomic(path.join(output, 'folder'), 'x')).rejects.toThrow(/^EISDIR: illegal operation on a directory, rename/);
		expect(temporaryFiles(output)).toEqual([]);
		expect(fs.readFileSync(path.join(output, 'folder/inside'), 'utf8')).toBe('x');
	});

	test('twenty concurrent writers: one whole version wins, nothing torn, no temp files', async () => {
		const file = path.join(output, 'race.json');
		const versions = Array.from({length: 20}, (_, index) => JSON.stringify({writer: index, padding: 'p'.repeat(10_000)}));
		await Promise.all(versions.map(async version => writeFileAtomic(file, version)));
		expect(versions).toContain(fs.readFileSync(file, 'utf8'));
		expect(temporaryFiles(output)).toEqual([]);
	});
});

describe('appendToFile', () => {
	test('creates a private file and appends to it', async () => {
		const file = path.join(output, 'progress.txt');
		await withUmask(0, async () => {
			await appendToFile(file, 'one\n');
			await appendToFile(file, 'two\n');
		});
		expect(fs.readFileSync(file, 'utf8')).toBe('one\ntwo\n');
		expect(modeOf(file)).toBe(0o600);
	});

	test('refuses a symlink in its place, leaving the target untouched', async () => {
		fs.symlinkSync(outside, path.join(output, 'progress.txt'));
		const error = await appendToFile(path.join(output, 'progress.txt'), 'x\n', 'shared/progress.txt').catch((error_: unknown) => error_);
		expect(error).toBeInstanceOf(HandoffError);
		expect((error as Error).message).toBe('shared/progress.txt: is a symlink; refusing to write through it');
		expect(fs.readFileSync(outside, 'utf8')).toBe('original');
		// A dangling one creates nothing.
		fs.symlinkSync(path.join(root, 'new.txt'), path.join(output, 'dangling.txt'));
		await expect(appendToFile(path.join(output, 'dangling.txt'), 'x\n')).rejects.toThrow('is a symlink');
		expect(fs.existsSync(path.join(root, 'new.txt'))).toBe(false);
	});

	test('refuses a FIFO or a folder without hanging, and a symlinked folder', async () => {
		mkfifo(path.join(output, 'fifo.txt'));
		await expect(settlesWithin(appendToFile(path.join(output, 'fifo.txt'), 'x\n'), 2000, 'appending to a FIFO')).rejects.toThrow(/fifo.txt: is not a regular file/);
		await expect(appendToFile(output, 'x\n')).rejects.toThrow(/output: is not a regular file/);
		fs.mkdirSync(path.join(root, 'elsewhere'));
		fs.symlinkSync(path.join(root, 'elsewhere'), path.join(root, 'ws/shared'));
		await expect(appendToFile(path.join(root, 'ws/shared/progress.txt'), 'x\n')).rejects.toThrow('is a symlink');
		expect(fs.readdirSync(path.join(root, 'elsewhere'))).toEqual([]);
	});
});

describe('writes never go through a hard link', () => {
	test('appendToFile refuses a file hard-linked to one outside, which stays untouched', async () => {
		const file = path.join(output, 'progress.txt');
		fs.linkSync(outside, file);
		const error = await appendToFile(file, 'result rejected\n', 'shared/progress.txt').catch((error_: unknown) => error_);
		expect(error).toBeInstanceOf(HandoffError);
		expect((error as Error).message).toBe('shared/progress.txt: has 2 hard links; refusing to write through it');
		expect(fs.readFileSync(outside, 'utf8')).toBe('original');
		expect(fs.readFileSync(file, 'utf8')).toBe('original');
		// Once the other name is gone the file is ours alone again, and appending works.
		fs.rmSync(outside);
		await appendToFile(file, 'appended\n');
		expect(fs.readFileSync(file, 'utf8')).toBe('originalappended\n');
	});

	test('appendToFile refuses a FIFO nobody reads and a folder with a clear message', async () => {
		mkfifo(path.join(output, 'fifo.txt'));
		await expect(settlesWithin(appendToFile(path.join(output, 'fifo.txt'), 'x\n', 'shared/progress.txt'), 2000, 'appending to a FIFO')).rejects.toThrow('shared/progress.txt: is not a regular file');
		fs.mkdirSync(path.join(output, 'folder.txt'));
		await expect(appendToFile(path.join(output, 'folder.txt'), 'x\n', 'shared/progress.txt')).rejects.toThrow('shared/progress.txt: is not a regular file');
	});

	test('writeFileAtomic and createExclusive replace or refuse a hard-linked name; the outside file keeps its content', async () => {
		for (const name of ['status.txt', 'answers.json']) {
			fs.linkSync(outside, path.join(output, name));
		}

		await writeFileAtomic(path.join(output, 'status.txt'), 'COMPLETE\n');
		await writeJsonAtomic(path.join(output, 'answers.json'), {answers: []});
		expect(await createExclusive(path.join(output, 'status.txt'), 'x')).toBe(false);
		expect(fs.readFileSync(outside, 'utf8')).toBe('original');
		expect(fs.statSync(outside).nlink).toBe(1);
		expect(fs.readFileSync(path.join(output, 'status.txt'), 'utf8')).toBe('COMPLETE\n');
	});
});

describe('temporary file names', () => {
	test('temporaryFileWriter knows our own temp names and their writer; isTemporaryName any .tmp', () => {
		const name = path.basename(temporaryPathFor(path.join(output, 'answers.json')));
		expect(name).toMatch(/^\.answers\.json\.\d+\.[\da-f]{8}\.tmp$/);
		expect(temporaryFileWriter(name)).toBe(process.pid);
		expect(temporaryFileWriter('.analysis.json.123.0badcafe.tmp')).toBe(123);
		for (const other of ['analysis.json.tmp', '.analysis.json.tmp', '.x.123.nothex00.tmp', '.x.123.0badcafe.tmp.bak', 'answers.json']) {
			expect(temporaryFileWriter(other), other).toBeUndefined();
		}

		expect(['analysis.json.tmp', '.x.1.0badcafe.tmp'].every(isTemporaryName)).toBe(true);
		expect(['analysis.json', 'tmp', 'x.tmp.json'].some(isTemporaryName)).toBe(false);
	});
});

describe('makePrivateDirectory', () => {
	test('makes 0700 folders whatever the umask', async () => {
		await withUmask(0, async () => makePrivateDirectory(path.join(root, 'open')));
		expect(modeOf(path.join(root, 'open'))).toBe(0o700);
		await withUmask(0o777, async () => makePrivateDirectory(path.join(root, 'closed')));
		expect(modeOf(path.join(root, 'closed'))).toBe(0o700);
	});

	test('exclusive refuses an existing folder; otherwise it is reused, but a file in its place is refused', async () => {
		await makePrivateDirectory(path.join(root, 'made'), true);
		await expect(makePrivateDirectory(path.join(root, 'made'), true)).rejects.toMatchObject({code: 'EEXIST'});
		await expect(makePrivateDirectory(path.join(root, 'made'))).resolves.toBeUndefined();
		await expect(makePrivateDirectory(outside)).rejects.toThrow('exists and is not a folder');
	});
});

describe('createExclusive', () => {
	test('creates once, private; a second call returns false and keeps the first content', async () => {
		const file = path.join(root, 'ws/.lock');
		expect(await withUmask(0, async () => createExclusive(file, 'first'))).toBe(true);
		expect(modeOf(file)).toBe(0o600);
		expect(await createExclusive(file, 'second')).toBe(false);
		expect(fs.readFileSync(file, 'utf8')).toBe('first');
	});

	test('a symlink in its place, even dangling, counts as existing and is not followed', async () => {
		const created = path.join(root, 'created-outside');
		fs.symlinkSync(created, path.join(root, 'ws/.lock'));
		expect(await createExclusive(path.join(root, 'ws/.lock'), 'x')).toBe(false);
		expect(fs.existsSync(created)).toBe(false);
	});
});

test('formatBytes', () => {
	expect(formatBytes(512)).toBe('512 B');
	expect(formatBytes(1536)).toBe('1.5 KB');
	expect(formatBytes(20 * 1024 * 1024)).toBe('20 MB');
});
