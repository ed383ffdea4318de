import {spawn} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {afterEach, describe, expect, test, vi} from 'vitest';
import {runDetached, startCli, useTempDirectories, waitUntil} from '../helpers/cli.js';

const tempDirectory = useTempDirectories();
// Each test starts the CLI a few times; on 2 shared cores under the whole suite one start can take seconds.
const startupMs = 20_000;
vi.setConfig({testTimeout: 90_000});
const consumerScript = new URL('../fixtures/pipeline/consumer.mjs', import.meta.url).pathname;
const cleanups: Array<() => void> = [];
afterEach(() => {
	for (const cleanup of cleanups.splice(0)) {
		cleanup();
	}
});

/**
The command stage: starts a grandchild in its own process group, leaves a file in output/, writes what output/ held when it started and the pids to output/pids.json, then waits until the project has a `release` file, and builds.
*/
const slowCommand = `
import {spawn} from 'node:child_process';
import fs from 'node:fs';
const stage = process.env.HANDOFF_STAGE_DIR;
const outputAtStart = fs.readdirSync(stage + '/output').sort();
fs.writeFileSync(stage + '/output/partial.txt', 'half written');
const grandchild = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {stdio: 'ignore'});
fs.writeFileSync(stage + '/output/pids.tmp', JSON.stringify({command: process.pid, grandchild: grandchild.pid, outputAtStart}));
fs.renameSync(stage + '/output/pids.tmp', stage + '/output/pids.json');
console.log('build started');
const timer = setInterval(() => {
	if (fs.existsSync('release')) {
		clearInterval(timer);
		grandchild.kill();
		fs.writeFileSync(stage + '/output/build.txt', 'built');
		console.log('build finished');
	}
}, 20);
`;

/**
A command stage that asks a helper outside its process group to signal the runner (its parent) once run.json records this stage complete: the signal arrives after the stage, between it and the next.
*/
const signalParentCommand = `
import {spawn} from 'node:child_process';
const [signal] = process.argv.slice(2);
const watcher = \`
	const fs = require('node:fs');
	const timer = setInterval(() => {
		try {
			const state = JSON.parse(fs.readFileSync(process.env.HANDOFF_RUN_DIR + '/run.json', 'utf8'));
			if (state.stages.first && state.stages.first.state === 'complete') {
				clearInterval(timer);
				process.kill(${'${process.ppid}'}, '${'${signal}'}');
			}
		} catch {}
	}, 5);
\`;
spawn(process.execPath, ['-e', watcher], {detached: true, stdio: 'ignore'}).unref();
`;

type Pids = {command: number; grandchild: number; outputAtStart: string[]};

type Project = {directory: string; write: (stages: unknown[]) => void};

function project(): Project {
	const directory = tempDirectory();
	fs.writeFileSync(path.join(directory, 'SPEC.md'), '# Spec\n');
	fs.writeFileSync(path.join(directory, 'analysis.schema.json'), JSON.stringify({type: 'object', required: ['state_machines']}));
	fs.writeFileSync(path.join(directory, 'slow.mjs'), slowCommand);
	fs.writeFileSync(path.join(directory, 'signal-parent.mjs'), signalParentCommand);
	return {
		directory,
		write(stages) {
			fs.writeFileSync(path.join(directory, 'pipeline.json'), JSON.stringify({name: 'sig', stages}));
		},
	};
}

const analysisStage = {name: 'analysis', task: 'analyze-spec', inputs: {spec: 'SPEC.md'}, schema: 'analysis.schema.json', result: 'output/analysis.json'};
const buildStage = {name: 'build', needs: ['analysis'], command: ['node', 'slow.mjs']};

function startConsumer(directory: string): void {
	const child = spawn(process.execPath, [consumerScript, path.join(directory, '.handoff')], {stdio: 'ignore'});
	cleanups.push(() => child.kill());
}

