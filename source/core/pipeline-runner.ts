import {spawn} from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import readline from 'node:readline';
import {createHandoff, linkOrCopy} from './create.js';
import {abortingSignal, errnoCode, exitCode, signalExitCode, type EndingSignal} from './errors.js';
import {layout} from './paths.js';
import {producerRecordPath} from './producer-record.js';
import {
	discardStageFolder,
	readRun,
	recordStage,
	removeStaleRunTemporaries,
	setAside,
	stageFolderName,
	stageInputSource,
	stageOutputsDigest,
	type CommandStage,
	type HandoffStage,
	type Pipeline,
	type RunState,
	type Stage,
	type StageRecord,
} from './pipeline.js';
import {makePrivateDirectory} from './safe-io.js';
import {formatDuration, isoTimestamp, parseTime} from './time.js';
import {makeWorkspaceFolders} from './workspace.js';

/** One line of the stage list the screen shows above the panes. */
export type StageLine = {name: string; state: 'done' | 'current' | 'pending' | 'failed'; /** How long a finished stage took. */ time?: string};

/** What one stage ended with. `exitCode` is the run's exit code if the run stops here. */
export type StageResult = {state: 'complete' | 'failed' | 'interrupted'; exitCode: number; reason?: string};

export type PipelineOutcome = {run: string; state: 'complete' | 'failed' | 'interrupted'; exitCode: number; stage?: string; reason?: string};

export type HandoffStageRequest = {
	run: string;
	stage: HandoffStage;
	folder: string;
	/** An unfinished workspace of an earlier attempt, watched again where it stands (its prompt was given then). */
	resuming: boolean;
	stages: StageLine[];
	/** Aborted with the signal's name when the run is to end: the watch must then end too. */
	abort: AbortSignal;
};

/** What the runner reports as it goes; the command prints it. */
export type PipelineEvents = {
	stageSkipped?(stage: Stage, index: number): void;
	stageStarted?(stage: Stage, index: number): void;
	stageFinished?(stage: Stage, index: number, result: StageResult): void;
	/** A line a command stage printed (stdout or stderr); it is also in its output/command.log. */
	commandLine?(stage: CommandStage, line: string): void;
	/** How a command stage's process ended, in words ("exited with code 0", "cannot run x: ..."). */
	commandEnded?(stage: CommandStage, description: string): void;
};

export type PipelineRunOptions = {
	run: string;
	pipeline: Pipeline;
	/** The handoff command line, written into hand-off stages' instructions. */
	command: string[];
	environment: NodeJS.ProcessEnv;
	/** Shows or follows one hand-off stage until it settles or `abort` fires; returns the exit code of `watch`. */
	watchHandoff(request: HandoffStageRequest): Promise<number>;
	/** Aborted with a signal's name (SIGINT, SIGTERM, SIGHUP) to end the run at whatever stage it is in. */
	abort?: AbortSignal;
	events?: PipelineEvents;
	/** How long a command stage's process group gets to stop after the signal, before SIGKILL. */
	stopGraceMs?: number;
};

const defaultStopGraceMs = 5000;

/**
Runs the stages in order, from the first one that is not complete. A complete stage whose outputs are unchanged since it finished is skipped; a failed one is set aside and run again; an interrupted hand-off is watched again; whatever an interrupted or killed command stage left is removed and the stage runs again from scratch.
*/
export async function runPipeline(options: PipelineRunOptions): Promise<PipelineOutcome> {
	const {run, pipeline, events = {}} = options;
	const abort = options.abort ?? new AbortController().signal;
	await removeStaleRunTemporaries(run);
	for (const [index, stage] of pipeline.stages.entries()) {
		if (abort.aborted) {
			return interruptedBefore(run, stage, abort);
		}

		const folder = path.join(run, stageFolderName(index, stage));
		const {state} = await readRun(run);
		const record = state.stages[stage.name];
		if (record?.state === 'complete' && record.outputs_sha256 === (await stageOutputsDigest(folder, stage))) {
			events.stageSkipped?.(stage, index);
			continue;
		}

		const resuming = await prepareStageFolder(stage, folder, path.join(run, 'results', stageFolderName(index, stage)), record);
		if (abort.aborted) {
			return interruptedBefore(run, stage, abort);
		}

		events.stageStarted?.(stage, index);
		const startedAt = isoTimestamp();
		await recordStage(run, stage.name, {state: 'running', started_at: startedAt});
		const result = await (stage.kind === 'handoff'
			? runHandoffStage(options, abort, stage, folder, resuming, stageLines(pipeline, index, state))
			: runCommandStage(options, abort, stage, folder, startedAt));
		await recordStage(run, stage.name, result.state === 'complete'
			? {state: 'complete', started_at: startedAt, outputs_sha256: await stageOutputsDigest(folder, stage)}
			: {state: result.state, started_at: startedAt, reason: result.reason});
		events.stageFinished?.(stage, index, result);
		if (result.state !== 'complete') {
			return {run, state: result.state, exitCode: result.exitCode, stage: stage.name, reason: result.reason};
		}
	}

	return {run, state: 'complete', exitCode: exitCode.complete};
}

