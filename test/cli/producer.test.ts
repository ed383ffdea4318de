import fs from 'node:fs';
import path from 'node:path';
import {describe, expect, test} from 'vitest';
import {currentProducerHold} from '../../source/core/hold.js';
import {producerStateDirectory} from '../../source/core/producer-state.js';
import {newWorkspace, runCli, startCli, useTempDirectories, waitUntil} from '../helpers/cli.js';

const project = useTempDirectories();

const mode = (file: string): number => fs.statSync(file).mode & 0o777;
const readJson = (file: string): any => JSON.parse(fs.readFileSync(file, 'utf8'));

describe('handoff new', () => {
	test('creates a private workspace with inputs, schema, manifest and instructions', async () => {
		const {workspace} = await newWorkspace(['--timeout', '300', '--retries', '1'], project());
		expect(path.basename(workspace)).toMatch(/^analyze-spec_\d{8}_\d{6}_\d+$/);
		expect(path.dirname(workspace)).toMatch(/\.handoff[/\\]workspaces$/);
		for (const folder of ['', 'input', 'output', 'shared']) {
			expect(mode(path.join(workspace, folder))).toBe(0o700);
		}

		for (const file of ['input/manifest.json', 'input/SPEC.md', 'input/schema.json', 'input/instructions.md', 'shared/status.txt']) {
			expect(mode(path.join(workspace, file))).toBe(0o600);
		}

		const manifest = readJson(path.join(workspace, 'input/manifest.json'));
		expect(manifest).toMatchObject({
			task: 'analyze-spec',
			version: '1.0',
			inputs: {spec: 'input/SPEC.md', instructions: 'input/instructions.md', schema: 'input/schema.json'},
			outputs: {result: 'output/analysis.json', required: true, schema: 'input/schema.json'},
			constraints: {timeout_seconds: 300, max_retries: 1},
		});
		expect(manifest.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
		expect(fs.readFileSync(path.join(workspace, 'shared/status.txt'), 'utf8').trim()).toBe('PENDING');
		const instructions = fs.readFileSync(path.join(workspace, 'input/instructions.md'), 'utf8');
		expect(instructions).toContain('output/analysis.json');
		expect(instructions).toContain(`--workspace ${workspace}`);
	});

	test('keeps files private under a permissive umask', async () => {
		const directory = project();
		fs.writeFileSync(path.join(directory, 'a.txt'), 'a');
		const {spawnSync} = await import('node:child_process');
		const {cliPath, childEnvironment} = await import('../helpers/cli.js');
		const result = spawnSync('sh', ['-c', `umask 000 && exec "${process.execPath}" "${cliPath}" new --task t --input a=a.txt`], {cwd: directory, env: childEnvironment(), encoding: 'utf8'});
		expect(result.status).toBe(0);
		const workspace = result.stdout.trim();
		expect(mode(workspace)).toBe(0o700);
		expect(mode(path.join(workspace, 'input/a.txt'))).toBe(0o600);
		expect(mode(path.join(workspace, 'input/manifest.json'))).toBe(0o600);
	});

	test('--dir and HANDOFF_DIR choose the base folder; --json describes the workspace', async () => {
		const directory = project();
		const byFlag = await runCli(['new', '--task', 'x', '--dir', 'custom dir', '--json'], {cwd: directory});
		expect(byFlag.code).toBe(0);
		expect(JSON.parse(byFlag.stdout).workspace).toContain(path.join(directory, 'custom dir', 'workspaces'));
		const byEnvironment = await runCli(['new', '--task', 'x'], {cwd: directory, env: {HANDOFF_DIR: path.join(directory, 'env-dir')}});
		expect(byEnvironment.stdout.trim()).toContain(path.join(directory, 'env-dir', 'workspaces'));
	});

	test('two workspaces created at once never share a folder', async () => {
		const directory = project();
		const results = await Promise.all([1, 2, 3].map(async () => runCli(['new', '--task', 'same'], {cwd: directory})));
		const paths = results.map(result => result.stdout.trim());
		expect(new Set(paths).size).toBe(3);
	});

	test.each([
		[['new'], '--task is required'],
		[['new', '--task', 't', '--input', 'nofile'], 'expected NAME=FILE'],
		[['new', '--task', 't', '--input', 'a=missing.txt'], 'cannot read missing.txt'],
		[['new', '--task', 't', '--schema', 'bad.json'], 'not valid JSON'],
		[['new', '--task', 't', '--result', '../escape.json'], 'leaves the workspace'],
		[['new', '--task', 't', '--result', 'shared/x.json'], 'belongs in output/'],
		[['new', '--task', 't', '--retries', '-1'], '--retries'],
		[['new', '--task', 't', '--timeout', '0'], '--timeout'],
	])('%j is a usage error that creates nothing', async (args, message) => {
		const directory = project();
		fs.writeFileSync(path.join(directory, 'bad.json'), '{nope');
		const result = await runCli(args, {cwd: directory});
		expect(result.code).toBe(2);
		expect(result.stderr).toContain(message);
		expect(fs.existsSync(path.join(directory, '.handoff', 'workspaces')) && fs.readdirSync(path.join(directory, '.handoff', 'workspaces')).length).toBeFalsy();
	});
});

describe('handoff answer', () => {
	test('merges answers by id, picks options by number, refuses re-answers and unknown ids', async () => {
		const {workspace} = await newWorkspace([], project());
		await runCli(['ask', 'Edit profiles?', '--option', 'Yes', '--option', 'No', '--workspace', workspace]);
		await runCli(['ask', 'Name?', '--workspace', workspace]);
		expect((await runCli(['answer', workspace, 'q1', '2'])).code).toBe(0);
		expect((await runCli(['answer', workspace, 'q2', 'Ada', 'Lovelace'])).code).toBe(0);
		const again = await runCli(['answer', workspace, 'q1', 'Yes']);
		expect(again.code).toBe(2);
		expect(again.stderr).toContain('already answered');
		const unknown = await runCli(['answer', workspace, 'q9', 'x']);
		expect(unknown.code).toBe(2);
		expect(unknown.stderr).toContain('q1, q2');
		expect((await runCli(['answer', workspace, 'q1', 'Yes', '--force'])).code).toBe(0);
		const {answers} = readJson(path.join(workspace, 'shared/answers.json'));
		expect(answers.map((answer: any) => [answer.id, answer.answer])).toEqual([['q2', 'Ada Lovelace'], ['q1', 'Yes']]);
	});
});

describe('handoff wait', () => {
	test('follows a consumer, archives the valid result, and prints a JSON summary', async () => {
		const {workspace, project: directory} = await newWorkspace([], project());
		const wait = startCli(['wait', workspace, '--json']);
		await wait.waitFor('state: not started');
		await runCli(['claim', '--tool', 'test-consumer', '--workspace', workspace]);
		await runCli(['progress', 'Reading the spec', '--workspace', workspace]);
		await wait.waitFor(/progress: \[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d] Reading the spec/);
		const ask = startCli(['ask', 'Edit profiles?', '--option', 'Yes', '--option', 'No', '--wait', '--workspace', workspace]);
		await wait.waitFor('question q1: Edit profiles? [1) Yes 2) No]');
		await wait.waitFor('state: waiting for an answer');
		await runCli(['answer', workspace, 'q1', '1']);
		const asked = await ask.result;
		expect(asked.stdout.trim()).toBe('Yes');
		fs.writeFileSync(path.join(workspace, 'output/analysis.json'), JSON.stringify({state_machines: [{entity: 'Ticket'}], answer: asked.stdout.trim()}));
		expect((await runCli(['done', '--workspace', workspace])).code).toBe(0);
		const result = await wait.result;
		expect(result.code).toBe(0);
		const summary = JSON.parse(result.stdout);
		const archive = path.join(directory, '.handoff', 'results', path.basename(workspace));
		expect(summary).toMatchObject({state: 'complete', exit_code: 0, archive, errors: []});
		expect(readJson(summary.result)).toEqual({state_machines: [{entity: 'Ticket'}], answer: 'Yes'});
		expect(fs.existsSync(workspace)).toBe(false);
		expect(readJson(path.join(archive, 'output/metadata.json'))).toMatchObject({status: 'complete', result: {output_file: 'output/analysis.json', valid: true}});
		expect(fs.readFileSync(path.join(archive, 'shared/progress.txt'), 'utf8')).toContain('Reading the spec');
	});

	test('an invalid result with a retry left is sent back, then the fixed one completes', async () => {
		const {workspace} = await newWorkspace(['--retries', '1'], project());
		const wait = startCli(['wait', workspace, '--json']);
		await wait.waitFor('state: not started');
		fs.writeFileSync(path.join(workspace, 'output/analysis.json'), '{"wrong": true}');
		fs.writeFileSync(path.join(workspace, '.done'), '');
		await wait.waitFor('rejected: the result is invalid; retry 1 of 1');
		await wait.waitFor('missing required field "state_machines"');
		expect(fs.existsSync(path.join(workspace, '.done'))).toBe(false);
		expect(fs.readFileSync(path.join(workspace, 'shared/rejection.md'), 'utf8')).toContain('/state_machines: missing required field "state_machines"');
		fs.writeFileSync(path.join(workspace, 'output/analysis.json'), '{"state_machines": []}');
		fs.writeFileSync(path.join(workspace, '.done'), '');
		const result = await wait.result;
		expect(result.code).toBe(0);
		expect(JSON.parse(result.stdout).state).toBe('complete');
	});

	test('an invalid result with no retries fails with the validator error and keeps the workspace', async () => {
		const {workspace} = await newWorkspace([], project());
		fs.writeFileSync(path.join(workspace, 'output/analysis.json'), '{"state_machines": [{}]}');
		fs.writeFileSync(path.join(workspace, '.done'), '');
		const result = await runCli(['wait', workspace, '--json']);
		expect(result.code).toBe(1);
		expect(result.stderr).toContain('output/analysis.json: /state_machines/0/entity: missing required field "entity"');
		expect(JSON.parse(result.stdout)).toMatchObject({state: 'failed', exit_code: 1});
		expect(fs.readFileSync(path.join(workspace, '.error'), 'utf8')).toContain('missing required field "entity"');
		expect(fs.existsSync(path.join(workspace, '.done'))).toBe(false);
	});

	test('.error fails with the consumer message; --timeout exits 3 keeping the workspace', async () => {
		const first = await newWorkspace([], project());
		await runCli(['fail', 'The spec is empty', '--workspace', first.workspace]);
		const failed = await runCli(['wait', first.workspace]);
		expect(failed.code).toBe(1);
		expect(failed.stderr).toContain('The spec is empty');

		const second = await newWorkspace([], project());
		const timedOut = await runCli(['wait', second.workspace, '--timeout', '1', '--json']);
		expect(timedOut.code).toBe(3);
		expect(JSON.parse(timedOut.stdout).state).toBe('timed-out');
		expect(fs.existsSync(path.join(second.workspace, 'input/manifest.json'))).toBe(true);
	});

	test('SIGINT leaves the workspace as it was with exit 130; a second watcher is refused', async () => {
		const {workspace} = await newWorkspace([], project());
		const wait = startCli(['wait', workspace]);
		await wait.waitFor('state: not started');
		const second = await runCli(['wait', workspace]);
		expect(second.code).toBe(2);
		expect(second.stderr).toContain('already being watched');
		wait.child.kill('SIGINT');
		const result = await wait.result;
		expect(result.code).toBe(130);
		expect(await currentProducerHold(workspace)).toMatchObject({pid: wait.child.pid, released: true});
		expect(fs.existsSync(path.join(workspace, 'input/manifest.json'))).toBe(true);
	});

	test.each([
		['not JSON', '{"task": ', 'input/manifest.json: is not valid JSON'],
		['a path leaving the workspace', JSON.stringify({task: 't', outputs: {result: '../../etc/passwd'}}), 'input/manifest.json: /outputs/result: path "../../etc/passwd" leaves the workspace'],
		['a missing task', JSON.stringify({outputs: {result: 'output/r.json'}}), 'input/manifest.json: /task: missing required field "task"'],
	])('a manifest that is %s (from another producer) is refused with exit 2 naming the file', async (_name, content, message) => {
		const {workspace} = await newWorkspace([], project());
		// Made by another producer: no producer record, so the manifest is read as it is (trust on first open).
		fs.rmSync(producerStateDirectory(workspace), {recursive: true});
		fs.writeFileSync(path.join(workspace, 'input/manifest.json'), content);
		const result = await runCli(['wait', workspace]);
		expect(result.code).toBe(2);
		expect(result.stderr).toContain(message);
	});

	test('a symlinked result is refused, never read and never archived', async () => {
		const directory = project();
		const {workspace} = await newWorkspace([], directory);
		fs.writeFileSync(path.join(directory, 'secret.json'), '{"state_machines": []}');
		fs.symlinkSync(path.join(directory, 'secret.json'), path.join(workspace, 'output/analysis.json'));
		fs.writeFileSync(path.join(workspace, '.done'), '');
		const result = await runCli(['wait', workspace]);
		expect(result.code).toBe(1);
		expect(result.stderr).toMatch(/output\/analysis\.json.*symlink/);
		expect(fs.existsSync(path.join(directory, '.handoff', 'results'))).toBe(false);
	});
});

describe('handoff ls', () => {
	test('lists workspaces and archives with their state, newest first', async () => {
		const directory = project();
		const {workspace} = await newWorkspace([], directory);
		await runCli(['ask', 'Why?', '--workspace', workspace]);
		const other = await newWorkspace([], directory);
		fs.writeFileSync(path.join(other.workspace, 'output/analysis.json'), '{"state_machines": []}');
		await runCli(['done', '--workspace', other.workspace]);
		expect((await runCli(['wait', other.workspace])).code).toBe(0);
		const listed = await runCli(['ls', '--json'], {cwd: directory});
		const entries = JSON.parse(listed.stdout);
		expect(entries).toHaveLength(2);
		expect(entries.find((entry: any) => entry.kind === 'archive')).toMatchObject({task: 'analyze-spec', state: 'archived'});
		expect(entries.find((entry: any) => entry.kind === 'workspace')).toMatchObject({path: workspace, state: 'waiting', pending_questions: 1});
		const table = await runCli(['ls'], {cwd: directory});
		expect(table.stdout).toMatch(/^STATE\s+TASK\s+AGE\s+ASKS\s+PATH/);
		expect(table.stdout).toContain('waiting for an answer');
	});
});

test('waitUntil helper gives up', async () => {
	await expect(waitUntil(() => false, 50)).rejects.toThrow('Timed out');
});

describe('handoff ls --prune', () => {
	test('deletes only archives older than the age, and asks first (--yes without a terminal)', async () => {
		const directory = project();
		for (const _ of [1, 2]) {
			const {workspace} = await newWorkspace([], directory);
			fs.writeFileSync(path.join(workspace, 'output/analysis.json'), '{"state_machines": []}');
			fs.writeFileSync(path.join(workspace, '.done'), '');
			expect((await runCli(['wait', workspace])).code).toBe(0);
		}

		const results = path.join(directory, '.handoff', 'results');
		const [old, recent] = fs.readdirSync(results);
		const indexFile = path.join(results, old!, 'archive.json');
		fs.writeFileSync(indexFile, JSON.stringify({...readJson(indexFile), archived_at: '2020-01-01T00:00:00Z'}));
		const unconfirmed = await runCli(['ls', '--prune', '30'], {cwd: directory});
		expect(unconfirmed.code).toBe(2);
		expect(unconfirmed.stderr).toContain('Would delete 1 archive; add --yes');
		expect(fs.readdirSync(results)).toHaveLength(2);
		const confirmed = await runCli(['ls', '--prune', '30', '--yes'], {cwd: directory});
		expect(confirmed.code).toBe(0);
		expect(fs.readdirSync(results)).toEqual([recent]);
	});
});
