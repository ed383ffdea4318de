import fs from 'node:fs';
import path from 'node:path';
import {describe, expect, test} from 'vitest';
import {newWorkspace, runCli, startCli, useTempDirectories} from '../helpers/cli.js';

const project = useTempDirectories();

const readJson = (file: string): any => JSON.parse(fs.readFileSync(file, 'utf8'));

describe('finding the workspace', () => {
	test('from a subfolder, with --workspace, and with HANDOFF_WORKSPACE; outside one is a usage error', async () => {
		const {workspace, project: directory} = await newWorkspace([], project());
		expect((await runCli(['progress', 'from output/'], {cwd: path.join(workspace, 'output')})).code).toBe(0);
		expect((await runCli(['progress', 'by flag', '--workspace', workspace], {cwd: directory})).code).toBe(0);
		expect((await runCli(['progress', 'by env'], {cwd: directory, env: {HANDOFF_WORKSPACE: workspace}})).code).toBe(0);
		const lines = fs.readFileSync(path.join(workspace, 'shared/progress.txt'), 'utf8').trim().split('\n');
		expect(lines).toHaveLength(3);
		expect(lines[0]).toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d] from output\/$/);
		const outside = await runCli(['progress', 'lost'], {cwd: directory});
		expect(outside.code).toBe(2);
		expect(outside.stderr).toContain('No hand-off workspace here');
	});
});

describe('consumer commands', () => {
	test('claim writes .lock and RUNNING once; a second claim names the first', async () => {
		const {workspace} = await newWorkspace([], project());
		expect((await runCli(['claim', '--tool', 'claude-code', '--workspace', workspace])).code).toBe(0);
		expect(readJson(path.join(workspace, '.lock'))).toMatchObject({tool: 'claude-code'});
		expect(fs.readFileSync(path.join(workspace, 'shared/status.txt'), 'utf8').trim()).toBe('RUNNING');
		const second = await runCli(['claim', '--workspace', workspace]);
		expect(second.code).toBe(2);
		expect(second.stderr).toContain('already claimed');
		expect(second.stderr).toContain('claude-code');
	});

	test('partial publishes <stem>.partial.json from a file or stdin and refuses non-JSON', async () => {
		const {workspace, project: directory} = await newWorkspace([], project());
		fs.writeFileSync(path.join(directory, 'draft.json'), '{"state_machines": []}');
		const fromFile = await runCli(['partial', 'draft.json', '--workspace', workspace], {cwd: directory});
		expect(fromFile.code).toBe(0);
		expect(fromFile.stderr).toContain('already matches the schema');
		expect(readJson(path.join(workspace, 'output/analysis.partial.json'))).toEqual({state_machines: []});
		const fromStdin = await runCli(['partial', '-', '--workspace', workspace], {input: '{"draft": 2}'});
		expect(fromStdin.code).toBe(0);
		expect(fromStdin.stderr).toContain('missing required field "state_machines"');
		expect(readJson(path.join(workspace, 'output/analysis.partial.json'))).toEqual({draft: 2});
		const garbage = await runCli(['partial', '-', '--workspace', workspace], {input: 'not json'});
		expect(garbage.code).toBe(2);
		expect(garbage.stderr).toContain('stdin: is not valid JSON');
		expect(readJson(path.join(workspace, 'output/analysis.partial.json'))).toEqual({draft: 2});
	});

	test('ask prints ids; ask --wait prints the answer; --for runs out with exit 75', async () => {
		const {workspace} = await newWorkspace([], project());
		expect((await runCli(['ask', 'First?', '--workspace', workspace])).stdout.trim()).toBe('q1');
		const waiting = startCli(['ask', 'Colour?', '--option', 'Red', '--option', 'Blue', '--wait', '--workspace', workspace]);
		await waiting.waitFor('asked q2');
		expect((await runCli(['answer', workspace, 'q2', '2'])).code).toBe(0);
		const answered = await waiting.result;
		expect(answered.code).toBe(0);
		expect(answered.stdout.trim()).toBe('Blue');
		const timedOut = await runCli(['ask', 'Anyone?', '--wait', '--for', '1', '--workspace', workspace]);
		expect(timedOut.code).toBe(75);
		expect(readJson(path.join(workspace, 'shared/questions.json')).questions.map((question: any) => question.id)).toEqual(['q1', 'q2', 'q3']);
	});

	test('done with an invalid result exits 1 listing every error by JSON path, and signals nothing', async () => {
		const {workspace} = await newWorkspace([], project());
		const missing = await runCli(['done', '--workspace', workspace]);
		expect(missing.code).toBe(1);
		expect(missing.stderr).toContain('output/analysis.json: is missing');
		fs.writeFileSync(path.join(workspace, 'output/analysis.json'), JSON.stringify({state_machines: [{entity: 1}, {}]}));
		const invalid = await runCli(['done', '--workspace', workspace]);
		expect(invalid.code).toBe(1);
		expect(invalid.stderr).toContain('output/analysis.json: /state_machines/0/entity: must be string');
		expect(invalid.stderr).toContain('output/analysis.json: /state_machines/1/entity: missing required field "entity"');
		expect(fs.existsSync(path.join(workspace, '.done'))).toBe(false);
		fs.writeFileSync(path.join(workspace, 'output/analysis.json'), '{"state_machines": [');
		const torn = await runCli(['done', '--workspace', workspace]);
		expect(torn.code).toBe(1);
		expect(torn.stderr).toContain('output/analysis.json: is not valid JSON');
	});

	test('done with a valid result writes the seed metadata, COMPLETE and .done', async () => {
		const {workspace} = await newWorkspace([], project());
		await runCli(['claim', '--workspace', workspace]);
		fs.writeFileSync(path.join(workspace, 'output/analysis.json'), '{"state_machines": []}');
		const done = await runCli(['done', '--tool', 'codex', '--model', 'gpt-test', '--workspace', workspace]);
		expect(done.code).toBe(0);
		expect(fs.existsSync(path.join(workspace, '.done'))).toBe(true);
		expect(fs.readFileSync(path.join(workspace, 'shared/status.txt'), 'utf8').trim()).toBe('COMPLETE');
		const metadata = readJson(path.join(workspace, 'output/metadata.json'));
		expect(metadata).toMatchObject({
			status: 'complete',
			execution: {tool: 'codex', model: 'gpt-test'},
			result: {output_file: 'output/analysis.json', size_bytes: 22, valid: true},
			errors: [],
		});
		expect(metadata.started_at).toMatch(/Z$/);
		expect(metadata.completed_at).toMatch(/Z$/);
		expect(typeof metadata.duration_seconds).toBe('number');
	});

	test('fail writes .error with the message, FAILED and metadata errors', async () => {
		const {workspace} = await newWorkspace([], project());
		expect((await runCli(['fail', 'The', 'spec', 'is', 'empty', '--workspace', workspace])).code).toBe(0);
		expect(fs.readFileSync(path.join(workspace, '.error'), 'utf8')).toBe('The spec is empty\n');
		expect(fs.readFileSync(path.join(workspace, 'shared/status.txt'), 'utf8').trim()).toBe('FAILED');
		expect(readJson(path.join(workspace, 'output/metadata.json'))).toMatchObject({status: 'failed', errors: [{type: 'consumer_error', message: 'The spec is empty'}]});
	});

	test('progress refuses to write through a symlink', async () => {
		const directory = project();
		const {workspace} = await newWorkspace([], directory);
		fs.writeFileSync(path.join(directory, 'victim.txt'), 'untouched');
		fs.symlinkSync(path.join(directory, 'victim.txt'), path.join(workspace, 'shared/progress.txt'));
		const result = await runCli(['progress', 'evil', '--workspace', workspace]);
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('shared/progress.txt: is a symlink');
		expect(fs.readFileSync(path.join(directory, 'victim.txt'), 'utf8')).toBe('untouched');
	});

	test('an oversized result is refused with its size', async () => {
		const {workspace} = await newWorkspace([], project());
		fs.writeFileSync(path.join(workspace, 'output/analysis.json'), Buffer.alloc(11 * 1024 * 1024, 0x20));
		const result = await runCli(['done', '--workspace', workspace]);
		expect(result.code).toBe(1);
		expect(result.stderr).toContain('output/analysis.json: is 11 MB, over the 10 MB limit');
	});
});

