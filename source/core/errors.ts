/**
The exit codes every command shares. Producers (often Python) branch on these, so they are part of the protocol.
*/
export const exitCode = {
	complete: 0,
	failed: 1,
	usage: 2,
	timedOut: 3,
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
