import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {afterEach, describe, expect, test} from 'vitest';
import {resolveInside, resolveInsideReal} from '../../source/core/paths.js';
import {appendToFile, createExclusive, makePrivateDirectory, readRegularFile, writeFileAtomic} from '../../source/core/safe-io.js';
import {makeTempDirectory} from '../helpers/cli.js';

let root: string;
afterEach(() => {
	fs.rmSync(root, {recursive: true, force: true});
});

const setup = (): string => {
	root = makeTempDirectory();
	const workspace = path.join(root, 'ws');
	fs.mkdirSync(path.join(workspace, 'output'), {recursive: true});
	return workspace;
};

describe('path safety', () => {
	test.each([
		['../outside.json', 'leaves the workspace'],
		['output/../../outside.json', 'leaves the workspace'],
		['/etc/passwd', 'is absolute'],
		['C:\\Windows\\x', 'is absolute'],
		['output/a\0b', 'NUL byte'],
		['', 'is empty'],
	])('refuses %j', (relative, message) => {
		const workspace = setup();
		expect(() => resolveInside(workspace, relative)).toThrow(message);
	});

	test('a sibling with the same prefix is not inside', () => {
		const workspace = setup();
		fs.mkdirSync(`${workspace}-evil`);
		expect(() => resolveInside(workspace, '../ws-evil/x')).toThrow('leaves the workspace');
	});

	test('accepts nested paths and links that stay inside; refuses links, even dangling ones, that leave', () => {
		const workspace = setup();
		expect(resolveInside(workspace, 'output/sub/../r.json')).toBe(path.join(workspace, 'output/r.json'));
		fs.writeFileSync(path.join(workspace, 'output/real.json'), '{}');
		fs.symlinkSync('real.json', path.join(workspace, 'output/inside-link.json'));
		expect(resolveInsideReal(workspace, 'output/inside-link.json')).toBe(path.join(workspace, 'output/inside-link.json'));
		fs.symlinkSync(root, path.join(workspace, 'escape'));
		expect(() => resolveInsideReal(workspace, 'escape/secret.json')).toThrow('symlink that leaves the workspace');
		fs.symlinkSync('/nonexistent/place', path.join(workspace, 'output/dangling.json'));
		expect(() => resolveInsideReal(workspace, 'output/dangling.json')).toThrow('symlink that leaves the workspace');
	});
});

describe('safe reads', () => {
	test('missing is undefined; symlinks, folders and FIFOs are refused by name without hanging', async () => {
		const workspace = setup();
		expect(await readRegularFile(path.join(workspace, 'output/none.json'))).toBeUndefined();
		fs.writeFileSync(path.join(root, 'secret'), 'secret');
		fs.symlinkSync(path.join(root, 'secret'), path.join(workspace, 'output/link.json'));
		await expect(readRegularFile(path.join(workspace, 'output/link.json'), {name: 'output/link.json'})).rejects.toThrow('output/link.json: is a symlink');
		await expect(readRegularFile(path.join(workspace, 'output'), {name: 'output'})).rejects.toThrow('is not a regular file');
		execFileSync('mkfifo', [path.join(workspace, 'output/fifo.json')]);
		await expect(readRegularFile(path.join(workspace, 'output/fifo.json'), {name: 'fifo'})).rejects.toThrow('is not a regular file');
	});

	test('files over the cap are refused', async () => {
		const workspace = setup();
		const file = path.join(workspace, 'output/big.json');
		fs.writeFileSync(file, Buffer.alloc(2048));
		await expect(readRegularFile(file, {maxBytes: 1024, name: 'big'})).rejects.toThrow('big: is 2.0 KB, over the 1.0 KB limit');
		fs.writeFileSync(file, Buffer.alloc(1024));
		expect((await readRegularFile(file, {maxBytes: 1024}))!.length).toBe(1024);
	});
});

describe('safe writes', () => {
	test('atomic writes are 0600 whatever the umask, replace a planted symlink, and leave no temp files', async () => {
		const workspace = setup();
		const outside = path.join(root, 'outside.txt');
		fs.writeFileSync(outside, 'original');
		const target = path.join(workspace, 'output/answers.json');
		fs.symlinkSync(outside, target);
		const previous = process.umask(0);
		try {
			await writeFileAtomic(target, 'new');
		} finally {
			process.umask(previous);
		}

		expect(fs.readFileSync(outside, 'utf8')).toBe('original');
		expect(fs.lstatSync(target).isSymbolicLink()).toBe(false);
		expect(fs.readFileSync(target, 'utf8')).toBe('new');
		expect(fs.statSync(target).mode & 0o777).toBe(0o600);
		expect(fs.readdirSync(path.join(workspace, 'output'))).toEqual(['answers.json']);
	});

	test('appends refuse symlinks; exclusive creation and private folders', async () => {
		const workspace = setup();
		const outside = path.join(root, 'outside.txt');
		fs.writeFileSync(outside, 'original');
		fs.symlinkSync(outside, path.join(workspace, 'output/log.txt'));
		await expect(appendToFile(path.join(workspace, 'output/log.txt'), 'x', 'log')).rejects.toThrow('log: is a symlink');
		expect(fs.readFileSync(outside, 'utf8')).toBe('original');
		expect(await createExclusive(path.join(workspace, '.lock'), 'a')).toBe(true);
		expect(await createExclusive(path.join(workspace, '.lock'), 'b')).toBe(false);
		expect(fs.readFileSync(path.join(workspace, '.lock'), 'utf8')).toBe('a');
		const previous = process.umask(0);
		try {
			await makePrivateDirectory(path.join(workspace, 'private'));
		} finally {
			process.umask(previous);
		}

		expect(fs.statSync(path.join(workspace, 'private')).mode & 0o777).toBe(0o700);
		await expect(makePrivateDirectory(path.join(workspace, 'private'), true)).rejects.toThrow('EEXIST');
	});
});