test('shared/ swapped for a link to elsewhere: nothing is written or read through it, and the archive leaves it out', async () => {
	const directory = project();
	const {workspace} = await newWorkspace([], directory);
	const elsewhere = path.join(directory, 'elsewhere');
	fs.mkdirSync(elsewhere);
	fs.writeFileSync(path.join(elsewhere, 'questions.json'), JSON.stringify({questions: [{id: 'q1', text: 'planted'}]}));
	fs.rmSync(path.join(workspace, 'shared'), {recursive: true});
	fs.symlinkSync(elsewhere, path.join(workspace, 'shared'));
	const answer = await runCli(['answer', workspace, 'q1', 'yes']);
	expect(answer.code).toBe(2);
	expect(answer.stderr).toContain('shared: is a symlink');
	const progress = await runCli(['progress', 'through the link', '--workspace', workspace]);
	expect(progress.code).toBe(2);
	expect(fs.readdirSync(elsewhere)).toEqual(['questions.json']);
	fs.writeFileSync(path.join(workspace, 'output/analysis.json'), '{"state_machines": []}');
	fs.writeFileSync(path.join(workspace, '.done'), '');
	const wait = await runCli(['wait', workspace, '--json']);
	expect(wait.stderr).toContain('problem: shared/: is a symlink; refusing to follow it');
	expect(wait.stderr).not.toContain('planted');
	expect(wait.code).toBe(0);
	const {archive} = JSON.parse(wait.stdout);
	expect(fs.existsSync(path.join(archive, 'shared'))).toBe(false);
	expect(fs.readdirSync(elsewhere)).toEqual(['questions.json']);
});
