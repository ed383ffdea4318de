import path from 'node:path';
import {finishInterruptedArchive} from '../core/archive.js';
import {abortingSignal, endingSignals, type EndingSignal} from '../core/errors.js';
import {HandoffSession, type SessionOptions} from '../core/session.js';
import {questionStage, receiptClock} from '../core/receipts.js';
import type {ProgressLine, QuestionView, WorkspaceSnapshot} from '../core/snapshot.js';
import {stateLabels} from '../core/status.js';
import {debugEnabled, errorStack} from '../core/errors.js';
import {errorSummary, interruptedBy, summarize, summaryLines, type Summary} from '../core/summary.js';
import {handoffCommandLine} from '../core/instructions.js';
import {checkWorkspace} from '../core/workspace.js';
import {printJson, printLine, positiveNumber, usageError, type CommandContext} from './io.js';
import {checkLaunch, launchInto} from './launch.js';

export type WatchFlags = {
	json: boolean;
	keep: boolean;
	timeout?: number;
	results?: string;
	poll: boolean;
	stallAfter?: number;
	/** With --tool: start that tool on the hand-off prompt. */
	launch?: boolean;
	tool?: string;
};

export function sessionOptions(flags: WatchFlags, cwd: string): SessionOptions {
	const stallAfter = positiveNumber(flags.stallAfter, 'stall-after');
	return {
		keep: flags.keep,
		timeoutSeconds: positiveNumber(flags.timeout, 'timeout'),
		resultsDirectory: flags.results === undefined ? undefined : path.resolve(cwd, flags.results),
		usePolling: flags.poll,
		stallAfterMs: stallAfter === undefined ? undefined : stallAfter * 1000,
	};
}

/**
Prints a line for each change a person would want to know about: the state, progress, new questions, problems. Stateful: it remembers what it has printed.
*/
export function createLinePrinter(stream: NodeJS.WritableStream, workspace: string) {
	let lastState: string | undefined;
	const seenQuestions = new Set<string>();
	const seenAnswers = new Set<string>();
	const seenPickups = new Set<string>();
	const seenProblems = new Set<string>();
	const describe = (question: QuestionView): string =>
		`question ${question.id}: ${question.text}${question.options?.length ? ` [${question.options.map((option, index) => `${index + 1}) ${option}`).join(' ')}]` : ''}`;
	return {
		snapshot(snapshot: WorkspaceSnapshot): void {
			if (snapshot.state !== lastState) {
				lastState = snapshot.state;
				printLine(stream, `state: ${stateLabels[snapshot.state]}`);
			}

			for (const question of snapshot.questions) {
				if (!question.answer && !seenQuestions.has(question.id)) {
					seenQuestions.add(question.id);
					printLine(stream, describe(question));
					// A command that runs as written: the first option's number (any number or text works), or a quoted placeholder to replace.
					const example = question.options?.length ? '1' : 'YOUR ANSWER';
					printLine(stream, `  answer with: ${handoffCommandLine(['answer', workspace, question.id, example])}`);
				}

				// Where each answer stands: given, then picked up by the consumer (its receipt in shared/receipts.json).
				const stage = questionStage(question);
				if (stage !== 'asked' && !seenAnswers.has(question.id)) {
					seenAnswers.add(question.id);
					printLine(stream, `answered ${question.id}: ${question.answer!.answer}`);
				}

				if (stage === 'picked-up' && !seenPickups.has(question.id)) {
					seenPickups.add(question.id);
					const clock = receiptClock(question.receipt!);
					printLine(stream, `picked up ${question.id}: the consumer read the answer${clock ? ` at ${clock}` : ''}`);
				}
			}

			for (const problem of [...snapshot.problems.map(entry => `${entry.file}: ${entry.message}`), ...snapshot.inconsistencies]) {
				if (!seenProblems.has(problem)) {
					seenProblems.add(problem);
					printLine(stream, `problem: ${problem}`);
				}
			}
		},
		progress({time, message, source}: ProgressLine): void {
			printLine(stream, source ? `${source}: ${message}` : `progress: ${time ? `[${time}] ` : ''}${message}`);
		},
	};
}

export type HeadlessOptions = {
	/** The session, when the caller opened it already (to report a bad workspace before choosing how to show it). */
	opened?: HandoffSession;
	/** Starts something once the session runs (a launched tool); returns how to stop it. */
	onStarted?: (session: HandoffSession) => Promise<() => void>;
	/** Ends the run like a signal (a pipeline that is ending). */
	abort?: AbortSignal;
	/** Lines for the person before the hand-off's own: printed once a signal would end the run in order. */
	announce?: () => Promise<void>;
};

