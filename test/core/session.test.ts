import fs from 'node:fs';
import path from 'node:path';
import {afterEach, expect, test} from 'vitest';
import {createHandoff} from '../../source/core/create.js';
import {HandoffSession} from '../../source/core/session.js';
import {makeTempDirectory, schemaFixture} from '../helpers/cli.js';

let base: string;
const sessions: HandoffSession[] = [];
afterEach(async () => {
	for (const session of sessions.splice(0)) {
		// eslint-disable-next-line no-await-in-loop
		await session.close();
	}

	fs.rmSync(base, {recursive: true, force: true});
});

async function open(options: {maxRetries?: number} = {}) {
	base = makeTempDirectory();
	const {workspace} = await createHandoff({baseDirectory: base, task: 'session', inputs: [], schemaText: JSON.stringify(schemaFixture), resultPath: 'output/analysis.json', command: ['handoff'], ...options});
	const session = await HandoffSession.open(workspace);
	sessions.push(session);
	await session.start();
	return {workspace, session};
}

test('progress lines stream in order, and questions show up in the snapshot', async () => {
	const {workspace, session} = await open();
	const seen: string[] = [];
	session.onProgress(lines => seen.push(...lines.map(line => line.message)));
	for (const n of [1, 2, 3]) {
		fs.appendFileSync(path.join(workspace, 'shared/progress.txt'), `[2025-01-01 00:00:0${n}] step ${n}\n`);
	}

	fs.writeFileSync(path.join(workspace, 'shared/questions.json'), JSON.stringify({questions: [{id: 'q1', text: 'Why?'}]}));
	await new Promise<void>(resolve => {
		const check = (): void => {
			if (seen.length === 3 && session.getState().snapshot?.state === 'waiting') {
				resolve();
			}
		};

		session.subscribe(check);
		check();
	});
	expect(seen).toEqual(['step 1', 'step 2', 'step 3']);
	await session.answer('q1', 'Because');
	expect(JSON.parse(fs.readFileSync(path.join(workspace, 'shared/answers.json'), 'utf8')).answers[0]).toMatchObject({id: 'q1', answer: 'Because'});
});

test('cancel marks the hand-off CANCELED and settles', async () => {
	const {workspace, session} = await open();
	await session.cancel();
	expect(await session.finished).toEqual({kind: 'canceled'});
	expect(fs.readFileSync(path.join(workspace, 'shared/status.txt'), 'utf8').trim()).toBe('CANCELED');
});

test('a rejected result is retried across the rejection, then completes and archives', async () => {
	const {workspace, session} = await open({maxRetries: 1});
	fs.writeFileSync(path.join(workspace, 'output/analysis.json'), '{}');
	fs.writeFileSync(path.join(workspace, '.done'), '');
	await new Promise<void>(resolve => {
		session.subscribe(() => {
			if (session.getState().outcome?.kind === 'retrying') {
				resolve();
			}
		});
	});
	expect(fs.existsSync(path.join(workspace, '.done'))).toBe(false);
	fs.writeFileSync(path.join(workspace, 'output/analysis.json'), '{"state_machines": []}');
	fs.writeFileSync(path.join(workspace, '.done'), '');
	const outcome = await session.finished;
	expect(outcome.kind).toBe('complete');
	expect(fs.existsSync(workspace)).toBe(false);
});
