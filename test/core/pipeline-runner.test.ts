import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {expect, test} from 'vitest';
import {createRun, readPipeline, readRun, recordStage, type Pipeline} from '../../source/core/pipeline.js';
import {producerStateDirectory} from '../../source/core/producer-state.js';
import {runPipeline, type HandoffStageRequest, type PipelineEvents} from '../../source/core/pipeline-runner.js';
import {useTempDirectories, waitFor} from './helpers.js';

const tempDirectory = useTempDirectories();

/** A pipeline file in a temp folder, read as the CLI reads it, and a fresh run of it. */
async function newRun(stages: unknown[]): Promise<{run: string; pipeline: Pipeline}> {
	const directory = await tempDirectory();
	fs.writeFileSync(path.join(directory, 'pipeline.json'), JSON.stringify({name: 'p', stages}));
	const pipeline = await readPipeline(path.join(directory, 'pipeline.json'));
	return {run: await createRun(directory, pipeline), pipeline};
}

const writeOutput = (name: string): string[] => ['node', '-e', `require('node:fs').writeFileSync(process.env.HANDOFF_STAGE_DIR + '/output/${name}', '${name}')`];

async function noHandoff(): Promise<number> {
	throw new Error('no hand-off stage here');
}

test('an abort between stages (right after one finished) stops before the next starts, with the signal\'s code', async () => {
	const {run, pipeline} = await newRun([{name: 'first', command: writeOutput('a')}, {name: 'second', command: writeOutput('b')}]);
	const controller = new AbortController();
	const started: string[] = [];
	const events: PipelineEvents = {
		stageStarted(stage) {
			started.push(stage.name);
		},
		stageFinished(stage) {
			if (stage.name === 'first') {
				controller.abort('SIGTERM');
			}
		},
	};
	const outcome = await runPipeline({run, pipeline, command: ['handoff'], environment: process.env, watchHandoff: noHandoff, abort: controller.signal, events});
	expect(outcome).toEqual({run, state: 'interrupted', exitCode: 143, stage: 'second', reason: 'interrupted by SIGTERM before it started'});
	expect(started).toEqual(['first']);
	const {state} = await readRun(run);
	expect(state.stages.first).toMatchObject({state: 'complete'});
	expect(state.stages.second).toBeUndefined();
	expect(fs.existsSync(path.join(run, 'stage-2-second'))).toBe(false);

	// Resumed without a signal: the first stage is skipped, the second runs.
	const resumed = await runPipeline({run, pipeline, command: ['handoff'], environment: process.env, watchHandoff: noHandoff});
	expect(resumed).toEqual({run, state: 'complete', exitCode: 0});
	expect(fs.readFileSync(path.join(run, 'stage-2-second/output/b'), 'utf8')).toBe('b');
});

test('a hand-off stage ends when the run is aborted, is recorded interrupted, and is watched again (not remade) on resume', async () => {
	const {run, pipeline} = await newRun([{name: 'ask', task: 'ask-something'}]);
	const controller = new AbortController();
	const requests: HandoffStageRequest[] = [];
	const outcome = await runPipeline({
		run,
		pipeline,
		command: ['handoff'],
		environment: process.env,
		abort: controller.signal,
		async watchHandoff(request) {
			requests.push(request);
			// The watch is under way (its workspace made) when the signal comes; it ends because of the abort.
			expect(fs.existsSync(path.join(request.folder, 'input/manifest.json'))).toBe(true);
			controller.abort('SIGHUP');
			return new Promise(resolve => {
				request.abort.addEventListener('abort', () => {
					resolve(130);
				});
				if (request.abort.aborted) {
					resolve(130);
				}
			});
		},
	});
	expect(outcome).toMatchObject({state: 'interrupted', exitCode: 129, stage: 'ask', reason: 'interrupted by SIGHUP'});
	expect((await readRun(run)).state.stages.ask).toMatchObject({state: 'interrupted', reason: 'interrupted by SIGHUP'});
	const inode = fs.statSync(path.join(run, 'stage-1-ask')).ino;

	const resumed = await runPipeline({
		run,
		pipeline,
		command: ['handoff'],
		environment: process.env,
		async watchHandoff(request) {
			requests.push(request);
			fs.writeFileSync(path.join(request.folder, 'output/result.json'), '{}');
			return 0;
		},
	});
	expect(resumed).toMatchObject({state: 'complete', exitCode: 0});
	expect(requests.map(request => request.resuming)).toEqual([false, true]);
	expect(fs.statSync(path.join(run, 'stage-1-ask')).ino).toBe(inode);
});

