/**
The exit codes every command shares. Producers (often Python) branch on these, so they are part of the protocol.
*/
export const exitCode = {
	complete: 0,
	failed: 1,
	usage: 2,
	timedOut: 3,
	/** A bug in handoff itself (BSD's EX_SOFTWARE), never a verdict on the hand-off: distinct from `failed` so a producer does not blame the consumer. */
	internal: 70,
	/** Still waiting: the question is open, run the same command again (sysexits' EX_TEMPFAIL). `await` and `ask --wait` end so before an agent's shell time limit would kill them. */
	stillOpen: 75,
	interrupted: 130,
	hangUp: 129,
	terminated: 143,
} as const;

/**
A signal ends every command with 128 + its number, as a shell reports it: SIGINT 130 (also the code for quitting with q or canceling), SIGHUP 129, SIGTERM 143.
*/
export const signalExitCode = {SIGINT: exitCode.interrupted, SIGHUP: exitCode.hangUp, SIGTERM: exitCode.terminated} as const;
export type EndingSignal = keyof typeof signalExitCode;
export const endingSignals = Object.keys(signalExitCode) as EndingSignal[];

export function isEndingSignal(value: unknown): value is EndingSignal {
	return typeof value === 'string' && Object.hasOwn(signalExitCode, value);
}

/** The signal an AbortSignal was aborted with; an abort without one counts as SIGINT. */
export function abortingSignal(abort: AbortSignal): EndingSignal {
	return isEndingSignal(abort.reason) ? abort.reason : 'SIGINT';
}

export type ExitCode = (typeof exitCode)[keyof typeof exitCode];

/**
An error meant for the person or program on the other side: it names the file and the problem, and carries the exit code to leave with.
*/
export class HandoffError extends Error {
	override readonly name = 'HandoffError';

	constructor(
		message: string,
		readonly code: ExitCode = exitCode.usage,
		/** The file the problem is in, relative to the workspace when possible. */
		readonly file?: string,
	) {
		super(file ? `${file}: ${message}` : message);
	}
}

export function isErrnoException(error: unknown): error is NodeJS.ErrnoException {
	return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string';
}

export function errnoCode(error: unknown): string | undefined {
	return isErrnoException(error) ? error.code : undefined;
}

/**
Whether an error is one handoff expects to meet (a refusal of ours, or the operating system refusing a file operation) rather than a bug. Expected errors end a command with a message; anything else is an internal error.
*/
export function isExpectedError(error: unknown): boolean {
	return error instanceof HandoffError || (isErrnoException(error) && /^E[A-Z\d]+$/.test(error.code ?? ''));
}

/** A `.catch` for writes that only tidy up or inform: a file system refusal (or ours) is no reason to fail; a bug still is. */
export function ignoreExpected(error: unknown): void {
	if (!isExpectedError(error)) {
		throw error;
	}
}

/**
One line for a person: a HandoffError's own message; a file system error as `<file>: <what went wrong> (<CODE>, <call>)`, the file relative to `base` when inside it; anything else as an internal error naming it. Never a stack trace.
*/
export function describeError(error: unknown, base?: string): string {
	if (error instanceof HandoffError) {
		return error.message;
	}

	if (isExpectedError(error)) {
		const file = (error as NodeJS.ErrnoException).path;
		return `${file === undefined ? '' : `${relativeTo(base, writtenName(file))}: `}${systemReason(error as NodeJS.ErrnoException)}`;
	}

	return `internal error: ${errorName(error)}`;
}

/** What the system said, without the path: `read-only file system (EROFS, open)`. */
function systemReason(error: NodeJS.ErrnoException): string {
	// Node's message is `CODE: description, call 'path'`; the description is the readable part.
	const description = /^[A-Z\d]+: ([^,]+)/.exec(error.message)?.[1] ?? error.message;
	return `${description} (${[error.code, error.syscall].filter(Boolean).join(', ')})`;
}

/** A file system error met reading one of the other side's files, as our own refusal naming that file: reported as a problem with the file, like a symlink or a FIFO there, rather than ending the watch. Other errors are returned as they are. */
export function asFileProblem(error: unknown, name: string): unknown {
	if (error instanceof HandoffError || !isExpectedError(error)) {
		return error;
	}

	return new HandoffError(`cannot be read: ${systemReason(error as NodeJS.ErrnoException)}`, exitCode.failed, name);
}

/** The exit code an error ends a command with: a HandoffError's own, `failed` for a file system error, `internal` for anything else. */
export function exitCodeForError(error: unknown): ExitCode {
	if (error instanceof HandoffError) {
		return error.code;
	}

	return isExpectedError(error) ? exitCode.failed : exitCode.internal;
}

/** Whether HANDOFF_DEBUG asks for stack traces (only then does one reach the terminal). */
export function debugEnabled(environment: NodeJS.ProcessEnv = process.env): boolean {
	return environment.HANDOFF_DEBUG === '1';
}

/** The stack of an error, for HANDOFF_DEBUG=1. */
export function errorStack(error: unknown): string | undefined {
	return error instanceof Error ? error.stack : undefined;
}

function errorName(error: unknown): string {
	if (error instanceof Error) {
		// The first line only: a message may carry a whole dump.
		return `${error.name}: ${error.message.split('\n')[0]}`;
	}

	try {
		return String(error).split('\n')[0]!;
	} catch {
		// A thrown object whose conversion to text throws too.
		return 'an unprintable value was thrown';
	}
}

/** The file a temp file of an atomic write (`.<name>.<pid>.<random>.tmp`, see safe-io) stands for: a person knows that name. */
function writtenName(file: string): string {
	return file.replace(/(^|\/)\.([^/]+)\.\d+\.[\da-f]{8}\.tmp$/, '$1$2');
}

function relativeTo(base: string | undefined, file: string): string {
	if (base === undefined || !file.startsWith(`${base}/`)) {
		return file;
	}

	return file.slice(base.length + 1);
}

/**
What a crash prints (an error nothing caught: a bug in handoff): one line naming it, and its stack only with HANDOFF_DEBUG=1. The process then exits with `exitCode.internal`.
*/
export function crashReport(error: unknown, environment: NodeJS.ProcessEnv = process.env): string {
	const stack = debugEnabled(environment) ? errorStack(error) : undefined;
	const what = isExpectedError(error) ? `internal error: ${describeError(error)}` : describeError(error);
	const line = `handoff: ${what}; this is a bug in handoff${stack ? '' : ' (HANDOFF_DEBUG=1 shows where)'}`;
	return stack ? `${line}\n${stack}` : line;
}
