import {HandoffError, exitCode, type ExitCode} from '../core/errors.js';
import {safeText, type SafeTextOptions} from '../terminal/safe-text.js';

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

/** Every line a command prints goes through safeText: its words may quote the workspace. `--json` is the way to the exact text. */
export function printLine(stream: NodeJS.WritableStream, line = '', options: SafeTextOptions = {}): void {
	stream.write(`${safeText(line, options)}\n`);
}

/** Characters JSON.stringify leaves raw that a terminal acts on (DEL, 8-bit C1 controls such as CSI \u009b) or that reorder text (bidi controls). */
const jsonUnsafe = /[\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;

/** Exact values for programs, safe on a terminal: outside strings JSON is ASCII, so escaping these as \\uXXXX changes no parsed value. */
export function printJson(stream: NodeJS.WritableStream, value: unknown): void {
	const json = JSON.stringify(value, null, 2).replaceAll(jsonUnsafe, character => `\\u${character.codePointAt(0)!.toString(16).padStart(4, '0')}`);
	stream.write(`${json}\n`);
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