/** Gone, or a zombie nobody has reaped yet (it runs no more code). */
function isGone(pid: number): boolean {
	try {
		process.kill(pid, 0);
	} catch {
		return true;
	}

	try {
		return /^\d+ \(.*\) Z/s.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
	} catch {
		return true;
	}
}

/** Kills a pid at the end of the test if it still runs (a failed test must not leave the fixture's processes behind). */
function reap(pid: number): void {
	cleanups.push(() => {
		try {
			process.kill(pid, 'SIGKILL');
		} catch {}
	});
}

async function readPids(stageFolder: string): Promise<Pids> {
	const file = path.join(stageFolder, 'output/pids.json');
	const pids = await waitUntil((): Pids | undefined => (fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) as Pids : undefined), startupMs, file) as Pids;
	reap(pids.command);
	reap(pids.grandchild);
	return pids;
}

function runState(run: string): Record<string, {state: string; reason?: string; process_group?: number}> {
	return (JSON.parse(fs.readFileSync(path.join(run, 'run.json'), 'utf8')) as {stages: Record<string, {state: string}>}).stages;
}

function runFolderOf(stderr: string): string {
	return /run folder (\S+)/.exec(stderr)![1]!;
}

const endings = [['SIGTERM', 143], ['SIGHUP', 129]] as const;

