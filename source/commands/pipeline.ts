import {spawn} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import type {StageLine} from '../app.js';
import {createHandoff, linkOrCopy} from '../core/create.js';
import {exitCode} from '../core/errors.js';
import {layout} from '../core/paths.js';
import {
	createRun,
	readPipeline,
	readRun,
	recordStage,
	setAside,
	stageFolderName,
	stageInputSource,
	stageOutputsDigest,
	type CommandStage,
	type HandoffStage,
	type Pipeline,
	type RunState,
	type Stage,
} from '../core/pipeline.js';
import {formatDuration, isoTimestamp, parseTime} from '../core/time.js';
import {appendToFile} from '../core/safe-io.js';
import {createUniqueFolder, makeWorkspaceFolders, resolveBaseDirectory} from '../core/workspace.js';
import {printJson, printLine, usageError, type CommandContext} from './io.js';
import {showHandoff, type ScreenFlags} from './watch.js';
import {checkLaunch} from './launch.js';

type PipelineFlags = ScreenFlags & {dir?: string};

/** `handoff pipeline run FILE` and `handoff pipeline resume RUN`. */
export async function pipelineCommand(context: CommandContext<PipelineFlags>, command: string[]): Promise<number> {
	const [action, target] = context.input;
	if ((action !== 'run' && action !== 'resume') || target === undefined) {
		throw usageError('Usage: handoff pipeline run <file> | handoff pipeline resume <run folder>');
	}

	if (action === 'run') {
		const pipeline = await readPipeline(path.resolve(context.cwd, target));
		const run = await createRun(resolveBaseDirectory(context.flags.dir, context.environment, context.cwd), pipeline);
		printLine(context.stderr, `pipeline: run folder ${run}`);
		return runStages(run, pipeline, context, command);
	}

	const run = path.resolve(context.cwd, target);
	const {pipeline} = await readRun(run);
	return runStages(run, pipeline, context, command);
}

/**
Runs the stages in order, from the first one that is not complete. A complete stage whose outputs are unchanged since it finished is skipped; a failed one is set aside and run again.
*/
async function runStages(run: string, pipeline: Pipeline, context: CommandContext<PipelineFlags>, command: string[]): Promise<number> {
	const lines = (current: number, records: RunState['stages']): StageLine[] =>
		pipeline.stages.map((stage, index) => {
			const record = records[stage.name];
			const started = parseTime(record?.started_at);
			const finished = parseTime(record?.finished_at);
			const time = started !== undefined && finished !== undefined && index < current ? formatDuration(finished - started) : undefined;
			return {name: stage.name, state: index < current ? 'done' : index === current ? 'current' : 'pending', time};
		});
	const finish = (code: number, failedStage?: Stage, reason?: string): number => {
		if (failedStage) {
			printLine(context.stderr, `pipeline: stage "${failedStage.name}" ${reason}; the run stops here`);
			printLine(context.stderr, `  resume with: handoff pipeline resume ${run}`);
		} else {
			printLine(context.stderr, `pipeline: all ${pipeline.stages.length} stages complete in ${run}`);
		}

		if (context.flags.json || !(context.stdout as NodeJS.WriteStream).isTTY) {
			printJson(context.stdout, {run, state: failedStage ? 'failed' : 'complete', exit_code: code, stage: failedStage?.name ?? null, reason: reason ?? null});
		}

		return code;
	};

	for (const [index, stage] of pipeline.stages.entries()) {
		const folder = path.join(run, stageFolderName(index, stage));
		const {state} = await readRun(run);
		const record = state.stages[stage.name];
		if (record?.state === 'complete' && record.outputs_sha256 === (await stageOutputsDigest(folder, stage))) {
			printLine(context.stderr, `pipeline: stage ${index + 1} "${stage.name}" is complete and unchanged; skipping`);
			continue;
		}

		if (record) {
			// Failed, or its outputs changed since: run it again from scratch, keeping the old folder.
			await setAside(folder);
		}

		printLine(context.stderr, `pipeline: stage ${index + 1} of ${pipeline.stages.length}: ${stage.name}`);
		const startedAt = isoTimestamp();
		const code = await (stage.kind === 'handoff'
			? runHandoffStage(run, pipeline, stage, folder, context, command, lines(index, state.stages))
			: runCommandStage(run, pipeline, stage, folder, context));
		if (code !== 0) {
			const reason = code === exitCode.timedOut ? 'timed out' : code === exitCode.interrupted ? 'was interrupted' : 'failed';
			if (code !== exitCode.interrupted) {
				await recordStage(run, stage.name, {state: 'failed', started_at: startedAt, reason});
			}

			return finish(code, stage, reason);
		}

		await recordStage(run, stage.name, {state: 'complete', started_at: startedAt, outputs_sha256: await stageOutputsDigest(folder, stage)});
	}

	return finish(0);
}