test('a half-made stage folder with no record (the runner killed while making it) is removed, not suffixed: the stage reruns at its own path', async () => {
	const {run, pipeline} = await newRun([{name: 'build', command: writeOutput('built')}]);
	const folder = path.join(run, 'stage-1-build');
	fs.mkdirSync(path.join(folder, 'output'), {recursive: true});
	fs.writeFileSync(path.join(folder, 'output/stale'), 'from a killed attempt');
	// And a removal that was itself cut short.
	fs.mkdirSync(`${folder}.removing/output`, {recursive: true});
	const outcome = await runPipeline({run, pipeline, command: ['handoff'], environment: process.env, watchHandoff: noHandoff});
	expect(outcome.state).toBe('complete');
	expect(fs.readdirSync(path.join(folder, 'output')).sort()).toEqual(['built', 'command.log']);
	expect(fs.readdirSync(run).sort()).toEqual(['pipeline.json', 'run.json', 'stage-1-build']);
});

test('a link in a discarded stage folder is removed, never followed', async () => {
	const {run, pipeline} = await newRun([{name: 'build', command: writeOutput('built')}]);
	const outside = await tempDirectory();
	fs.writeFileSync(path.join(outside, 'keep.txt'), 'keep');
	const folder = path.join(run, 'stage-1-build');
	fs.mkdirSync(folder);
	fs.symlinkSync(outside, path.join(folder, 'output'));
	await runPipeline({run, pipeline, command: ['handoff'], environment: process.env, watchHandoff: noHandoff});
	expect(fs.readFileSync(path.join(outside, 'keep.txt'), 'utf8')).toBe('keep');
	expect(fs.lstatSync(path.join(folder, 'output')).isDirectory()).toBe(true);
});

