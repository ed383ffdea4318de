import {HandoffError, exitCode, type ExitCode} from '../core/errors.js';

/** What every command receives from cli.tsx: its words, the parsed flags, and where to write. */
export type CommandContext<Flags> = {
	input: string[];
	flags: Flags;
	stdout: NodeJS.WritableStream;
	stderr: NodeJS.WritableStream;
	environment: NodeJS.ProcessEnv;
	cwd: string;
};

export function usageError(message: string): HandoffError {
	return new HandoffError(message, exitCode.usage);
}

export function printLine(stream: NodeJS.WritableStream, line = ''): void {
	stream.write(`${line}\n`);
}

export function printJson(stream: NodeJS.WritableStream, value: unknown): void {
	stream.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Parses a whole number of seconds (fractions allowed) from a flag, for messages that name the flag. */
export function positiveNumber(value: number | undefined, flag: string): number | undefined {
	if (value === undefined) {
		return undefined;
	}

	if (!Number.isFinite(value) || value <= 0) {
		throw usageError(`--${flag} must be a positive number`);
	}

	return value;
}

export type CommandResult = ExitCode;
