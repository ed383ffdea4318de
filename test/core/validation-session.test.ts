import fs from 'node:fs';
import path from 'node:path';
import {beforeEach, expect, test} from 'vitest';
import {createHandoff} from '../../source/core/create.js';
import {layout} from '../../source/core/paths.js';
import {HandoffSession} from '../../source/core/session.js';
import type {Outcome} from '../../source/core/snapshot.js';
import {resultSchema, useTempDirectories, waitFor} from './helpers.js';

const temporaryDirectory = useTempDirectories();
let base: string;
beforeEach(async () => {
	base = await temporaryDirectory();
});

/** The result schema with a pattern that backtracks exponentially: `^(a+)+$` against 30 `a`s and a `!` takes V8 about 40 s. */
const evilSchema = {
	type: 'object',
	required: ['state_machines'],
	properties: {state_machines: {type: 'array', items: {type: 'object', properties: {entity: {type: 'string', pattern: '^(a+)+$'}}}}},
};
const evilValue = JSON.stringify({state_machines: [{entity: `${'a'.repeat(30)}!`}]});
const timeLimitError = 'validation did not finish in 5 s (a schema pattern may be too slow)';
const deep = (depth: number): string => `${'{"a":'.repeat(depth)}{}${'}'.repeat(depth)}`;

type Context = {workspace: string; session: HandoffSession; write: (relativePath: string, content: string) => void};

async function withSession(options: {schema?: unknown; maxRetries?: number}, fn: (context: Context) => Promise<void>): Promise<void> {
	const {workspace} = await createHandoff({
		baseDirectory: base,
		task: 'hostile',
		inputs: [],
		schemaText: JSON.stringify(options.schema ?? resultSchema),
		resultPath: 'output/analysis.json',
		maxRetries: options.maxRetries,
		command: [process.execPath, 'dist/cli.js'],
	});
	const session = await HandoffSession.open(workspace);
	try {
		await session.start();
		await fn({
			workspace,
			session,
			write: (relativePath, content) => {
				fs.writeFileSync(path.join(workspace, relativePath), content);
			},
		});
	} finally {
		await session.close();
	}
}

async function outcomeOf(session: HandoffSession, kind: Outcome['kind'], timeoutMs = 20_000): Promise<Outcome> {
	return waitFor(() => {
		const {outcome} = session.getState();
		return outcome?.kind === kind ? outcome : undefined;
	}, timeoutMs, `outcome ${kind} (now ${JSON.stringify(session.getState().outcome)})`);
}

/** Starts a 10 ms interval that records the longest gap between its ticks: how long the event loop was kept from serving a timer. */
function loopWatch(): {stop(): number} {
	let last = performance.now();
	let longest = 0;
	const timer = setInterval(() => {
		const now = performance.now();
		longest = Math.max(longest, now - last);
		last = now;
	}, 10);
	return {
		stop() {
			clearInterval(timer);
			return Math.max(longest, performance.now() - last);
		},
	};
}

test('an evil pattern in the result: the session fails with the time-limit line while the event loop keeps serving a timer', async () => {
	await withSession({schema: evilSchema}, async ({session, write}) => {
		const watch = loopWatch();
		write('output/analysis.json', evilValue);
		write(layout.done, '');
		const outcome = await outcomeOf(session, 'failed');
		// Generous: the loop must never stall for anything near the 5 s limit.
		expect(watch.stop()).toBeLessThan(1000);
		expect(outcome).toEqual({kind: 'failed', errors: [`output/analysis.json: ${timeLimitError}`]});
	});
});

test('an evil pattern with a retry left sends the result back with the time-limit line', async () => {
	await withSession({schema: evilSchema, maxRetries: 1}, async ({workspace, session, write}) => {
		write('output/analysis.json', evilValue);
		write(layout.done, '');
		const outcome = await outcomeOf(session, 'retrying');
		expect(outcome).toMatchObject({attempt: 1, errors: [`output/analysis.json: ${timeLimitError}`]});
		expect(fs.readFileSync(path.join(workspace, layout.rejection), 'utf8')).toContain(timeLimitError);
		write('output/analysis.json', JSON.stringify({state_machines: [{entity: 'aaa'}]}));
		write(layout.done, '');
		await outcomeOf(session, 'complete');
	});
});