function interruptedBefore(run: string, stage: Stage, abort: AbortSignal): PipelineOutcome {
	const signal = abortingSignal(abort);
	return {run, state: 'interrupted', exitCode: signalExitCode[signal], stage: stage.name, reason: `interrupted by ${signal} before it started`};
}

function stageLines(pipeline: Pipeline, current: number, state: RunState): StageLine[] {
	return pipeline.stages.map((stage, index) => {
		const record = state.stages[stage.name];
		const started = parseTime(record?.started_at);
		const finished = parseTime(record?.finished_at);
		const time = started !== undefined && finished !== undefined && index < current ? formatDuration(finished - started) : undefined;
		return {name: stage.name, state: index < current ? 'done' : index === current ? 'current' : 'pending', time};
	});
}

/**
Gets a stage's folder ready for another attempt; returns true when an unfinished hand-off workspace is to be watched again. A failed stage, or a complete one whose outputs changed, is set aside for the record. Anything else found there was cut short (a signal, or the runner killed): a hand-off workspace with its manifest is resumed where it stands, since its consumer may still be at work; a half-made hand-off or a command stage's half-written folder is removed, after stopping a command the killed runner left running.
*/
async function prepareStageFolder(stage: Stage, folder: string, archive: string, record: StageRecord | undefined): Promise<boolean> {
	if (record?.state === 'failed' || record?.state === 'complete') {
		await setAside(folder);
		// Its archive too: the new workspace's producer record does not hold the old one, which would be refused as a stranger's.
		await setAside(archive);
		return false;
	}

	// The producer record says a workspace was made here, whatever the consumer did to the manifest in it.
	if (stage.kind === 'handoff' && (fs.existsSync(producerRecordPath(folder)) || fs.existsSync(path.join(folder, layout.manifest)))) {
		return true;
	}

	if (stage.kind === 'command') {
		await stopLeftoverCommands(folder, record?.process_group);
	}

	await discardStageFolder(folder);
	return false;
}

function linkedInputs(run: string, pipeline: Pipeline, stage: Stage) {
	return Object.entries(stage.inputs).map(([name, input]) =>
		typeof input === 'string' ? {name, file: input} : {name, file: stageInputSource(run, pipeline, input), link: true});
}

async function runHandoffStage(options: PipelineRunOptions, abort: AbortSignal, stage: HandoffStage, folder: string, resuming: boolean, stages: StageLine[]): Promise<StageResult> {
	const {run, pipeline} = options;
	if (!resuming) {
		await createHandoff({
			baseDirectory: run,
			workspace: folder,
			task: stage.task,
			inputs: linkedInputs(run, pipeline, stage),
			instructionsFile: stage.instructions,
			schemaFile: stage.schema,
			resultPath: stage.result,
			timeoutSeconds: stage.timeout,
			maxRetries: stage.retries,
			command: options.command,
			tool: stage.tool,
		});
	}

	const code = await options.watchHandoff({run, stage, folder, resuming, stages, abort});
	// A hand-off that completed as the signal came is complete (and archived): the run stops before the next stage.
	if (abort.aborted && code !== exitCode.complete) {
		const signal = abortingSignal(abort);
		return {state: 'interrupted', exitCode: signalExitCode[signal], reason: `interrupted by ${signal}`};
	}

	switch (code) {
		case exitCode.complete: {
			return {state: 'complete', exitCode: code};
		}

		case exitCode.timedOut: {
			return {state: 'failed', exitCode: code, reason: 'timed out'};
		}

		case exitCode.interrupted:
		case exitCode.hangUp:
		case exitCode.terminated: {
			// The person quit (q), or the watch was signalled on its own: the workspace is watched again on resume.
			return {state: 'interrupted', exitCode: code, reason: 'was interrupted'};
		}

		default: {
			return {state: 'failed', exitCode: exitCode.failed, reason: 'failed'};
		}
	}
}

