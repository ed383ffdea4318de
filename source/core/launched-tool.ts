import {spawn} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import stripAnsi from 'strip-ansi';
import {createEventReader, executionToolName} from './agent-events.js';
import {readCodexModel} from './codex-rollout.js';
import {HandoffError, exitCode} from './errors.js';
import {launchMatrix, type LaunchPlan, type LaunchTool} from './launch-matrix.js';
import {writeFileAtomic} from './safe-io.js';

/** How long `<tool> --version` may take: some start a whole JavaScript runtime first. */
const versionTimeoutMs = 10_000;
/** How many of its last stderr lines are kept for the message when a tool ends early, and how long each may be. */
const stderrTailLines = 5;
const stderrLineLength = 300;
/** How long a stopped tool has to end after SIGTERM before it gets SIGKILL. */
const killGraceMs = 2000;
/** How often the model of a Codex session is looked for in its session file (once per stream line, one at a time). */
const codexModelLookups = 20;
/** `--version` prints a line; more than this is not a version. */
const versionOutputLimit = 64 * 1024;

/** A stderr line as it may go into .error and a summary: no escape sequences or control characters, and cut short. */
function plainLine(line: string): string {
	const plain = stripAnsi(line).replaceAll(/[\u0000-\u001F\u007F-\u009F]/g, ' ').trim();
	return plain.length > stderrLineLength ? `${plain.slice(0, stderrLineLength)}…` : plain;
}

/** How a launched consumer ended, for HandoffSession.consumerExited. */
export type ConsumerExit = {
	tool: LaunchTool;
	/** The value the launched tool's HANDOFF_TOOL had, so its own claim is told from another consumer's. */
	claimTool: string;
	code: number | null;
	signal: NodeJS.Signals | null;
	/** Set when it could not be started at all. */
	startError?: string;
	stderrTail: string[];
};

/** The sentence the session and the screen show when a launched consumer ended before the hand-off was done. */
export function describeExit(exit: ConsumerExit, when = 'before the hand-off was done'): string {
	const how = exit.startError
		? `could not be started (${exit.startError})`
		: exit.signal
			? `was stopped by ${exit.signal}`
			: `exited with code ${exit.code}`;
	const tail = exit.stderrTail.length > 0 ? `; stderr tail: ${exit.stderrTail.join(' | ')}` : '';
	return `the launched consumer (${launchMatrix[exit.tool].binary}) ${how} ${when}${tail}`;
}

/** Runs `binary --version` (stdin closed, with a time limit) and returns what it printed. */
export async function readToolVersion(binary: string, environment: NodeJS.ProcessEnv): Promise<string> {
	return new Promise((resolve, reject) => {
		const child = spawn(binary, ['--version'], {env: environment, stdio: ['ignore', 'pipe', 'pipe'], timeout: versionTimeoutMs});
		let output = '';
		const collect = (chunk: Buffer): void => {
			if (output.length < versionOutputLimit) {
				output += chunk.toString('utf8');
			}
		};

		child.stdout.on('data', collect);
		child.stderr.on('data', collect);
		child.on('error', error => {
			reject(new HandoffError(`--launch: cannot run \`${binary} --version\`: ${error.message}`, exitCode.usage));
		});
		child.on('close', (code, signal) => {
			if (signal) {
				reject(new HandoffError(`--launch: \`${binary} --version\` did not answer within ${versionTimeoutMs / 1000} s`, exitCode.usage));
			} else if (code === 0) {
				resolve(output);
			} else {
				reject(new HandoffError(`--launch: \`${binary} --version\` failed with code ${code}: ${output.trim().split('\n').slice(-2).join(' ')}`, exitCode.usage));
			}
		});
	});
}

/** What the launcher needs from a session: a place to show lines, to keep execution details, and to hear that the tool ended. */
export type LaunchTarget = {
	addOutput(lines: Array<{message: string; source?: string}>): void;
	recordExecution(execution: Record<string, unknown>): void;
	consumerExited(exit: ConsumerExit): Promise<void>;
	/** The tool is running; `exited` resolves once its process and output have ended (before consumerExited is called). */
	toolStarted(exited: Promise<void>): void;
};

export type LaunchedTool = {
	/** Stops the tool and everything it started; what it does after this is no longer reported. */
	stop: () => void;
	/** Resolves when the tool has ended and the session has been told. */
	ended: Promise<void>;
};