/**
Runs a session until it settles or is interrupted; returns the summary. Shared by `wait` and the no-terminal fallback of `run`/`watch`.
The signal handlers come first: a program that reads our first line and sends SIGTERM at once must get the ordered end (the hold released, the summary, exit 143), not the default death.
*/
export async function runHeadless(workspace: string, options: SessionOptions, stderr: NodeJS.WritableStream, {opened, onStarted, abort, announce}: HeadlessOptions = {}): Promise<Summary> {
	// Removed again at the end: a listener left behind would swallow the next signal (a pipeline's later stages).
	let endingSignal: EndingSignal | undefined;
	let stop!: (signal: EndingSignal) => void;
	const interrupted = new Promise<undefined>(resolve => {
		stop = signal => {
			endingSignal ??= signal;
			resolve(undefined);
		};
	});
	const onAbort = (): void => {
		stop(abortingSignal(abort!));
	};

	for (const signal of endingSignals) {
		process.on(signal, stop);
	}

	abort?.addEventListener('abort', onAbort);
	if (abort?.aborted) {
		onAbort();
	}

	try {
		if (!opened) {
			const archived = await finishInterruptedArchive(workspace);
			if (archived !== undefined) {
				printLine(stderr, 'state: complete (an earlier run had archived it; finished removing the workspace)');
				return summarize({kind: 'complete', archivePath: archived, resultPath: archived}, workspace, path.basename(workspace));
			}
		}

		const session = opened ?? (await HandoffSession.open(checkWorkspace(workspace), options));
		return await followSession(session, workspace, stderr, {onStarted, announce, interrupted, endingSignal: () => endingSignal});
	} finally {
		for (const signal of endingSignals) {
			process.off(signal, stop);
		}

		abort?.removeEventListener('abort', onAbort);
	}
}

async function followSession(session: HandoffSession, workspace: string, stderr: NodeJS.WritableStream, {onStarted, announce, interrupted, endingSignal}: Pick<HeadlessOptions, 'onStarted' | 'announce'> & {interrupted: Promise<undefined>; endingSignal: () => EndingSignal | undefined}): Promise<Summary> {
	let stopTool = (): void => undefined;
	try {
		await announce?.();
		const printer = createLinePrinter(stderr, workspace);
		session.onProgress(lines => {
			for (const line of lines) {
				printer.progress(line);
			}
		});
		let retryShown: unknown;
		session.subscribe(() => {
			const {snapshot, outcome} = session.getState();
			if (snapshot) {
				printer.snapshot(snapshot);
			}

			if (outcome?.kind === 'retrying' && outcome !== retryShown) {
				retryShown = outcome;
				printLine(stderr, `rejected: the result is invalid; retry ${outcome.attempt} of ${outcome.maxRetries} (reasons in shared/rejection.md)`);
				for (const error of outcome.errors) {
					printLine(stderr, `  ${error}`);
				}
			}
		});

		await session.start();
		// A signal that came while the workspace was opened ends it here: the tool is not launched only to be stopped.
		if (endingSignal() === undefined) {
			stopTool = (await onStarted?.(session)) ?? stopTool;
		}

		const outcome = await Promise.race([session.finished, interrupted]);
		if (outcome?.kind === 'internal-error') {
			printDebugStack(stderr, outcome.stack);
		}

		return interruptedBy(summarize(outcome, workspace, session.manifest.task), endingSignal());
	} finally {
		stopTool();
		await session.close();
	}
}

/** With HANDOFF_DEBUG=1, the stack of an internal error; otherwise nothing, since a stack trace tells a person nothing. */
export function printDebugStack(stderr: NodeJS.WritableStream, stack: string | undefined): void {
	if (stack !== undefined && debugEnabled()) {
		printLine(stderr, stack, {multiline: true});
	}
}

/** The summary of a watch that an error stopped before the hand-off had an outcome: the workspace was invalid or unwritable, or handoff has a bug. */
export function stoppedByError(error: unknown, workspace: string, stderr: NodeJS.WritableStream): Summary {
	printDebugStack(stderr, errorStack(error));
	return errorSummary(error, workspace, path.basename(workspace));
}

/** `handoff wait <workspace>`: the headless watch. */
export async function waitCommand(context: CommandContext<WatchFlags>): Promise<number> {
	const [workspaceArgument] = context.input;
	if (workspaceArgument === undefined) {
		throw usageError('Usage: handoff wait <workspace>');
	}

	const workspace = path.resolve(context.cwd, workspaceArgument);
	// --launch is checked (tool, PATH, version) before the session opens, so a refusal leaves the workspace untouched.
	const launch = context.flags.launch ? await checkLaunch(context.flags.tool, context.environment) : undefined;
	// Every end has its summary, an error before or during the watch included: a producer reading --json must never get nothing.
	const summary = await runHeadless(workspace, sessionOptions(context.flags, context.cwd), context.stderr, {onStarted: launch && (async session => launchInto(session, launch, context.environment))})
		.catch((error: unknown) => stoppedByError(error, workspace, context.stderr));
	for (const line of summaryLines(summary)) {
		printLine(context.stderr, line);
	}

	if (context.flags.json) {
		printJson(context.stdout, summary);
	}

	return summary.exit_code;
}