describe.each(endings)('%s ends `pipeline run` with %i', (signal, code) => {
	test('during a hand-off stage: the stage is recorded interrupted; resume watches the same workspace and completes', async () => {
		const {directory, write} = project();
		write([analysisStage, buildStage]);
		const runner = startCli(['pipeline', 'run', 'pipeline.json', '--no-clipboard'], {cwd: directory, detached: true});
		await runner.waitFor('state: not started', 'stderr', startupMs);
		runner.child.kill(signal);
		const result = await runner.result;
		expect(result.code).toBe(code);
		const run = runFolderOf(result.stderr);
		expect(JSON.parse(result.stdout)).toMatchObject({run, state: 'interrupted', exit_code: code, stage: 'analysis', reason: `interrupted by ${signal}`});
		expect(runState(run).analysis).toMatchObject({state: 'interrupted', reason: `interrupted by ${signal}`});
		expect(runState(run).build).toBeUndefined();
		const workspace = path.join(run, 'stage-1-analysis');
		const inode = fs.statSync(workspace).ino;

		startConsumer(directory);
		fs.writeFileSync(path.join(directory, 'release'), '');
		const resumed = await runDetached(['pipeline', 'resume', run, '--no-clipboard'], {cwd: directory});
		expect(resumed.stderr).toContain('build: build finished');
		expect(resumed.code).toBe(0);
		expect(fs.statSync(workspace).ino).toBe(inode);
		expect(runState(run)).toMatchObject({analysis: {state: 'complete'}, build: {state: 'complete'}});
	});

	test('during a command stage after a hand-off: the command\'s process group is gone; resume reruns it in a clean folder', async () => {
		const {directory, write} = project();
		write([analysisStage, buildStage]);
		startConsumer(directory);
		const runner = startCli(['pipeline', 'run', 'pipeline.json', '--no-clipboard'], {cwd: directory, detached: true});
		await runner.waitFor('pipeline: stage 2 of 2: build', 'stderr', startupMs);
		const run = runFolderOf(runner.stderr());
		const first = await readPids(path.join(run, 'stage-2-build'));
		// The runner records the group just after starting it; the command may write its pids before that.
		await waitUntil(() => runState(run).build?.process_group === first.command, startupMs, 'the process group in run.json');
		expect(runState(run).build).toMatchObject({state: 'running', process_group: first.command});
		runner.child.kill(signal);
		const result = await runner.result;
		expect(result.code).toBe(code);
		expect(JSON.parse(result.stdout)).toMatchObject({state: 'interrupted', exit_code: code, stage: 'build'});
		expect(result.stderr).toContain(`build: stopped by ${signal}`);
		// The command and what it started, in its own process group, ended with the run.
		expect(isGone(first.command)).toBe(true);
		await waitUntil(() => isGone(first.grandchild), 15_000, 'the grandchild to go');
		expect(runState(run)).toMatchObject({analysis: {state: 'complete'}, build: {state: 'interrupted', reason: `interrupted by ${signal}`}});

		fs.writeFileSync(path.join(directory, 'release'), '');
		const resumed = await runDetached(['pipeline', 'resume', run, '--no-clipboard'], {cwd: directory});
		expect(resumed.stderr).toContain('stage 1 "analysis" is complete and unchanged; skipping');
		expect(resumed.code).toBe(0);
		const second = JSON.parse(fs.readFileSync(path.join(run, 'stage-2-build/output/pids.json'), 'utf8')) as {command: number; outputAtStart: string[]};
		expect(second.command).not.toBe(first.command);
		expect(second.outputAtStart).toEqual(['command.log']);
		expect(fs.readFileSync(path.join(run, 'stage-2-build/output/command.log'), 'utf8')).toBe('build started\nbuild finished\n');
		// The producer's state for a hand-off may sit beside it, hidden; nothing else may be there.
		expect(fs.readdirSync(run).filter(name => name !== '.handoff-state').sort()).toEqual(['pipeline.json', 'results', 'run.json', 'stage-1-analysis', 'stage-2-build']);
	});

	test('between stages: the signal is not swallowed; the next stage does not run on, and resume runs it', async () => {
		const {directory, write} = project();
		write([{name: 'first', command: ['node', 'signal-parent.mjs', signal]}, {name: 'second', needs: ['first'], command: ['node', 'slow.mjs']}]);
		const runner = startCli(['pipeline', 'run', 'pipeline.json'], {cwd: directory, detached: true});
		const result = await runner.result;
		expect(result.code).toBe(code);
		const run = runFolderOf(result.stderr);
		const states = runState(run);
		expect(states.first).toMatchObject({state: 'complete'});
		// The signal lands just after the first stage is recorded: before the second starts, or while it runs.
		expect(states.second === undefined || states.second.state === 'interrupted').toBe(true);
		expect(JSON.parse(result.stdout)).toMatchObject({state: 'interrupted', exit_code: code, stage: 'second'});
		expect(fs.existsSync(path.join(run, 'stage-2-second/output/build.txt'))).toBe(false);

		fs.writeFileSync(path.join(directory, 'release'), '');
		const resumed = await runDetached(['pipeline', 'resume', run], {cwd: directory});
		expect(resumed.code).toBe(0);
		expect(resumed.stderr).toContain('stage 1 "first" is complete and unchanged; skipping');
		expect(fs.readFileSync(path.join(run, 'stage-2-second/output/build.txt'), 'utf8')).toBe('built');
	});
});

test('SIGINT during a command stage ends the run with 130 and stops the command', async () => {
	const {directory, write} = project();
	write([{name: 'build', command: ['node', 'slow.mjs']}]);
	const runner = startCli(['pipeline', 'run', 'pipeline.json'], {cwd: directory, detached: true});
	await runner.waitFor('build: build started', 'stderr', startupMs);
	const pids = await readPids(path.join(runFolderOf(runner.stderr()), 'stage-1-build'));
	runner.child.kill('SIGINT');
	const result = await runner.result;
	expect(result.code).toBe(130);
	expect(isGone(pids.command)).toBe(true);
	await waitUntil(() => isGone(pids.grandchild), 15_000, 'the grandchild to go');
});

