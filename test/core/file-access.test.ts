import fs from 'node:fs';
import path from 'node:path';
import {describe, expect, test} from 'vitest';
import {asyncFileAccess, syncFileAccess, type FileAccess} from '../../source/core/file-access.js';
import {layout} from '../../source/core/paths.js';
import {readRegularFile} from '../../source/core/safe-io.js';
import {SnapshotReader} from '../../source/core/snapshot-reader.js';
import {newTestHandoff, useTempDirectories} from './helpers.js';

const temporaryDirectory = useTempDirectories();
const accesses: Array<[string, FileAccess]> = [['asynchronous', asyncFileAccess], ['synchronous', syncFileAccess]];

/** What a read gives, or the message it is refused with. */
async function outcome(read: () => Promise<unknown>): Promise<unknown> {
	try {
		return {value: await read()};
	} catch (error) {
		return {refused: (error as Error).message};
	}
}

// FIFOs are left to the CLI's tests (test/cli/ls-listing.test.ts): a synchronous read that hung on one would hang this test process with it.
describe('the two ways of calling the file system read alike', () => {
	test('readRegularFile gives the same content, undefined or refusal either way', async () => {
		const root = await temporaryDirectory();
		fs.writeFileSync(path.join(root, 'regular.json'), '{"a": 1}');
		fs.writeFileSync(path.join(root, 'empty.json'), '');
		fs.writeFileSync(path.join(root, 'outside.txt'), 'secret');
		fs.symlinkSync(path.join(root, 'outside.txt'), path.join(root, 'link.json'));
		fs.mkdirSync(path.join(root, 'folder'));
		fs.writeFileSync(path.join(root, 'big.json'), Buffer.alloc(2048, 'x'));
		const cases = ['regular.json', 'empty.json', 'missing.json', 'regular.json/below', 'link.json', 'folder', 'big.json'];
		for (const name of cases) {
			const [first, second] = await Promise.all(accesses.map(async ([, access]) => outcome(async () => (await readRegularFile(path.join(root, name), {name, maxBytes: 1024, access}))?.toString())));
			expect(second, name).toEqual(first);
		}

		// Each case gives what it should, not merely the same thing twice.
		expect(await outcome(async () => (await readRegularFile(path.join(root, 'regular.json'), {access: syncFileAccess}))?.toString())).toEqual({value: '{"a": 1}'});
		expect(await outcome(async () => readRegularFile(path.join(root, 'missing.json'), {access: syncFileAccess}))).toEqual({value: undefined});
		expect(await outcome(async () => readRegularFile(path.join(root, 'regular.json/below'), {access: syncFileAccess}))).toEqual({value: undefined});
		expect(await outcome(async () => readRegularFile(path.join(root, 'link.json'), {name: 'link.json', access: syncFileAccess}))).toEqual({refused: 'link.json: is a symlink; refusing to follow it'});
		expect(await outcome(async () => readRegularFile(path.join(root, 'folder'), {name: 'folder', access: syncFileAccess}))).toEqual({refused: 'folder: is not a regular file'});
		expect(await outcome(async () => readRegularFile(path.join(root, 'big.json'), {name: 'big.json', maxBytes: 1024, access: syncFileAccess}))).toEqual({refused: 'big.json: is 2.0 KB, over the 1.0 KB limit'});
	});

	test('a workspace with links, oversized, torn and misplaced files reads to the same snapshot either way', async () => {
		const base = await temporaryDirectory();
		const {workspace, manifest} = await newTestHandoff(base, 'hostile');
		const write = (relativePath: string, text: string): void => {
			fs.writeFileSync(path.join(workspace, relativePath), text);
		};

		fs.writeFileSync(path.join(base, 'outside.json'), JSON.stringify({questions: [{id: 'x1', text: 'From outside?'}]}));
		write(layout.questions, JSON.stringify({questions: [{id: 'q1', text: 'Edit profiles?'}, {id: 'q2', text: 'Admins?'}]}));
		write(layout.answers, JSON.stringify({answers: [{id: 'q1', answer: 'yes'}]}));
		fs.symlinkSync(path.join(base, 'outside.json'), path.join(workspace, layout.receipts));
		// Sparse: over the 10 MB cap without writing it.
		write(layout.metadata, '');
		fs.truncateSync(path.join(workspace, layout.metadata), (10 * 1024 * 1024) + 1);
		write(layout.status, 'RUNNING');
		write(layout.lock, '{"pid": 1, "tool": "claude-code", "host": "laptop", "claimed_at": "2026-01-01T00:00:00Z"}');
		write('output/analysis.partial.json', '{"state_machines": [');
		fs.mkdirSync(path.join(workspace, layout.error));
		const now = Date.now();
		const read = async (access: FileAccess) => {
			const reader = new SnapshotReader(workspace, manifest, {access});
			await reader.read(now);
			await reader.partialChecked();
			return reader.read(now);
		};

		const first = await read(asyncFileAccess);
		expect(await read(syncFileAccess)).toEqual(first);
		expect(Object.fromEntries(first.questions.map(question => [question.id, question.answer?.answer]))).toEqual({q1: 'yes', q2: undefined});
		expect(first.problems.map(problem => problem.file).sort()).toEqual([layout.error, layout.metadata, layout.receipts].sort());
		expect(first.signals).toEqual({lock: true, done: false, error: true});
		expect(first.claim?.tool).toBe('claude-code');
	});
});

const smaps = '/proc/self/smaps';
const smapsBytes = fs.existsSync(smaps) ? fs.readFileSync(smaps).length : 0;

// /proc files stat as 0 bytes: exactly what a file that grew after it was opened looks like.
test.skipIf(smapsBytes < 72 * 1024)('a file that grew far past its size when opened is read to its end, not cut short (needs a /proc/self/smaps over 72 KB)', async () => {
	for (const [way, access] of accesses) {
		const buffer = await readRegularFile(smaps, {access});
		// Reads used to stop 64 KB past the size the file was opened with.
		expect(buffer!.length, way).toBeGreaterThan(64 * 1024);
		// Whole: it ends where the kernel's text does, on a complete line.
		expect(buffer!.toString().endsWith('\n'), way).toBe(true);
		expect(buffer!.toString().split('\n').at(-2), way).toMatch(/^\w+:\s/);
	}
});
