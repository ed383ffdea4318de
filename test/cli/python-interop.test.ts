import {spawn} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {expect, test} from 'vitest';
import {newWorkspace, runCli, startCli, useTempDirectories} from '../helpers/cli.js';

const fixtures = new URL('../fixtures/python/', import.meta.url).pathname;
const tempDirectory = useTempDirectories();

function startPython(script: string, ...args: string[]) {
	const child = spawn('python3', [path.join(fixtures, script), ...args], {stdio: ['ignore', 'pipe', 'inherit']});
	const lines: string[] = [];
	let buffer = '';
	const waiting: Array<() => void> = [];
	child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
		buffer += chunk;
		const parts = buffer.split('\n');
		buffer = parts.pop()!;
		lines.push(...parts);
		for (const wake of waiting.splice(0)) {
			wake();
		}
	});
	const line = async (index: number): Promise<string> => {
		while (lines.length <= index) {
			await new Promise<void>(resolve => waiting.push(resolve));
		}

		return lines[index]!;
	};

	return {child, line, exited: new Promise(resolve => child.on('close', resolve))};
}

/** A seed producer's workspace, claimed and with one progress line by our consumer commands. */
async function claimedSeedWorkspace() {
	const base = tempDirectory();
	const producer = startPython('seed_producer.py', path.join(base, 'llm_handoff'));
	const workspace = await producer.line(0);
	const inWorkspace = async (...args: string[]) => runCli(args, {cwd: path.join(workspace, 'output')});
	expect((await inWorkspace('claim', '--tool', 'claude-code')).code).toBe(0);
	expect((await inWorkspace('progress', 'Reading the spec')).code).toBe(0);
	return {producer, workspace, inWorkspace};
}

test('a producer that follows the seed sees "complete" when our consumer commands work in its workspace', async () => {
	const {producer, workspace, inWorkspace} = await claimedSeedWorkspace();
	fs.writeFileSync(path.join(workspace, 'output/analysis.json'), '{"state_machines": []}');
	expect((await inWorkspace('done', '--tool', 'claude-code', '--model', 'sonnet')).code).toBe(0);
	const report = JSON.parse(await producer.line(1));
	expect(report.status).toBe('complete');
	expect(report.analysis).toEqual({state_machines: []});
	expect(report.metadata).toMatchObject({
		status: 'complete',
		execution: {tool: 'claude-code', model: 'sonnet'},
		result: {output_file: 'output/analysis.json', size_bytes: 22, valid: true},
		errors: [],
	});
	expect(report.metadata.completed_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
});

test('a producer that follows the seed sees "failed" when our consumer commands work in its workspace', async () => {
	const {producer, inWorkspace} = await claimedSeedWorkspace();
	expect((await inWorkspace('fail', 'The spec is empty')).code).toBe(0);
	const report = JSON.parse(await producer.line(1));
	expect(report).toEqual({status: 'failed', error: 'The spec is empty\n'});
});

test('a seed producer workspace is watched and archived to the seed\'s own results folder', async () => {
	const base = tempDirectory();
	const producer = startPython('seed_producer.py', path.join(base, 'llm_handoff'));
	const workspace = await producer.line(0);
	const wait = startCli(['wait', workspace, '--json']);
	await wait.waitFor('state: not started');
	fs.writeFileSync(path.join(workspace, 'output/analysis.json'), '{"state_machines": []}');
	await runCli(['done', '--workspace', workspace]);
	const result = await wait.result;
	expect(result.code).toBe(0);
	expect(JSON.parse(result.stdout).archive).toBe(path.join(base, 'results', path.basename(workspace)));
	producer.child.kill();
});

test('a consumer that follows the seed with plain files works with handoff wait and handoff answer', async () => {
	const directory = tempDirectory();
	const {workspace} = await newWorkspace([], directory);
	const wait = startCli(['wait', workspace, '--json']);
	await wait.waitFor('state: not started');
	const consumer = startPython('plain_consumer.py', workspace);
	await wait.waitFor('question q1: Should users be able to edit their own profiles? [1) Yes 2) No 3) Admin only]');
	await wait.waitFor('progress: ');
	expect((await runCli(['answer', workspace, 'q1', '3'])).code).toBe(0);
	const result = await wait.result;
	await consumer.exited;
	expect(result.code).toBe(0);
	const summary = JSON.parse(result.stdout);
	expect(JSON.parse(fs.readFileSync(summary.result, 'utf8'))).toEqual({state_machines: [{entity: 'Ticket'}], profiles: 'Admin only'});
	expect(JSON.parse(fs.readFileSync(path.join(summary.archive, 'output/metadata.json'), 'utf8'))).toMatchObject({status: 'complete', execution: {tool: 'plain-python'}, result: {valid: true}});
	expect(wait.stderr()).toContain('progress: ');
	expect(wait.stderr()).toContain('Answer: Admin only');
});