/**
A command stage runs from the pipeline file's folder, like the producer's own tools, with HANDOFF_STAGE_DIR naming its stage folder (inputs in input/, results go to output/). Its exit code decides; what it prints is reported line by line and kept in output/command.log.

It runs in a process group of its own (a new session, so without the terminal), so that ending the run ends everything it started: the group gets the run's signal, then SIGKILL after the grace time, and SIGKILL once the command itself has exited.
*/
async function runCommandStage(options: PipelineRunOptions, abort: AbortSignal, stage: CommandStage, folder: string, startedAt: string): Promise<StageResult> {
	const {run, pipeline, events = {}} = options;
	await makeCommandStageFolder(run, pipeline, stage, folder);
	// Opened before the command starts, exclusively: the command cannot have put a link there first.
	const log = (await fsp.open(path.join(folder, layout.output, 'command.log'), 'wx', 0o600)).createWriteStream();
	// A log that cannot be written (disk full) loses lines, not the run: they are still reported.
	log.on('error', () => undefined);
	const [program, ...args] = stage.command;
	const child = spawn(program!, args, {
		cwd: pipeline.base,
		env: {...options.environment, HANDOFF_STAGE_DIR: folder, HANDOFF_RUN_DIR: run},
		stdio: ['ignore', 'pipe', 'pipe'],
		detached: true,
	});
	const group = child.pid;
	const killGroup = (signal: NodeJS.Signals): void => {
		if (group === undefined) {
			return;
		}

		try {
			process.kill(-group, signal);
		} catch {
			// No process groups (Windows), or the group is gone: the command itself, at least.
			try {
				child.kill(signal);
			} catch {}
		}
	};

	// Job control: the command has no terminal, so Ctrl+Z (SIGTSTP to the runner) would stop the runner alone and leave the command running. Stop and continue its group with the runner; SIGSTOP, since a group outside the terminal's session ignores SIGTSTP.
	const suspend = (): void => {
		killGroup('SIGSTOP');
		process.kill(process.pid, 'SIGSTOP');
	};

	const resume = (): void => {
		killGroup('SIGCONT');
	};

	const jobControl = process.platform !== 'win32';
	if (jobControl) {
		process.on('SIGTSTP', suspend);
		process.on('SIGCONT', resume);
	}

	const endJobControl = (): void => {
		process.off('SIGTSTP', suspend);
		process.off('SIGCONT', resume);
	};

	let stopping: EndingSignal | undefined;
	let graceTimer: NodeJS.Timeout | undefined;
	const stop = (): void => {
		if (stopping) {
			return;
		}

		stopping = abortingSignal(abort);
		killGroup(stopping);
		// A stopped group (Ctrl+Z) would hold the signal until continued.
		killGroup('SIGCONT');
		graceTimer = setTimeout(() => {
			killGroup('SIGKILL');
		}, options.stopGraceMs ?? defaultStopGraceMs);
	};

	abort.addEventListener('abort', stop);
	if (abort.aborted) {
		stop();
	}

	for (const stream of [child.stdout, child.stderr]) {
		readline.createInterface({input: stream, crlfDelay: Number.POSITIVE_INFINITY}).on('line', line => {
			events.commandLine?.(stage, line);
			log.write(`${line}\n`);
		});
	}

	const ending = new Promise<{code: number | null; signal: NodeJS.Signals | null; error?: Error}>(resolve => {
		child.on('error', error => {
			resolve({code: null, signal: null, error});
		});
		child.on('exit', () => {
			// Nothing an interrupted stage started may outlive it (a child holding the output pipe would also keep 'close' away).
			if (stopping) {
				killGroup('SIGKILL');
			}
		});
		child.on('close', (code, signal) => {
			resolve({code, signal});
		});
	});
	try {
		if (group !== undefined) {
			await recordStage(run, stage.name, {state: 'running', started_at: startedAt, process_group: group});
		}
	} catch (error) {
		// Without run.json the run cannot go on, nor could a resume find this command: it must not outlive the runner.
		killGroup('SIGKILL');
		await ending;
		clearTimeout(graceTimer);
		abort.removeEventListener('abort', stop);
		endJobControl();
		log.end();
		throw error;
	}

	const ended = await ending;
	clearTimeout(graceTimer);
	abort.removeEventListener('abort', stop);
	endJobControl();
	await new Promise(resolve => {
		log.end(resolve);
	});
	if (ended.error) {
		events.commandEnded?.(stage, `cannot run ${program}: ${ended.error.message}`);
		return {state: 'failed', exitCode: exitCode.failed, reason: 'failed'};
	}

	events.commandEnded?.(stage, ended.signal ? `stopped by ${ended.signal}` : `exited with code ${ended.code}`);
	if (stopping) {
		return {state: 'interrupted', exitCode: signalExitCode[stopping], reason: `interrupted by ${stopping}`};
	}

	return ended.code === 0 ? {state: 'complete', exitCode: exitCode.complete} : {state: 'failed', exitCode: exitCode.failed, reason: 'failed'};
}

