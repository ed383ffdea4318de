import {spawn} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {afterEach, expect, test} from 'vitest';
import {cliPath, runCli, runDetached, useTempDirectories} from '../helpers/cli.js';

const tempDirectory = useTempDirectories();
const consumerScript = new URL('../fixtures/pipeline/consumer.mjs', import.meta.url).pathname;
const stopConsumers: Array<() => void> = [];
afterEach(() => {
	for (const stop of stopConsumers.splice(0)) {
		stop();
	}
});

/** A project with a three-stage pipeline: hand-off (analysis), hand-off (dsl, fed by analysis), command (build, fed by dsl). */
function project(): string {
	const directory = tempDirectory();
	fs.writeFileSync(path.join(directory, 'SPEC.md'), '# Spec\n');
	fs.writeFileSync(path.join(directory, 'analysis.schema.json'), JSON.stringify({type: 'object', required: ['state_machines']}));
	fs.writeFileSync(path.join(directory, 'dsl.schema.json'), JSON.stringify({type: 'object', required: ['app']}));
	fs.writeFileSync(path.join(directory, 'generate.mjs'), `
		import fs from 'node:fs';
		const stage = process.env.HANDOFF_STAGE_DIR;
		const app = JSON.parse(fs.readFileSync(stage + '/input/app.json', 'utf8')).app;
		fs.writeFileSync(stage + '/output/build.txt', 'built ' + app.entities.join(','));
		console.log('generated', app.entities.length, 'entities');
	`);
	fs.writeFileSync(path.join(directory, 'pipeline.json'), JSON.stringify({
		name: 'dazzle',
		stages: [
			{name: 'build', needs: ['dsl'], command: ['node', 'generate.mjs'], inputs: {app: {stage: 'dsl', path: 'output/app.json'}}},
			{name: 'analysis', task: 'analyze-spec', inputs: {spec: 'SPEC.md'}, schema: 'analysis.schema.json', result: 'output/analysis.json'},
			{name: 'dsl', task: 'generate-dsl', inputs: {analysis: {stage: 'analysis', path: 'output/analysis.json'}}, schema: 'dsl.schema.json', result: 'output/app.json'},
		],
	}, null, 2));
	return directory;
}

function startConsumer(directory: string, failMarker?: string): void {
	const child = spawn(process.execPath, [consumerScript, path.join(directory, '.handoff'), ...(failMarker ? [failMarker] : [])], {stdio: 'ignore'});
	stopConsumers.push(() => child.kill());
}

test('a three-stage pipeline runs hand-off, hand-off, command in the order its needs give', async () => {
	const directory = project();
	startConsumer(directory);
	const result = await runDetached(['pipeline', 'run', 'pipeline.json', '--no-clipboard'], {cwd: directory});
	expect(result.stderr).toContain('pipeline: stage 1 of 3: analysis');
	expect(result.stderr).toContain('pipeline: stage 3 of 3: build');
	expect(result.stderr).toContain('build: generated 1 entities');
	expect(result.code).toBe(0);
	const {run, state} = JSON.parse(result.stdout);
	expect(state).toBe('complete');
	expect(fs.readdirSync(run).filter(name => name.startsWith('stage-')).sort()).toEqual(['stage-1-analysis', 'stage-2-dsl', 'stage-3-build']);
	// The dsl stage's input is a link to the analysis stage's output, inside the run folder.
	const link = path.join(run, 'stage-2-dsl/input/analysis.json');
	expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
	expect(fs.readlinkSync(link)).toBe('../../stage-1-analysis/output/analysis.json');
	expect(fs.readFileSync(path.join(run, 'stage-3-build/output/build.txt'), 'utf8')).toBe('built Ticket');
	expect(fs.existsSync(path.join(run, 'results/stage-2-dsl/archive.json'))).toBe(true);
});

test('a failing middle stage stops the run; resume skips the finished stage and completes', async () => {
	const directory = project();
	const marker = path.join(directory, 'failed-once');
	startConsumer(directory, marker);
	const first = await runDetached(['pipeline', 'run', 'pipeline.json', '--no-clipboard'], {cwd: directory});
	expect(first.code).toBe(1);
	expect(first.stderr).toContain('pipeline: stage "dsl" failed; the run stops here');
	expect(first.stderr).toContain('cannot read the analysis yet');
	expect(first.stderr).not.toContain('stage 3 of 3');
	const {run} = JSON.parse(first.stdout);
	expect(first.stderr).toContain(`resume with: ${process.execPath} ${cliPath} pipeline resume ${run}`);
	const analysisBefore = fs.statSync(path.join(run, 'stage-1-analysis/output/analysis.json')).mtimeMs;

	const resumed = await runDetached(['pipeline', 'resume', run, '--no-clipboard'], {cwd: directory});
	expect(resumed.stderr).toContain('stage 1 "analysis" is complete and unchanged; skipping');
	expect(resumed.code).toBe(0);
	expect(fs.statSync(path.join(run, 'stage-1-analysis/output/analysis.json')).mtimeMs).toBe(analysisBefore);
	expect(fs.readFileSync(path.join(run, 'stage-3-build/output/build.txt'), 'utf8')).toBe('built Ticket');
	// The failed attempt is kept beside the new one.
	expect(fs.readdirSync(run).some(name => name.startsWith('stage-2-dsl.previous-'))).toBe(true);
});

