import path from 'node:path';
import type {AnswerRefusal, ResultView, StageLine} from '../app.js';
import {finishInterruptedArchive} from '../core/archive.js';
import {isArchiveFolder} from '../core/archive-record.js';
import {abortingSignal, describeError, errorStack, type EndingSignal} from '../core/errors.js';
import {cliCommand} from '../core/instructions.js';
import {mcpRegistration} from '../core/mcp-setup.js';
import {layout} from '../core/paths.js';
import {checkAnswer} from '../core/questions.js';
import {readRegularFile} from '../core/safe-io.js';
import {checkJson, startValidationWorker} from '../core/validation.js';
import {buildPrompt, isPromptTool, promptTools, type PromptTool} from '../core/prompt.js';
import {HandoffSession} from '../core/session.js';
import type {Outcome} from '../core/snapshot.js';
import {interruptedBy, summarize, summaryLines, type ResumeHint, type Summary} from '../core/summary.js';
import {checkWorkspace} from '../core/workspace.js';
import {copyText, savePromptOnly} from '../terminal/clipboard.js';
import {notify, QuestionAnnouncer, type Notification} from '../terminal/notify.js';
import {enterAlternateScreen, installRestoreHandlers} from '../terminal/screen.js';
import {chooseTerminal} from '../terminal/tty.js';
import {withoutFetch} from '../terminal/without-fetch.js';
import type {Intent} from '../ui/intents.js';
import type {WatchScreen, WatchScreenProps} from '../ui/watch-screen.js';
import {printJson, printLine, usageError, type CommandContext} from './io.js';
import {launchInto, type LaunchRequest} from './launch.js';
import {printDebugStack, runHeadless, sessionOptions, stoppedByError, type WatchFlags} from './wait.js';

export type ScreenFlags = WatchFlags & {
	launch?: boolean;
	clipboard: boolean;
	stay: boolean;
	/** A desktop notification (OSC 9/777, notify-send) besides the bell; --no-notify turns it off. */
	notify?: boolean;
	/** The prompt variant. */
	tool?: string;
	/** The prompt says to use handoff's MCP tools, and how to register the server (--mcp). */
	mcp?: boolean;
};

/** With --mcp: the prompt names the MCP tools and the one-line registration for the --tool (a launched tool gets the server for its run instead). */
function mcpPrompt(mcp: boolean | undefined, tool: PromptTool): {mcp?: boolean; registration?: string} {
	return mcp ? {mcp, registration: mcpRegistration(tool, cliCommand())} : {};
}

export function promptTool(value: string | undefined): PromptTool {
	if (value === undefined) {
		return 'generic';
	}

	if (!isPromptTool(value)) {
		throw usageError(`--tool must be one of ${promptTools.join(', ')}`);
	}

	return value;
}

/** How much of the end of progress.txt the screen reads when it opens: the 2000 lines it keeps, at 128 bytes a line, read at once even from a 1 GB log. */
const screenProgressBytes = 256 * 1024;

/** How long the finished screen stays up before it closes by itself (any key closes it sooner). */
const completeLingerMs = 1500;

/**
Opens the full-screen app on a workspace until the hand-off settles or the person quits. Decides where to draw before anything renders: the terminal on stdout, /dev/tty when stdout is captured, or the plain line mode when there is no terminal at all.
*/
export type ShowOptions = {
	copyPrompt: boolean;
	/** A tool to start on the prompt (--launch), already checked. */
	launch?: LaunchRequest;
	/** Leave the JSON summary to the caller (a pipeline prints one for the whole run). */
	quiet?: boolean;
	/** The pipeline's stages, shown above the panes. */
	stages?: StageLine[];
	/** Ends the watch, as a signal would, when aborted with the signal's name (a pipeline run that is ending). */
	abort?: AbortSignal;
	/** What a quit suggests running next (default: watch this workspace again); null when the caller prints its own. */
	resumeHint?: ResumeHint | null;
};

export async function showHandoff(workspace: string, context: CommandContext<ScreenFlags>, options: ShowOptions): Promise<number> {
	const finish = (summary: Summary): number => {
		for (const line of summaryLines(summary, options.resumeHint)) {
			printLine(context.stderr, line);
		}

		if (!options.quiet && (context.flags.json || !(context.stdout as NodeJS.WriteStream).isTTY)) {
			printJson(context.stdout, summary);
		}

		return summary.exit_code;
	};

	// Every end has its summary, an error before, during or after the screen included (the screen is restored by then).
	return finish(await watchToSummary(workspace, context, options).catch((error: unknown) => stoppedByError(error, workspace, context.stderr)));
}

