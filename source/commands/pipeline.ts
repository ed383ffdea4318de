import path from 'node:path';
import {endingSignals, type EndingSignal} from '../core/errors.js';
import {handoffCommandLine} from '../core/instructions.js';
import {createRun, readPipeline, readRun} from '../core/pipeline.js';
import {runPipeline, type PipelineEvents, type PipelineOutcome} from '../core/pipeline-runner.js';
import {resolveBaseDirectory} from '../core/workspace.js';
import {printJson, printLine, usageError, type CommandContext} from './io.js';
import {checkLaunch} from './launch.js';
import {showHandoff, type ScreenFlags} from './watch.js';

type PipelineFlags = ScreenFlags & {dir?: string};

/** `handoff pipeline run FILE` and `handoff pipeline resume RUN`. */
export async function pipelineCommand(context: CommandContext<PipelineFlags>, command: string[]): Promise<number> {
	const [action, target] = context.input;
	if ((action !== 'run' && action !== 'resume') || target === undefined) {
		throw usageError('Usage: handoff pipeline run <file> | handoff pipeline resume <run folder>');
	}

	// A signal ends the run at whatever stage it is in (the stage is recorded as interrupted); listening from the start, it is never lost between stages.
	const controller = new AbortController();
	const onSignal = (signal: EndingSignal): void => {
		controller.abort(signal);
	};

	for (const signal of endingSignals) {
		process.on(signal, onSignal);
	}

	try {
		let run: string;
		let pipeline;
		if (action === 'run') {
			pipeline = await readPipeline(path.resolve(context.cwd, target));
			run = await createRun(resolveBaseDirectory(context.flags.dir, context.environment, context.cwd), pipeline);
			printLine(context.stderr, `pipeline: run folder ${run}`);
		} else {
			run = path.resolve(context.cwd, target);
			({pipeline} = await readRun(run));
		}

		const stageCount = pipeline.stages.length;
		const outcome = await runPipeline({
			run,
			pipeline,
			command,
			environment: context.environment,
			abort: controller.signal,
			events: printEvents(context.stderr, stageCount),
			async watchHandoff(request) {
				const tool = request.stage.tool ?? context.flags.tool;
				// "launch": true (or --launch) starts the stage's tool; the pipeline file was checked to name one from the matrix when it was read, and PATH and version are checked here.
				const launch = request.stage.launch || context.flags.launch ? await checkLaunch(tool, context.environment) : undefined;
				const flags = {...context.flags, keep: true, results: path.join(run, 'results'), tool};
				return showHandoff(request.folder, {...context, flags}, {copyPrompt: !request.resuming && !launch, quiet: true, stages: request.stages, abort: request.abort, launch, resumeHint: null});
			},
		});
		return finish(context, outcome, stageCount, command);
	} finally {
		for (const signal of endingSignals) {
			process.off(signal, onSignal);
		}
	}
}

function printEvents(stderr: NodeJS.WritableStream, stageCount: number): PipelineEvents {
	return {
		stageSkipped(stage, index) {
			printLine(stderr, `pipeline: stage ${index + 1} "${stage.name}" is complete and unchanged; skipping`);
		},
		stageStarted(stage, index) {
			printLine(stderr, `pipeline: stage ${index + 1} of ${stageCount}: ${stage.name}`);
		},
		commandLine(stage, line) {
			printLine(stderr, `${stage.name}: ${line}`);
		},
		commandEnded(stage, description) {
			printLine(stderr, `${stage.name}: ${description}`);
		},
	};
}

function finish(context: CommandContext<PipelineFlags>, outcome: PipelineOutcome, stageCount: number, command: string[]): number {
	const {run} = outcome;
	if (outcome.state === 'complete') {
		printLine(context.stderr, `pipeline: all ${stageCount} stages complete in ${run}`);
	} else {
		printLine(context.stderr, `pipeline: stage "${outcome.stage}" ${outcome.reason}; the run stops here`);
		printLine(context.stderr, `  resume with: ${handoffCommandLine(['pipeline', 'resume', run], command)}`);
	}

	if (context.flags.json || !(context.stdout as NodeJS.WriteStream).isTTY) {
		printJson(context.stdout, {run, state: outcome.state, exit_code: outcome.exitCode, stage: outcome.stage ?? null, reason: outcome.reason ?? null});
	}

	return outcome.exitCode;
}