/**
Starts a planned tool in the workspace with stdin closed. Its stream becomes readable lines (and execution details); its stderr is shown and its last lines kept; when it ends on its own the session is told, which decides whether that fails the hand-off.
*/
export async function startLaunchedTool(plan: LaunchPlan, target: LaunchTarget, environment: NodeJS.ProcessEnv): Promise<LaunchedTool> {
	if (plan.promptFile) {
		await writeFileAtomic(plan.promptFile, `${plan.prompt}\n`);
	}

	const source = plan.binary;
	const claimTool = plan.tool;
	const toolEnvironment = {...environment, ...plan.environment, HANDOFF_TOOL: claimTool};
	// Its own process group, so stopping it also stops the shells and commands it started.
	const child = spawn(plan.binary, plan.args, {
		cwd: plan.cwd,
		env: toolEnvironment,
		stdio: ['ignore', 'pipe', 'pipe'],
		detached: true,
	});
	let stopped = false;
	const stderrTail: string[] = [];
	// A parser's complaint comes just before its usage text (Gemini CLI 0.61.0: "Unknown argument: x" then "Usage: gemini
	// ..." and 40 lines of options), which would push it out of the tail; it is kept and named first.
	let complaint: string | undefined;
	let lastLine: string | undefined;
	const show = (messages: string[]): void => {
		if (messages.length > 0) {
			target.addOutput(messages.map(message => ({message, source})));
		}
	};

	// One reader per process: some streams send text in pieces that it joins into whole lines.
	const events = plan.streamFormat ? createEventReader(plan.streamFormat, {workspace: plan.cwd}) : undefined;
	// Codex's stream never names the model; its session file does (codex-rollout.ts), once the first turn has begun.
	const codexModel = {threadId: undefined as string | undefined, found: false, looking: false, lookups: 0};
	const lookUpCodexModel = (): void => {
		if (plan.streamFormat !== 'codex-jsonl' || !codexModel.threadId || codexModel.found || codexModel.looking || codexModel.lookups >= codexModelLookups) {
			return;
		}

		codexModel.looking = true;
		codexModel.lookups++;
		readCodexModel(codexModel.threadId, toolEnvironment).then(model => {
			codexModel.looking = false;
			if (model) {
				codexModel.found = true;
				target.recordExecution({model});
			}
		}, () => {
			codexModel.looking = false;
		});
	};

	const stdoutLines = readline.createInterface({input: child.stdout});
	stdoutLines.on('line', line => {
		if (!events) {
			show([line]);
			return;
		}

		const event = events.read(line);
		show(event.lines);
		const execution = {...event.execution, ...(event.sessionId ? {session_id: event.sessionId} : {})};
		if (Object.keys(execution).length > 0) {
			target.recordExecution(execution);
		}

		codexModel.threadId ??= event.sessionId;
		lookUpCodexModel();
	});
	stdoutLines.on('close', () => {
		// Text held back for the rest of its sentence is shown when the stream ends.
		show(events?.flush() ?? []);
	});
	readline.createInterface({input: child.stderr}).on('line', line => {
		const plain = plainLine(line);
		if (plain !== '') {
			if (/^Usage: /.test(plain) && lastLine !== undefined) {
				complaint = lastLine;
			}

			lastLine = plain;
			stderrTail.push(plain);
			stderrTail.splice(0, Math.max(0, stderrTail.length - stderrTailLines));
		}

		show([line]);
	});
	// Named as the stream names it (the seed's `claude-code`), so the record does not change name halfway.
	target.recordExecution({tool: plan.streamFormat ? executionToolName(plan.streamFormat) : plan.tool, version: plan.version.text});

	let startError: string | undefined;
	target.toolStarted(new Promise<void>(resolve => {
		child.on('close', () => {
			resolve();
		});
	}));
	const ended = new Promise<void>(resolve => {
		child.on('error', error => {
			startError = error.message;
		});
		// 'close' comes after the last output line, so the stderr tail is whole.
		child.on('close', (code, signal) => {
			if (stopped) {
				resolve();
				return;
			}

			show([startError ? `could not start: ${startError}` : signal ? `stopped (${signal})` : `exited with code ${code}`]);
			const tail = complaint === undefined || stderrTail.includes(complaint) ? stderrTail : [complaint, '…', ...stderrTail];
			target.consumerExited({tool: plan.tool, claimTool, code, signal, startError, stderrTail: tail}).then(resolve, (error: unknown) => {
				show([`could not record the end of ${source}: ${(error as Error).message}`]);
				resolve();
			});
		});
	});

	return {
		stop() {
			if (stopped) {
				return;
			}

			stopped = true;
			const group = child.pid;
			if (group === undefined) {
				return;
			}

			// The whole group, even when the tool itself has already exited: a command it started may still run.
			if (signalGroup(group, 'SIGTERM')) {
				// One that ignores SIGTERM gets SIGKILL after a grace period; handoff waits at most that long for it.
				const stoppedAt = Date.now();
				const watch = setInterval(() => {
					if (!signalGroup(group, 0)) {
						clearInterval(watch);
					} else if (Date.now() - stoppedAt >= killGraceMs) {
						signalGroup(group, 'SIGKILL');
						clearInterval(watch);
					}
				}, 50);
			}
		},
		ended,
	};
}

/** Whether `name` is an executable file in a folder of PATH, as `which` finds it. */
export function isExecutableOnPath(name: string, environment: NodeJS.ProcessEnv): boolean {
	for (const directory of (environment.PATH ?? '').split(path.delimiter).filter(Boolean)) {
		const candidate = path.join(directory, name);
		try {
			fs.accessSync(candidate, fs.constants.X_OK);
			// A folder is "executable" too.
			if (fs.statSync(candidate).isFile()) {
				return true;
			}
		} catch {}
	}

	return false;
}

/** Sends `signal` to a process group; false when the group no longer exists. */
function signalGroup(group: number, signal: NodeJS.Signals | 0): boolean {
	try {
		process.kill(-group, signal);
		return true;
	} catch {
		return false;
	}
}