test('SIGKILL during a command stage, twice: each resume stops what the killed runner left, reruns the stage in a clean folder, and leaves no orphan folder', async () => {
	const {directory, write} = project();
	write([{name: 'build', command: ['node', 'slow.mjs']}]);
	const runner = startCli(['pipeline', 'run', 'pipeline.json'], {cwd: directory, detached: true});
	await runner.waitFor('build: build started', 'stderr', startupMs);
	const run = runFolderOf(runner.stderr());
	const stageFolder = path.join(run, 'stage-1-build');
	const attempts = [await readPids(stageFolder)];
	// The runner alone dies; the command, in its own process group, is left running and writing.
	runner.child.kill('SIGKILL');
	await runner.result;
	expect(isGone(attempts[0]!.command)).toBe(false);

	const again = startCli(['pipeline', 'resume', run], {cwd: directory, detached: true});
	await again.waitFor('build: build started', 'stderr', startupMs);
	await waitUntil(() => {
		const pids = fs.existsSync(path.join(stageFolder, 'output/pids.json')) && JSON.parse(fs.readFileSync(path.join(stageFolder, 'output/pids.json'), 'utf8')) as {command: number};
		return pids && pids.command !== attempts[0]!.command;
	}, startupMs, 'the second attempt');
	attempts.push(await readPids(stageFolder));
	for (const pid of [attempts[0]!.command, attempts[0]!.grandchild]) {
		expect(isGone(pid)).toBe(true);
	}

	expect(attempts[1]!.outputAtStart).toEqual(['command.log']);
	again.child.kill('SIGKILL');
	await again.result;

	fs.writeFileSync(path.join(directory, 'release'), '');
	const last = await runDetached(['pipeline', 'resume', run], {cwd: directory});
	expect(last.code).toBe(0);
	for (const pid of [attempts[1]!.command, attempts[1]!.grandchild]) {
		expect(isGone(pid)).toBe(true);
	}

	const final = JSON.parse(fs.readFileSync(path.join(stageFolder, 'output/pids.json'), 'utf8')) as {outputAtStart: string[]};
	expect(final.outputAtStart).toEqual(['command.log']);
	expect(fs.readFileSync(path.join(stageFolder, 'output/command.log'), 'utf8')).toBe('build started\nbuild finished\n');
	expect(fs.readdirSync(run).sort()).toEqual(['pipeline.json', 'run.json', 'stage-1-build']);
	expect(runState(run).build).toMatchObject({state: 'complete'});
});

describe.each(endings)('%s ends a watch with %i and its JSON summary', (signal, code) => {
	test('wait', async () => {
		const directory = tempDirectory();
		const workspace = (await runDetached(['new', '--task', 'quick'], {cwd: directory})).stdout.trim();
		const waiter = startCli(['wait', workspace, '--json'], {cwd: directory, detached: true});
		await waiter.waitFor('state: not started', 'stderr', startupMs);
		waiter.child.kill(signal);
		const result = await waiter.result;
		expect(result.code).toBe(code);
		expect(JSON.parse(result.stdout)).toMatchObject({state: 'interrupted', exit_code: code, workspace});
		expect(fs.existsSync(path.join(workspace, 'input/manifest.json'))).toBe(true);
	});
});

test.skipIf(!fs.existsSync('/proc/self/stat'))('Ctrl+Z (SIGTSTP) during a command stage stops the command with the runner; fg (SIGCONT) continues both', async () => {
	const {directory, write} = project();
	write([{name: 'build', command: ['node', 'slow.mjs']}]);
	const runner = startCli(['pipeline', 'run', 'pipeline.json'], {cwd: directory, detached: true});
	await runner.waitFor('build: build started', 'stderr', startupMs);
	const pids = await readPids(path.join(runFolderOf(runner.stderr()), 'stage-1-build'));
	const state = (pid: number): string | undefined => /^\d+ \(.*\) (\w)/s.exec(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];
	runner.child.kill('SIGTSTP');
	await waitUntil(() => [runner.child.pid!, pids.command, pids.grandchild].every(pid => state(pid) === 'T'), 15_000, 'the runner and the command to stop');
	runner.child.kill('SIGCONT');
	await waitUntil(() => [runner.child.pid!, pids.command, pids.grandchild].every(pid => state(pid) !== 'T'), 15_000, 'both to continue');
	fs.writeFileSync(path.join(directory, 'release'), '');
	const result = await runner.result;
	expect(result.code).toBe(0);
	expect(result.stderr).toContain('build: build finished');
});

