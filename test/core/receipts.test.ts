import fs from 'node:fs';
import path from 'node:path';
import {beforeEach, describe, expect, test} from 'vitest';
import type {Manifest} from '../../source/core/manifest.js';
import {layout} from '../../source/core/paths.js';
import {askQuestions} from '../../source/core/consumer.js';
import {addAnswer} from '../../source/core/questions.js';
import {SnapshotReader, settleMs} from '../../source/core/snapshot-reader.js';
import {newTestHandoff, useTempDirectories} from './helpers.js';

const temporaryDirectory = useTempDirectories();
let base: string;
let workspace: string;
let manifest: Manifest;
beforeEach(async () => {
	base = await temporaryDirectory();
	({workspace, manifest} = await newTestHandoff(base, 'receipts'));
	await askQuestions(workspace, [{text: 'Edit profiles?', options: ['Yes', 'No']}, {text: 'Which colour?'}]);
});

const write = (relativePath: string, content: string | Buffer): void => {
	fs.writeFileSync(path.join(workspace, relativePath), content);
};

const receipts = (...entries: Array<[id: string, readAt: string]>): string => JSON.stringify({receipts: entries.map(([id, read_at]) => ({id, read_at}))});

/** Each question's id with its receipt's time, or undefined when it has none. */
async function pickedUp(reader: SnapshotReader, now?: number): Promise<Record<string, string | undefined>> {
	const snapshot = await reader.read(now);
	return Object.fromEntries(snapshot.questions.map(question => [question.id, question.receipt?.read_at]));
}

describe('shared/receipts.json in the snapshot', () => {
	test('an answered question gets its receipt; a receipt for an unanswered question is not shown as picked up', async () => {
		expect.hasAssertions();
		await addAnswer(workspace, 'q1', '2');
		write(layout.receipts, receipts(['q1', '2999-01-01T00:00:00Z'], ['q2', '2999-01-01T00:00:00Z']));
		expect(await pickedUp(new SnapshotReader(workspace, manifest))).toEqual({q1: '2999-01-01T00:00:00Z', q2: undefined});
	});

	test('an answer replaced after it was read is not picked up until a newer receipt', async () => {
		expect.hasAssertions();
		await addAnswer(workspace, 'q1', '1');
		write(layout.receipts, receipts(['q1', '2000-01-01T00:00:00Z']));
		expect((await pickedUp(new SnapshotReader(workspace, manifest))).q1).toBeUndefined();
	});

	test('no receipts file: nothing picked up, no problem', async () => {
		expect.hasAssertions();
		await addAnswer(workspace, 'q1', '1');
		const snapshot = await new SnapshotReader(workspace, manifest).read();
		expect(snapshot.questions.find(question => question.id === 'q1')?.receipt).toBeUndefined();
		expect(snapshot.problems).toEqual([]);
	});

	test('a torn receipts.json keeps the last good value quietly, then is reported once it has stayed bad for settleMs', async () => {
		expect.hasAssertions();
		await addAnswer(workspace, 'q1', '1');
		await addAnswer(workspace, 'q2', 'blue');
		const reader = new SnapshotReader(workspace, manifest);
		write(layout.receipts, receipts(['q1', '2999-01-01T00:00:00Z']));
		expect(await pickedUp(reader, 1000)).toEqual({q1: '2999-01-01T00:00:00Z', q2: undefined});
		write(layout.receipts, '{"receipts": [{"id": "q1", "read_at": "2999-01-01T00:00:00Z"}, {"id": "q2", "rea');
		const torn = await reader.read(1001);
		expect(torn.problems).toEqual([]);
		expect(reader.unsettled).toBe(true);
		expect(torn.questions.find(question => question.id === 'q1')?.receipt?.read_at).toBe('2999-01-01T00:00:00Z');
		const settled = await reader.read(1001 + settleMs);
		expect(settled.problems).toEqual([{file: layout.receipts, message: expect.stringMatching(/^is not valid JSON/)}]);
		expect(settled.questions.find(question => question.id === 'q1')?.receipt?.read_at).toBe('2999-01-01T00:00:00Z');
	});

	test('the wrong shape is reported with its pointer; extra fields in an entry are not carried to the screen', async () => {
		expect.hasAssertions();
		await addAnswer(workspace, 'q1', '1');
		write(layout.receipts, JSON.stringify({receipts: [{id: 'q1'}]}));
		const reader = new SnapshotReader(workspace, manifest);
		await reader.read(0);
		const snapshot = await reader.read(settleMs);
		expect(snapshot.problems).toEqual([{file: layout.receipts, message: expect.stringContaining('/receipts/0/read_at: missing required field "read_at"')}]);
		write(layout.receipts, JSON.stringify({receipts: [{id: 'q1', read_at: '2999-01-01T00:00:00Z', note: '\u001B]0;pwned\u0007'}]}));
		const fixed = await reader.read(2 * settleMs);
		expect(fixed.questions.find(question => question.id === 'q1')?.receipt).toEqual({id: 'q1', read_at: '2999-01-01T00:00:00Z'});
	});

	test('a symlinked receipts.json is reported, not followed', async () => {
		expect.hasAssertions();
		await addAnswer(workspace, 'q1', '1');
		const outside = path.join(base, 'receipts.json');
		fs.writeFileSync(outside, receipts(['q1', '2999-01-01T00:00:00Z']));
		fs.symlinkSync(outside, path.join(workspace, layout.receipts));
		const snapshot = await new SnapshotReader(workspace, manifest).read();
		expect(snapshot.questions.find(question => question.id === 'q1')?.receipt).toBeUndefined();
		expect(snapshot.problems).toEqual([{file: layout.receipts, message: 'is a symlink; refusing to follow it'}]);
	});

	test('a huge receipts.json is refused by its size at once, without reading it', async () => {
		expect.hasAssertions();
		const file = path.join(workspace, layout.receipts);
		fs.writeFileSync(file, '');
		fs.truncateSync(file, 20 * 1024 * 1024);
		const snapshot = await new SnapshotReader(workspace, manifest).read();
		expect(snapshot.problems).toEqual([{file: layout.receipts, message: 'is 20 MB, over the 10 MB limit'}]);
	});

	test('a FIFO named receipts.json does not hang the reader', async () => {
		expect.hasAssertions();
		const {execFileSync} = await import('node:child_process');
		execFileSync('mkfifo', [path.join(workspace, layout.receipts)]);
		const snapshot = await new SnapshotReader(workspace, manifest).read();
		expect(snapshot.problems.map(problem => problem.file)).toEqual([layout.receipts]);
	});
});