test('an evil partial result never holds up a read: the state moves on while it is checked, then it shows as invalid, and a valid result completes', async () => {
	await withSession({schema: evilSchema}, async ({session, write}) => {
		const watch = loopWatch();
		write('output/analysis.partial.json', evilValue);
		// Wait until the session has seen the partial file (as activity) before signalling, so its check is under way.
		await waitFor(() => session.getState().snapshot?.state === 'running', 5000, 'running (the partial counts as activity)');
		write(layout.status, 'RUNNING\n');
		write(layout.questions, JSON.stringify({questions: [{id: 'q1', text: 'Go on?'}]}));
		await waitFor(() => session.getState().snapshot?.state === 'waiting', 3000, 'waiting, while the partial check still runs');
		expect(session.getState().snapshot?.partial).toBeUndefined();

		const partial = await waitFor(() => session.getState().snapshot?.partial, 15_000, 'the partial, once its check ran out of time');
		expect(watch.stop()).toBeLessThan(1000);
		// Invalid, and shown: by the time limit as a rule. Under heavy load the worker has once been seen to finish the pattern check instead (under investigation); either way the read never waited for it.
		expect(partial).toMatchObject({valid: false, lines: JSON.stringify(JSON.parse(evilValue), null, 2).split('\n')});
		expect(partial.errors[0]?.message).toMatch(new RegExp(`^(?:${timeLimitError.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}|must match pattern)`));

		write('output/analysis.json', JSON.stringify({state_machines: [{entity: 'aaaa'}]}));
		write(layout.done, '');
		await outcomeOf(session, 'complete');
	});
});

test('a 100,000-deep result against a recursive schema fails with one clear line', async () => {
	const recursive = {$ref: '#/definitions/node', definitions: {node: {type: 'object', properties: {a: {$ref: '#/definitions/node'}}}}};
	await withSession({schema: recursive}, async ({session, write}) => {
		write('output/analysis.json', deep(100_000));
		write(layout.done, '');
		const outcome = await outcomeOf(session, 'failed');
		expect(outcome).toEqual({kind: 'failed', errors: ['output/analysis.json: is nested more than 512 levels deep; refusing to read it']});
	});
});

test('100,000-deep metadata.json, questions.json and answers.json are reported as problems, and the session carries on to completion', async () => {
	await withSession({}, async ({session, write}) => {
		// Each of the right shape, with the depth where a value goes: answers are turned into text, metadata is merged and written back.
		write(layout.metadata, `{"status": "failed", "errors": [], "execution": ${deep(100_000)}}`);
		write(layout.questions, `{"questions": [{"id": "q1", "text": "Deep?", "schema": ${deep(100_000)}}]}`);
		write(layout.answers, `{"answers": [{"id": "q1", "answer": ${deep(100_000)}}]}`);
		write(layout.status, 'RUNNING\n');
		const problems = await waitFor(() => {
			const found = session.getState().snapshot?.problems ?? [];
			return found.length >= 3 ? found : undefined;
		}, 5000, 'three problems');
		expect(problems).toEqual(expect.arrayContaining([layout.metadata, layout.questions, layout.answers].map(file => ({file, message: 'is nested more than 512 levels deep; refusing to read it'}))));
		expect(session.getState().outcome).toBeUndefined();

		write('output/analysis.json', JSON.stringify({state_machines: [{entity: 'Ticket'}]}));
		write(layout.done, '');
		const outcome = await outcomeOf(session, 'complete');
		const archived = JSON.parse(fs.readFileSync(path.join((outcome as {archivePath: string}).archivePath, layout.metadata), 'utf8')) as unknown;
		expect(archived).toMatchObject({status: 'complete', result: {valid: true}});
	});
});