test('the pipeline runner and the rest of source/core import neither ink nor react', () => {
	const core = new URL('../../source/core/', import.meta.url).pathname;
	const imports = fs.readdirSync(core).filter(name => name.endsWith('.ts')).flatMap(name =>
		[...fs.readFileSync(path.join(core, name), 'utf8').matchAll(/^(?:import|export)[^;]*?from '([^']+)'/gms)].map(match => `${name}: ${match[1]}`));
	expect(imports.some(line => line.startsWith('pipeline-runner.ts: ./create.js'))).toBe(true);
	expect(imports.filter(line => /: (?:ink|react)(?:[-/]|$)|: \.\.\//.test(line))).toEqual([]);
});

test('a command that ignores the signal is killed after the grace time, with everything it started', async () => {
	const {run, pipeline} = await newRun([{name: 'stubborn', command: ['node', '-e', `
		const {spawn} = require('node:child_process');
		const fs = require('node:fs');
		process.on('SIGTERM', () => {});
		const grandchild = spawn(process.execPath, ['-e', 'process.on("SIGTERM", () => {}); setInterval(() => {}, 1000)'], {stdio: 'ignore'});
		fs.writeFileSync(process.env.HANDOFF_STAGE_DIR + '/output/pids.json', JSON.stringify([process.pid, grandchild.pid]));
		setInterval(() => {}, 1000);
	`]}]);
	const controller = new AbortController();
	const pidsFile = path.join(run, 'stage-1-stubborn/output/pids.json');
	const running = runPipeline({run, pipeline, command: ['handoff'], environment: process.env, watchHandoff: noHandoff, abort: controller.signal, stopGraceMs: 300});
	const pids = JSON.parse(await waitFor(() => (fs.existsSync(pidsFile) ? fs.readFileSync(pidsFile, 'utf8') : undefined), 10_000, 'the pids')) as number[];
	const started = Date.now();
	controller.abort('SIGTERM');
	const outcome = await running;
	expect(outcome).toMatchObject({state: 'interrupted', exitCode: 143, stage: 'stubborn'});
	expect(Date.now() - started).toBeGreaterThanOrEqual(290);
	// Gone, or a zombie its new parent has not reaped yet (it runs no more code).
	const alive = (pid: number): boolean => {
		try {
			process.kill(pid, 0);
		} catch {
			return false;
		}

		return !fs.existsSync(`/proc/${pid}/stat`) || !/^\d+ \(.*\) Z/s.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
	};

	expect(pids.filter(pid => alive(pid))).toEqual([]);
});

test('a half-made hand-off folder (no manifest yet: the runner was killed while making it) is made again at its own path, not beside it', async () => {
	const {run, pipeline} = await newRun([{name: 'ask', task: 'ask-something'}]);
	const folder = path.join(run, 'stage-1-ask');
	fs.mkdirSync(path.join(folder, 'input'), {recursive: true});
	fs.writeFileSync(path.join(folder, 'input/half.txt'), 'half');
	const watched: string[] = [];
	const outcome = await runPipeline({
		run,
		pipeline,
		command: ['handoff'],
		environment: process.env,
		async watchHandoff(request) {
			watched.push(request.folder);
			expect(fs.existsSync(path.join(request.folder, 'input/manifest.json'))).toBe(true);
			expect(fs.existsSync(path.join(request.folder, 'input/half.txt'))).toBe(false);
			fs.writeFileSync(path.join(request.folder, 'output/result.json'), '{}');
			return 0;
		},
	});
	expect(outcome.state).toBe('complete');
	expect(watched).toEqual([folder]);
	// Nothing beside it: the producer state folder is the only other entry.
	expect(fs.readdirSync(run).sort()).toEqual(['.handoff-state', 'pipeline.json', 'run.json', 'stage-1-ask']);
});

test('a stage set aside or discarded takes its producer state along: a new workspace at the same path never inherits the old record', async () => {
	const {run, pipeline} = await newRun([{name: 'ask', task: 'ask-something'}, {name: 'build', command: writeOutput('built')}]);
	const askFolder = path.join(run, 'stage-1-ask');
	const buildFolder = path.join(run, 'stage-2-build');
	for (const folder of [askFolder, buildFolder]) {
		fs.mkdirSync(path.join(folder, 'input'), {recursive: true});
		fs.mkdirSync(producerStateDirectory(folder), {recursive: true});
		fs.writeFileSync(path.join(producerStateDirectory(folder), 'record.json'), 'old');
	}

	fs.writeFileSync(path.join(askFolder, 'input/manifest.json'), '{}');
	await recordStage(run, 'ask', {state: 'failed', reason: 'failed'});
	const outcome = await runPipeline({
		run,
		pipeline,
		command: ['handoff'],
		environment: process.env,
		async watchHandoff(request) {
			// The new workspace has a record of its own, never the old one.
			const record = fs.readFileSync(path.join(producerStateDirectory(request.folder), 'record.json'), 'utf8');
			expect(record).not.toBe('old');
			expect((JSON.parse(record) as {workspace: string}).workspace).toBe(request.folder);
			fs.writeFileSync(path.join(request.folder, 'output/result.json'), '{}');
			return 0;
		},
	});
	expect(outcome.state).toBe('complete');
	const states = fs.readdirSync(path.dirname(producerStateDirectory(askFolder)));
	const previous = states.find(name => name.startsWith('stage-1-ask.previous-'));
	expect(previous).toBeDefined();
	expect(fs.readFileSync(path.join(path.dirname(producerStateDirectory(askFolder)), previous!, 'record.json'), 'utf8')).toBe('old');
	expect(fs.existsSync(path.join(run, previous!, 'input/manifest.json'))).toBe(true);
	expect(fs.existsSync(producerStateDirectory(buildFolder))).toBe(false);
});

test('a temporary run.json left by a runner killed mid-write is removed on resume; one of a living writer is not', async () => {
	const {run, pipeline} = await newRun([{name: 'build', command: writeOutput('built')}]);
	const dead = spawnSync(process.execPath, ['-e', '']).pid;
	const stale = `.run.json.${dead}.0795220c.tmp`;
	const living = `.run.json.${process.pid}.1234abcd.tmp`;
	fs.writeFileSync(path.join(run, stale), '');
	fs.writeFileSync(path.join(run, living), '{"stages"');
	const outcome = await runPipeline({run, pipeline, command: ['handoff'], environment: process.env, watchHandoff: noHandoff});
	expect(outcome.state).toBe('complete');
	expect(fs.readdirSync(run).sort()).toEqual([living, 'pipeline.json', 'run.json', 'stage-1-build']);
});
