/**
The exit codes every command shares. Producers (often Python) branch on these, so they are part of the protocol.
*/
export const exitCode = {
	complete: 0,
	failed: 1,
	usage: 2,
	timedOut: 3,
	interrupted: 130,
} as const;

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