/** A command stage gets input/ (its inputs, linked or copied) and output/, like a hand-off, so commands find inputs the same way. */
async function makeCommandStageFolder(run: string, pipeline: Pipeline, stage: CommandStage, folder: string): Promise<void> {
	// Exclusive: the folder was just cleared, and two runners on one run must not share it.
	await makePrivateDirectory(folder, true);
	await makeWorkspaceFolders(folder);
	for (const {file, link} of linkedInputs(run, pipeline, stage)) {
		const target = path.join(folder, layout.input, path.basename(file));
		await (link ? linkOrCopy(file, target) : fsp.copyFile(file, target));
	}
}

/**
A command a killed runner left running would keep writing into the stage folder of the next attempt: stop its process group first. Found two ways, since the runner may have been killed before it recorded the group: on Linux, every process whose environment names this HANDOFF_STAGE_DIR; and the group run.json recorded, if it still exists and its leader (when there is one) is still ours, as a pid can be reused. Where /proc is missing nothing can be checked, and nothing is killed.
*/
async function stopLeftoverCommands(folder: string, recordedGroup: number | undefined): Promise<void> {
	if (!fs.existsSync('/proc/self/stat')) {
		return;
	}

	const marker = `HANDOFF_STAGE_DIR=${folder}`;
	const groups = new Set<number>();
	const members: number[] = [];
	for (const name of await fsp.readdir('/proc').catch(() => [])) {
		if (!/^\d+$/.test(name)) {
			continue;
		}

		try {
			if ((await fsp.readFile(`/proc/${name}/environ`, 'utf8')).split('\0').includes(marker)) {
				members.push(Number(name));
				groups.add(Number(/^\d+ \(.*\) \S+ \d+ (\d+)/s.exec(await fsp.readFile(`/proc/${name}/stat`, 'utf8'))?.[1]));
			}
		} catch {}
	}

	if (recordedGroup !== undefined && groupExists(recordedGroup) && !fs.existsSync(`/proc/${recordedGroup}`)) {
		// The leader is gone but its group lives on, and a group id is not reused while its group lives.
		groups.add(recordedGroup);
	}

	const ownGroup = Number(/^\d+ \(.*\) \S+ \d+ (\d+)/s.exec(fs.readFileSync('/proc/self/stat', 'utf8'))?.[1]);
	for (const group of groups) {
		if (Number.isInteger(group) && group > 1 && group !== ownGroup) {
			try {
				process.kill(-group, 'SIGKILL');
			} catch {}
		}
	}

	// SIGKILL cannot be caught, but it may take the processes a moment to go; a zombie no longer writes.
	const deadline = Date.now() + 2000;
	while (members.some(pid => isRunning(pid)) && Date.now() < deadline) {
		await new Promise(resolve => {
			setTimeout(resolve, 10);
		});
	}
}

function groupExists(group: number): boolean {
	try {
		process.kill(-group, 0);
		return true;
	} catch (error) {
		return errnoCode(error) === 'EPERM';
	}
}

/** Alive and not a zombie. */
function isRunning(pid: number): boolean {
	try {
		return !/^\d+ \(.*\) Z/s.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
	} catch {
		return false;
	}
}