test.skipIf(!fs.existsSync('/proc/self/stat'))('SIGTERM while the command stage is stopped (Ctrl+Z) still ends it: the stopped group is continued to take the signal', async () => {
	const {directory, write} = project();
	write([{name: 'build', command: ['node', 'slow.mjs']}]);
	const runner = startCli(['pipeline', 'run', 'pipeline.json'], {cwd: directory, detached: true});
	await runner.waitFor('build: build started', 'stderr', startupMs);
	const pids = await readPids(path.join(runFolderOf(runner.stderr()), 'stage-1-build'));
	const state = (pid: number): string | undefined => /^\d+ \(.*\) (\w)/s.exec(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];
	runner.child.kill('SIGTSTP');
	await waitUntil(() => state(pids.command) === 'T' && state(runner.child.pid!) === 'T', 15_000, 'the command to stop');
	// As a shell's `kill %1` does: the signal, then SIGCONT.
	runner.child.kill('SIGTERM');
	runner.child.kill('SIGCONT');
	const result = await runner.result;
	expect(result.code).toBe(143);
	expect(isGone(pids.command)).toBe(true);
	await waitUntil(() => isGone(pids.grandchild), 15_000, 'the grandchild to go');
});

const killTrials = process.env.HANDOFF_SLOW_TESTS === '1' ? 30 : 2;

test.skipIf(!fs.existsSync('/proc/self/environ'))(`SIGKILL at random moments, up to twice, then resume (${killTrials} trials): it completes, every stage ran in a clean folder, no orphan folder or process`, async () => {
	for (let trial = 0; trial < killTrials; trial++) {
		const {directory, write} = project();
		write([{name: 'a', command: ['node', 'slow.mjs']}, {name: 'b', needs: ['a'], command: ['node', 'slow.mjs']}]);
		fs.writeFileSync(path.join(directory, 'release'), '');
		let run: string | undefined;
		for (let kill = 0; kill < 2; kill++) {
			const runner = startCli(run === undefined ? ['pipeline', 'run', 'pipeline.json'] : ['pipeline', 'resume', run], {cwd: directory, detached: true});
			if (run === undefined) {
				await runner.waitFor('run folder', 'stderr', startupMs);
				run = runFolderOf(runner.stderr());
			}

			// The fault: a kill at a random moment (this is when, not a wait for something).
			await new Promise(resolve => {
				setTimeout(resolve, Math.random() * 400);
			});
			runner.child.kill('SIGKILL');
			await runner.result;
		}

		const last = await runDetached(['pipeline', 'resume', run!], {cwd: directory});
		expect(last.code, `trial ${trial}: ${last.stderr}`).toBe(0);
		expect(fs.readdirSync(run!).sort(), `trial ${trial}`).toEqual(['pipeline.json', 'run.json', 'stage-1-a', 'stage-2-b']);
		for (const stage of ['stage-1-a', 'stage-2-b']) {
			const pids = JSON.parse(fs.readFileSync(path.join(run!, stage, 'output/pids.json'), 'utf8')) as Pids;
			expect(pids.outputAtStart, `trial ${trial} ${stage}`).toEqual(['command.log']);
			expect(fs.readFileSync(path.join(run!, stage, 'output/command.log'), 'utf8'), `trial ${trial} ${stage}`).toBe('build started\nbuild finished\n');
		}

		// Nothing any attempt started is still running.
		const leftovers = fs.readdirSync('/proc').filter(name => /^\d+$/.test(name)).filter(pid => {
			try {
				return fs.readFileSync(`/proc/${pid}/environ`, 'utf8').includes(`HANDOFF_RUN_DIR=${run!}\0`);
			} catch {
				return false;
			}
		});
		expect(leftovers, `trial ${trial}`).toEqual([]);
	}
}, 60_000 + (killTrials * 15_000));
