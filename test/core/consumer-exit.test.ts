import fs from 'node:fs';
import path from 'node:path';
import {expect, test} from 'vitest';
import {createHandoff} from '../../source/core/create.js';
import type {ConsumerExit} from '../../source/core/launched-tool.js';
import {layout} from '../../source/core/paths.js';
import {HandoffSession} from '../../source/core/session.js';
import {claimText} from '../../source/core/status.js';
import {resultSchema, useTempDirectories} from './helpers.js';

const temporaryDirectory = useTempDirectories();
const trials = process.env.HANDOFF_SLOW_TESTS === '1' ? 500 : 100;
const exit = (fields: Partial<ConsumerExit> = {}): ConsumerExit => ({tool: 'codex', claimTool: 'codex', code: 0, signal: null, stderrTail: [], ...fields});

async function openSession(base: string, maxRetries = 0): Promise<HandoffSession> {
	const {workspace} = await createHandoff({
		baseDirectory: base,
		task: 'exit-race',
		maxRetries,
		inputs: [],
		schemaText: JSON.stringify(resultSchema),
		resultPath: 'output/analysis.json',
		command: [process.execPath, 'dist/cli.js'],
	});
	const session = await HandoffSession.open(workspace, {keep: true});
	await session.start();
	return session;
}

test(`a tool that signals .done and exits at once completes the hand-off, never fails it (${trials} trials)`, async () => {
	const base = await temporaryDirectory();
	for (let trial = 0; trial < trials; trial++) {
		const session = await openSession(base);
		try {
			fs.writeFileSync(path.join(session.workspace, layout.lock), claimText('codex', undefined));
			fs.writeFileSync(path.join(session.workspace, 'output/analysis.json'), JSON.stringify({state_machines: []}));
			fs.writeFileSync(path.join(session.workspace, layout.done), '');
			// The exit arrives as the file event does: neither may win wrongly.
			await session.consumerExited(exit());
			const outcome = await session.finished;
			expect(outcome.kind, JSON.stringify(outcome)).toBe('complete');
		} finally {
			await session.close();
		}
	}
}, 120_000);

test('a tool that exits without signalling fails the hand-off with its code and stderr tail, in .error and metadata.json', async () => {
	const base = await temporaryDirectory();
	const session = await openSession(base);
	try {
		await session.consumerExited(exit({code: 3, stderrTail: ['Error: 401 Unauthorized']}));
		const outcome = await session.finished;
		expect(outcome).toEqual({kind: 'failed', errors: ['the launched consumer (codex) exited with code 3 before the hand-off was done; stderr tail: Error: 401 Unauthorized']});
		expect(fs.readFileSync(path.join(session.workspace, layout.error), 'utf8')).toContain('exited with code 3');
		const metadata = JSON.parse(fs.readFileSync(path.join(session.workspace, layout.metadata), 'utf8')) as {errors: Array<{type: string}>};
		expect(metadata.errors[0]!.type).toBe('consumer_exited');
	} finally {
		await session.close();
	}
});

test('a claim by another consumer keeps the hand-off going; a stale one (its pid is gone) does not', async () => {
	const base = await temporaryDirectory();
	const live = await openSession(base);
	try {
		fs.writeFileSync(path.join(live.workspace, layout.lock), claimText('someone-else', process.pid));
		await live.consumerExited(exit({code: 1}));
		expect(live.getState().outcome).toBeUndefined();
		expect(live.getState().progress.at(-1)?.message).toContain('someone-else holds the claim, so the hand-off goes on');
	} finally {
		await live.close();
	}

	const stale = await openSession(base);
	try {
		// A pid that cannot be running: the claimant crashed.
		fs.writeFileSync(path.join(stale.workspace, layout.lock), JSON.stringify({claimed_at: new Date().toISOString(), tool: 'someone-else', pid: 2 ** 22 + 1}));
		await stale.consumerExited(exit({code: 1}));
		expect((await stale.finished).kind).toBe('failed');
	} finally {
		await stale.close();
	}
});

test(`an invalid result from a tool that has exited is not sent back for a retry nobody would make: the hand-off fails (${trials / 10} trials)`, async () => {
	const base = await temporaryDirectory();
	for (let trial = 0; trial < trials / 10; trial++) {
		const session = await openSession(base, 2);
		try {
			fs.writeFileSync(path.join(session.workspace, 'output/analysis.json'), JSON.stringify({wrong: true}));
			fs.writeFileSync(path.join(session.workspace, layout.done), '');
			await session.consumerExited(exit({stderrTail: ['bye']}));
			const outcome = await session.finished;
			expect(outcome.kind).toBe('failed');
			const errors = (outcome as {errors: string[]}).errors.join('\n');
			expect(errors).toContain('missing required field');
			expect(errors).toMatch(/the launched consumer \(codex\) exited with code 0 (after handing back this result, so nobody is left to fix it|before the hand-off was done); stderr tail: bye/);
		} finally {
			await session.close();
		}
	}
}, 120_000);