async function watchToSummary(workspace: string, context: CommandContext<ScreenFlags>, options: ShowOptions): Promise<Summary> {
	const {flags} = context;
	const tool = promptTool(flags.tool);
	const launch = async (session: HandoffSession): Promise<() => void> => options.launch ? launchInto(session, options.launch, context.environment) : () => undefined;
	const archived = await finishInterruptedArchive(workspace);
	if (archived !== undefined) {
		return summarize({kind: 'complete', archivePath: archived, resultPath: archived}, workspace, path.basename(workspace));
	}

	const terminal = chooseTerminal({stdin: process.stdin, stdout: process.stdout, env: context.environment});
	// The screen's code (Ink and React, most of start-up) loads while the workspace is opened.
	const loadScreen = async (): Promise<typeof import('../ui/watch-screen.js')> => withoutFetch(async () => import('../ui/watch-screen.js'));
	const screenCode = terminal.kind === 'none' ? undefined : loadScreen();
	// Awaited where the screen is drawn.
	screenCode?.catch(() => undefined);
	let session: HandoffSession;
	try {
		// Everything that can be wrong with the workspace is reported here, before the screen opens (exit 2).
		// The screen keeps the last lines only: a long progress.txt opens at its end.
		session = await HandoffSession.open(checkWorkspace(workspace), {...sessionOptions(flags, context.cwd), progressTailBytes: screenProgressBytes});
	} catch (error) {
		if (terminal.kind !== 'none') {
			terminal.close?.();
		}

		throw error;
	}

	// The prompt is always saved to input/prompt.txt, copied or not (--no-clipboard, watch, a resumed pipeline stage): the person can always find it.
	const promptFile = path.join(workspace, layout.input, 'prompt.txt');
	const copying = flags.clipboard && options.copyPrompt;
	if (terminal.kind === 'none') {
		const announce = async (): Promise<void> => {
			printLine(context.stderr, 'handoff: no terminal; following the hand-off as plain lines');
			if (options.copyPrompt) {
				printLine(context.stderr, `handoff: paste this into your LLM CLI:\n${buildPrompt({workspace, tool, ...mcpPrompt(flags.mcp, tool)})}`, {multiline: true});
			}

			printLine(context.stderr, `handoff: ${(await savePromptOnly(buildPrompt({workspace, tool, ...mcpPrompt(flags.mcp, tool)}), promptFile)).detail}`);
		};

		return runHeadless(workspace, sessionOptions(flags, context.cwd), context.stderr, {opened: session, onStarted: launch, abort: options.abort, announce});
	}

	const copyPrompt = async (text: string): Promise<string> => {
		const result = await copyText(text, {stream: terminal.stdout, env: context.environment, promptFile});
		return result.detail;
	};

	const {registration} = mcpPrompt(flags.mcp, tool);
	// With --mcp and a prompt to paste, the screen also says how to register the server: the person does that before starting the tool.
	const withRegistration = (notice: string | undefined): string | undefined => (registration && options.copyPrompt ? [`Register handoff's MCP server once: ${registration}`, notice].filter(Boolean).join(' · ') : notice);
	const savePrompt = async (text: string): Promise<string> => {
		const result = await savePromptOnly(text, promptFile);
		return result.method === 'file' ? `${result.detail}; c copies it` : result.detail;
	};

	let promptNotice = withRegistration(await (copying ? copyPrompt : savePrompt)(buildPrompt({workspace, tool, ...mcpPrompt(flags.mcp, tool)})));
	let quit!: () => void;
	const quitting = new Promise<undefined>(resolve => {
		quit = () => resolve(undefined);
	});
	// A signal (or the pipeline ending) ends the screen like q, in order: restored, hold released, summary printed, exit 128 + the signal's number.
	let endingSignal: EndingSignal | undefined;
	const stopWith = (signal: EndingSignal): void => {
		endingSignal ??= signal;
		quit();
	};

	const onAbort = (): void => {
		stopWith(abortingSignal(options.abort!));
	};

	let screen: WatchScreen | undefined;
	const restore = enterAlternateScreen(terminal.stdout, terminal.stdin);
	const uninstall = installRestoreHandlers(restore, {
		onSignal: stopWith,
		onResume() {
			screen?.redrawAll();
		},
	});
	options.abort?.addEventListener('abort', onAbort);
	if (options.abort?.aborted) {
		onAbort();
	}

	// Started once a signal ends the screen in order (it takes the hold), and before the screen's code has finished loading, so that its first reads overlap that; awaited where the screen is drawn, inside the try that restores the terminal.
	const starting = session.start();
	starting.catch(() => undefined);
	const notifyPerson = (notification: Notification): void => {
		if (flags.notify !== false) {
			notify(notification, {stream: terminal.stdout, env: context.environment});
		}
	};

	const announcer = new QuestionAnnouncer(notifyPerson, session.manifest.task);
	const showNotice = (notice: string): void => {
		promptNotice = notice;
		screen?.update(view());
	};

	// Feedback for the footer: a new seq each time, so the same words said twice show twice.
	let message: {text: string; tone: 'info' | 'warning' | 'error'; seq: number} | undefined;
	const say = (text: string, tone: 'info' | 'warning' | 'error' = 'info'): void => {
		message = {text, tone, seq: (message?.seq ?? 0) + 1};
		screen?.update(view());
	};

	const prompt = {text: buildPrompt({workspace, tool}), file: promptFile};
	// The validated result, shown once the hand-off is complete (read from the archive, pretty-printed and cut like a partial result).
	let result: ResultView | undefined;
	const showResult = async (resultPath: string): Promise<void> => {
		const data = await readRegularFile(resultPath, {name: path.relative(path.dirname(workspace), resultPath)});
		const formatted = data === undefined ? undefined : (await checkJson(data, {name: resultPath, format: true})).formatted;
		if (formatted) {
			result = {file: path.relative(context.cwd, resultPath) || resultPath, ...formatted};
			screen?.update(view());
		}
	};

	// What an intent could not do is said on screen: the workspace may be gone, read-only or a link by now, and the app must stay up.
	const reportFailure = (what: string) => (error: unknown): void => {
		showNotice(`${what}: ${describeError(error, workspace)}`);
	};

	// A refused answer goes back to the answer line where it was typed, with the reason; the app keeps the draft.
	let answerRefusal: AnswerRefusal | undefined;
	const refuseAnswer = (id: string, answer: string, error: string): void => {
		answerRefusal = {id, answer, error, seq: (answerRefusal?.seq ?? 0) + 1};
		screen?.update(view());
	};

	/** Checks the answer against its question (option range, strict, schema) before saving it; the save itself may still be refused (already answered, the file unwritable). */
	const saveAnswer = async (id: string, answer: string): Promise<void> => {
		const question = session.getState().snapshot?.questions.find(candidate => candidate.id === id);
		// Literal: the app sends the text of the option shown, which must not be read again as an option number.
		const checked = question ? await checkAnswer(question, answer, {literal: true}) : undefined;
		if (checked && 'error' in checked) {
			refuseAnswer(id, answer, checked.error);
			return;
		}

		await session.answer(id, answer, {literal: true});
	};

	const onIntent = (intent: Intent): void => {
		switch (intent.type) {
			case 'answer': {
				saveAnswer(intent.id, intent.answer).catch((error: unknown) => {
					refuseAnswer(intent.id, intent.answer, `Answer to ${intent.id} not saved: ${describeError(error, workspace)}`);
				});
				break;
			}

			case 'copy': {
				copyPrompt(buildPrompt({workspace, tool, ...mcpPrompt(flags.mcp, tool)})).then(notice => {
					showNotice(withRegistration(notice)!);
					say(`Prompt copied again: ${notice}`);
				}, (error: unknown) => {
					reportFailure('The prompt was not copied')(error);
					say(`The prompt was not copied: ${describeError(error, workspace)}`, 'error');
				});
				break;
			}

			case 'cancel': {
				session.cancel().catch(reportFailure('Cancel failed'));
				break;
			}

			case 'bell': {
				terminal.stdout.write('\u0007');
				break;
			}

			case 'quit': {
				quit();
				break;
			}

			case 'suspend': {
				// Raw mode keeps Ctrl+Z from reaching the terminal driver, so the app sends itself the signal job control would have.
				process.kill(process.pid, 'SIGTSTP');
				break;
			}
		}
	};

	// A drawing error ends the app as an internal error, not as Ink's stack-trace overview on a frozen screen.
	let drawingError: {error: unknown} | undefined;
	const onCrash = (error: unknown): void => {
		drawingError = {error};
		quit();
	};

	const view = (): WatchScreenProps => ({source: session, promptNotice, prompt, result, message, stages: options.stages, answerRefusal, onIntent, onCrash});
	let outcome: Outcome | undefined;
	let stopTool = (): void => undefined;
	try {
		await starting;
		// A signal that came while the session started ends the screen at once: the tool is not launched only to be stopped.
		if (endingSignal === undefined) {
			stopTool = await launch(session);
		}

		screen = (await (screenCode ?? loadScreen())).drawWatchScreen(view(), {stdin: terminal.stdin, terminal: terminal.stdout});
		// Only after the first frame, which the screen writes in the next turn of the event loop: its start (a second Node thread, about 100 ms of a core) would delay that frame on a two-core machine. A partial result or a result in the next two seconds then finds it running; after that it ends when idle (validation.ts), and a later check starts it again.
		setImmediate(startValidationWorker);
		// A question nobody was told of yet gets a notification, as it gets the bell.
		const notified = new Set<string>();
		session.subscribe(() => {
			const fresh = session.getState().snapshot?.questions.filter(question => !question.answer && !notified.has(question.id)) ?? [];
			for (const question of fresh) {
				notified.add(question.id);
			}

			announcer.add(fresh.map(question => question.text));
		});
		// A rejected result gets a fix-up prompt on the clipboard, once per rejection.
		let lastRetry: Outcome | undefined;
		session.subscribe(() => {
			const current = session.getState().outcome;
			if (current?.kind === 'retrying' && current !== lastRetry) {
				lastRetry = current;
				(flags.clipboard ? copyPrompt : savePrompt)(buildPrompt({workspace, tool, retry: {errorsFile: layout.rejection}})).then(notice => {
					showNotice(`Fix-up prompt: ${notice}`);
					say(`Result rejected; fix-up prompt: ${notice}`, 'warning');
				}, reportFailure('The fix-up prompt was not copied'));
			}
		});
		outcome = await Promise.race([session.finished, quitting]);
		const ending = outcome && endingNotification(outcome, session.manifest.task);
		if (ending) {
			notifyPerson(ending);
		}

		if (outcome?.kind === 'complete') {
			showResult(outcome.resultPath).catch(reportFailure('The result could not be shown'));
		}

		if (outcome && outcome.kind !== 'canceled' && !drawingError) {
			// Let the person see the final screen: briefly on success, until a key otherwise or with --stay.
			await (outcome.kind === 'complete' && !flags.stay ? Promise.race([delay(completeLingerMs), quitting]) : quitting);
		}
	} finally {
		announcer.close();
		stopTool();
		screen?.unmount();
		restore();
		uninstall();
		options.abort?.removeEventListener('abort', onAbort);
		await session.close();
		terminal.close?.();
	}

	if (drawingError) {
		const message = `${describeError(drawingError.error)} (while drawing the screen)`;
		// A hand-off that had already ended keeps its outcome (its record may be archived); the broken screen is still said.
		if (outcome === undefined) {
			outcome = {kind: 'internal-error', errors: [message], stack: errorStack(drawingError.error)};
		} else {
			printLine(context.stderr, `handoff: ${message}; this is a bug in handoff`);
		}
	}

	if (outcome?.kind === 'internal-error') {
		// After the screen is restored, or it would vanish with it.
		printDebugStack(context.stderr, outcome.stack);
	}

	return interruptedBy(summarize(outcome, workspace, session.manifest.task), endingSignal);
}

