import {fork, type ChildProcess} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {HandoffError} from '../../source/core/errors.js';
import {finishRemovals, identityOf, removeTree} from '../../source/core/removal.js';
import {mkfifo, regularFiles, useTempDirectories} from './helpers.js';

const temporaryDirectory = useTempDirectories();
const swapperScript = fileURLToPath(new URL('../fixtures/swapper.mjs', import.meta.url));
const slow = process.env.HANDOFF_SLOW_TESTS === '1';

/** An outside folder full of files whose names are also in the tree, so a removal that follows a link deletes some of them. */
function makeOutside(base: string): {outside: string; expected: Record<string, string>} {
	const outside = path.join(base, 'outside');
	fs.mkdirSync(path.join(outside, 'build'), {recursive: true});
	for (let index = 0; index < 40; index++) {
		fs.writeFileSync(path.join(outside, `f${index}`), `outside ${index}`);
	}

	for (let index = 0; index < 10; index++) {
		fs.writeFileSync(path.join(outside, 'build', `f${index}`), `outside build ${index}`);
	}

	return {outside, expected: regularFiles(outside)};
}

/** A workspace-like tree with the same file names as the outside folder. */
function makeTree(workspace: string): void {
	for (const folder of ['input', 'shared', 'output/build', 'output/deep/er']) {
		fs.mkdirSync(path.join(workspace, folder), {recursive: true});
	}

	fs.writeFileSync(path.join(workspace, 'input/manifest.json'), '{}');
	for (let index = 0; index < 40; index++) {
		fs.writeFileSync(path.join(workspace, 'shared', `f${index}`), 'ours');
		fs.writeFileSync(path.join(workspace, 'output', `f${index}`), 'ours');
	}

	for (let index = 0; index < 10; index++) {
		fs.writeFileSync(path.join(workspace, 'output/build', `f${index}`), 'ours');
		fs.writeFileSync(path.join(workspace, 'output/deep/er', `f${index}`), 'ours');
	}
}