function linkedInputs(run: string, pipeline: Pipeline, stage: Stage) {
	return Object.entries(stage.inputs).map(([name, input]) =>
		typeof input === 'string' ? {name, file: input} : {name, file: stageInputSource(run, pipeline, input), link: true});
}

async function runHandoffStage(run: string, pipeline: Pipeline, stage: HandoffStage, folder: string, context: CommandContext<PipelineFlags>, command: string[], stages: StageLine[]): Promise<number> {
	// "launch": true (or --launch) starts the stage's tool; it is checked before anything of the stage is made.
	const launch = stage.launch || context.flags.launch ? await checkLaunch(stage.tool ?? context.flags.tool, context.environment) : undefined;
	// An unfinished workspace from an earlier run of this stage is watched again, not replaced: its consumer may still be at work.
	const resuming = fs.existsSync(path.join(folder, layout.manifest));
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
			command,
		});
	}

	const flags = {...context.flags, keep: true, results: path.join(run, 'results'), tool: stage.tool ?? context.flags.tool};
	return showHandoff(folder, {...context, flags}, {copyPrompt: !resuming && !launch, quiet: true, stages, launch});
}

/**
A command stage runs from the pipeline file's folder, like the producer's own tools, with HANDOFF_STAGE_DIR naming its stage folder (inputs in input/, results go to output/). Its exit code decides; what it prints goes to the terminal and to output/command.log.
*/
async function runCommandStage(run: string, pipeline: Pipeline, stage: CommandStage, folder: string, context: CommandContext<PipelineFlags>): Promise<number> {
	await makeStageFolder(run, pipeline, stage, folder);
	const [program, ...args] = stage.command;
	const child = spawn(program!, args, {
		cwd: pipeline.base,
		env: {...context.environment, HANDOFF_STAGE_DIR: folder, HANDOFF_RUN_DIR: run},
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	const log = path.join(folder, layout.output, 'command.log');
	for (const stream of [child.stdout, child.stderr]) {
		readline.createInterface({input: stream}).on('line', line => {
			printLine(context.stderr, `${stage.name}: ${line}`);
			void appendToFile(log, `${line}\n`).catch(() => undefined);
		});
	}

	return new Promise(resolve => {
		child.on('error', error => {
			printLine(context.stderr, `${stage.name}: cannot run ${program}: ${error.message}`);
			resolve(exitCode.failed);
		});
		child.on('close', code => {
			printLine(context.stderr, `${stage.name}: exited with code ${code}`);
			resolve(code === 0 ? 0 : exitCode.failed);
		});
	});
}

/** A command stage gets input/ (its inputs, linked or copied) and output/, like a hand-off, so commands find inputs the same way. */
async function makeStageFolder(run: string, pipeline: Pipeline, stage: CommandStage, folder: string): Promise<void> {
	await makeWorkspaceFolders(await createUniqueFolder(path.dirname(folder), path.basename(folder)));
	for (const {file, link} of linkedInputs(run, pipeline, stage)) {
		const target = path.join(folder, layout.input, path.basename(file));
		await (link ? linkOrCopy(file, target) : fs.promises.copyFile(file, target));
	}
}