/** The notification for the end of a hand-off; none for a cancel, which the person did themselves. */
function endingNotification(outcome: Outcome, task: string): Notification | undefined {
	switch (outcome.kind) {
		case 'complete': {
			return {title: 'handoff: complete', body: `${task}: the result is valid and archived`};
		}

		case 'failed':
		case 'timed-out':
		case 'internal-error': {
			const word = outcome.kind === 'failed' ? 'failed' : outcome.kind === 'timed-out' ? 'timed out' : 'stopped by an error';
			return {title: `handoff: ${word}`, body: `${task}${outcome.errors[0] ? `: ${outcome.errors[0]}` : ''}`};
		}

		default: {
			return undefined;
		}
	}
}

async function delay(milliseconds: number): Promise<void> {
	await new Promise(resolve => {
		setTimeout(resolve, milliseconds);
	});
}

/** `handoff watch <workspace>`. */
export async function watchCommand(context: CommandContext<ScreenFlags>): Promise<number> {
	const [workspace] = context.input;
	if (workspace === undefined) {
		throw usageError('Usage: handoff watch <workspace>');
	}

	const target = path.resolve(context.cwd, workspace);
	// An archive is shown read only: watching it as a workspace would rewrite its status and metadata.
	if (await isArchiveFolder(target)) {
		return (await import('./show-archive.js')).showArchive(target, context);
	}

	return showHandoff(target, context, {copyPrompt: false});
}