test.each([
	[{name: 'p', stages: [{name: 'a', needs: ['b'], command: ['true']}, {name: 'b', needs: ['a'], command: ['true']}]}, 'form a cycle'],
	[{name: 'p', stages: [{name: 'a', task: 't', inputs: {x: {stage: 'nope', path: 'output/x.json'}}}]}, '/stages/0/inputs/x/stage: "nope" is not another stage'],
	[{name: 'p', stages: [{name: 'a', task: 't', inputs: {x: {stage: 'b', path: '../../etc/passwd'}}}, {name: 'b', command: ['true']}]}, 'leaves the workspace'],
	[{name: 'p', stages: [{name: 'a', task: 't', command: ['true']}]}, 'pipeline.json: /stages/0'],
	[{name: 'p', stages: [{name: 'a', command: ['true']}, {name: 'a', command: ['true']}]}, '"a" is used by two stages'],
])('a bad pipeline file is refused with exit 2: %j', async (pipeline, message) => {
	const directory = tempDirectory();
	fs.writeFileSync(path.join(directory, 'pipeline.json'), JSON.stringify(pipeline));
	const result = await runCli(['pipeline', 'run', 'pipeline.json'], {cwd: directory});
	expect(result.code).toBe(2);
	expect(result.stderr).toContain(message);
	expect(fs.existsSync(path.join(directory, '.handoff'))).toBe(false);
});

test('the runner killed with SIGKILL mid-stage: resume watches the same workspace and finishes, nothing lost', async () => {
	const directory = project();
	const {startCli} = await import('../helpers/cli.js');
	const first = startCli(['pipeline', 'run', 'pipeline.json', '--no-clipboard'], {cwd: directory});
	await first.waitFor('state: not started');
	first.child.kill('SIGKILL');
	await first.result;
	const run = /run folder (\S+)/.exec(first.stderr())![1]!;
	const workspace = path.join(run, 'stage-1-analysis');
	const inode = fs.statSync(workspace).ino;
	startConsumer(directory);
	const resumed = await runDetached(['pipeline', 'resume', run, '--no-clipboard'], {cwd: directory});
	expect(resumed.code).toBe(0);
	expect(fs.statSync(workspace).ino).toBe(inode);
	expect(fs.readdirSync(run).some(name => name.includes('.previous-'))).toBe(false);
	expect(fs.readFileSync(path.join(run, 'stage-3-build/output/build.txt'), 'utf8')).toBe('built Ticket');
});

test('a complete hand-off stage whose result changed runs again, and its old archive is set aside, not refused', async () => {
	const directory = project();
	startConsumer(directory);
	const first = await runDetached(['pipeline', 'run', 'pipeline.json', '--no-clipboard'], {cwd: directory});
	expect(first.code).toBe(0);
	const {run} = JSON.parse(first.stdout);
	fs.writeFileSync(path.join(run, 'stage-1-analysis/output/analysis.json'), '{"state_machines": ["edited"]}');
	const resumed = await runDetached(['pipeline', 'resume', run, '--no-clipboard'], {cwd: directory});
	expect(resumed.stderr).toContain('pipeline: stage 1 of 3: analysis');
	expect(resumed.code).toBe(0);
	expect(fs.readdirSync(path.join(run, 'results')).some(name => name.startsWith('stage-1-analysis.previous-'))).toBe(true);
	expect(fs.existsSync(path.join(run, 'results/stage-1-analysis/archive.json'))).toBe(true);
});

test('a hand-off stage\'s "tool" writes its instructions for that tool: codex waits in steps of 8 s', async () => {
	const directory = tempDirectory();
	fs.writeFileSync(path.join(directory, 'pipeline.json'), JSON.stringify({
		name: 'tools',
		stages: [{name: 'ask', task: 'ask-things', result: 'output/result.json', tool: 'codex', timeout: 1}],
	}));
	const result = await runDetached(['pipeline', 'run', 'pipeline.json', '--no-clipboard'], {cwd: directory});
	expect(result.code).toBe(3);
	const {run} = JSON.parse(result.stdout);
	const instructions = fs.readFileSync(path.join(run, 'stage-1-ask/input/instructions.md'), 'utf8');
	expect(instructions).toContain('Codex CLI stops waiting for a shell command after 10 seconds');
	expect(instructions).toMatch(/ await admins-deleted --for 8`/);
});