describe('removeTree', () => {
	test('removes a tree with links, hard links and FIFOs, never what they point at', async () => {
		const base = await temporaryDirectory();
		const {outside, expected} = makeOutside(base);
		const workspace = path.join(base, 'ws');
		makeTree(workspace);
		fs.symlinkSync(outside, path.join(workspace, 'shared/linked-folder'));
		fs.symlinkSync(path.join(outside, 'f1'), path.join(workspace, 'output/linked-file'));
		fs.linkSync(path.join(outside, 'f2'), path.join(workspace, 'output/hard-link'));
		mkfifo(path.join(workspace, 'output/pipe'));
		const cwd = process.cwd();
		await removeTree(workspace);
		expect(fs.existsSync(workspace)).toBe(false);
		expect(fs.readdirSync(base).sort()).toEqual(['outside']);
		expect(regularFiles(outside)).toEqual(expected);
		// The walker changes the working folder while it works, and always puts it back.
		expect(process.cwd()).toBe(cwd);
	});

	test('folders the consumer made unreadable, unwritable or unenterable are removed too', async () => {
		const base = await temporaryDirectory();
		const workspace = path.join(base, 'ws');
		makeTree(workspace);
		fs.chmodSync(path.join(workspace, 'output/build'), 0o000);
		fs.chmodSync(path.join(workspace, 'output/deep/er'), 0o300);
		fs.chmodSync(path.join(workspace, 'shared'), 0o500);
		fs.chmodSync(workspace, 0o100);
		await removeTree(workspace);
		expect(fs.readdirSync(base)).toEqual([]);
	});

	test('a tree that is a link is unlinked, not followed; a missing tree is nothing to do', async () => {
		const base = await temporaryDirectory();
		const {outside, expected} = makeOutside(base);
		fs.symlinkSync(outside, path.join(base, 'ws'));
		await removeTree(path.join(base, 'ws'));
		expect(fs.readdirSync(base)).toEqual(['outside']);
		expect(regularFiles(outside)).toEqual(expected);
		await removeTree(path.join(base, 'missing'));
	});

	test('a tree deeper than PATH_MAX (500 levels of 20-letter names) is removed', async () => {
		const base = await temporaryDirectory();
		const workspace = path.join(base, 'ws');
		fs.mkdirSync(workspace);
		const cwd = process.cwd();
		const name = 'd'.repeat(20);
		process.chdir(workspace);
		try {
			for (let depth = 0; depth < 500; depth++) {
				fs.mkdirSync(name);
				fs.writeFileSync(`${name}/file`, 'x');
				process.chdir(name);
			}
		} finally {
			process.chdir(cwd);
		}

		await removeTree(workspace);
		expect(fs.readdirSync(base)).toEqual([]);
	});

	test('a folder that is not the expected one (swapped for another) is put back and nothing is removed', async () => {
		const base = await temporaryDirectory();
		const workspace = path.join(base, 'ws');
		makeTree(workspace);
		const identity = identityOf(fs.lstatSync(workspace, {bigint: true}));
		fs.renameSync(workspace, path.join(base, 'ws-real'));
		makeTree(workspace);
		const before = regularFiles(workspace);
		const error = await removeTree(workspace, identity).catch((error_: unknown) => error_);
		expect(error).toBeInstanceOf(HandoffError);
		expect((error as Error).message).toBe(`${workspace}: was replaced by another folder or a link; nothing was removed`);
		expect(regularFiles(workspace)).toEqual(before);
		await removeTree(path.join(base, 'ws-real'), identity);
		expect(fs.existsSync(path.join(base, 'ws-real'))).toBe(false);
	});

	test('a removal cut short leaves a hidden .removing- folder that finishRemovals completes', async () => {
		const base = await temporaryDirectory();
		const workspace = path.join(base, 'ws');
		makeTree(workspace);
		// What a crash after the move and part of the walk leaves.
		const moved = path.join(base, '.ws.removing-0123456789abcdef');
		fs.renameSync(workspace, moved);
		fs.rmSync(path.join(moved, 'shared'), {recursive: true});
		fs.renameSync(path.join(moved, 'output/build'), path.join(moved, 'output/.handoff-rm-00ff00ff00ff00ff'));
		// A look-alike of another workspace's, and a name we did not make, are left alone.
		makeTree(path.join(base, '.ws2.removing-0123456789abcdef'));
		makeTree(path.join(base, '.ws.removing-not-ours'));
		await finishRemovals(workspace);
		expect(fs.readdirSync(base).sort()).toEqual(['.ws.removing-not-ours', '.ws2.removing-0123456789abcdef']);
	});
});

describe('removeTree against a consumer swapping folders for links during the removal', () => {
	let swapper: ChildProcess;
	const messages: Array<{type: string; flips?: number}> = [];
	let notify: (() => void) | undefined;
	beforeAll(() => {
		swapper = fork(swapperScript, [], {stdio: ['ignore', 'ignore', 'inherit', 'ipc']});
		swapper.on('message', message => {
			messages.push(message as {type: string});
			notify?.();
		});
	});
	afterAll(() => {
		swapper.kill('SIGKILL');
	});

	async function reply(type: string): Promise<{type: string; flips?: number}> {
		for (;;) {
			const index = messages.findIndex(message => message.type === type);
			if (index !== -1) {
				return messages.splice(index, 1)[0]!;
			}

			await new Promise<void>(resolve => {
				notify = resolve;
			});
		}
	}

	const trials = slow ? 500 : 100;
	test(`${trials} trials: no outside file is ever deleted, and the tree is gone`, async () => {
		const base = await temporaryDirectory();
		const {outside, expected} = makeOutside(base);
		let totalFlips = 0;
		for (let trial = 0; trial < trials; trial++) {
			const workspace = path.join(base, `ws${trial}`);
			makeTree(workspace);
			swapper.send({type: 'start', directory: workspace, outside, folders: ['shared', 'output', 'output/build', 'output/deep']});
			await reply('started');
			await removeTree(workspace);
			swapper.send({type: 'stop'});
			totalFlips += (await reply('stopped')).flips ?? 0;
			expect(fs.existsSync(workspace), `trial ${trial}`).toBe(false);
			expect(fs.readdirSync(base).filter(name => name.includes(`ws${trial}`)), `trial ${trial}`).toEqual([]);
			expect(regularFiles(outside), `trial ${trial}`).toEqual(expected);
		}

		// The swapper really was at work during the removals.
		expect(totalFlips).toBeGreaterThan(trials);
	}, slow ? 600_000 : 120_000);
});
