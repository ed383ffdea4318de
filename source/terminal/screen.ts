/** Ink 6 has no alternate-screen option, so the app enters and leaves it here, and restores the terminal on every way out. */
import {crashReport, exitCode} from '../core/errors.js';
import {safeText} from './safe-text.js';

/** Switch to the alternate screen (saving the cursor), hide the cursor. */
export const enterSequence = '\u001B[?1049h\u001B[?25l';
/**
Undo whatever a full-screen app may have left on: attributes, mouse reporting, focus events, bracketed paste; then show the cursor and return to the main screen (which restores the cursor position saved on entry).
*/
export const leaveSequence = '\u001B[0m\u001B[?1000l\u001B[?1002l\u001B[?1003l\u001B[?1006l\u001B[?1004l\u001B[?2004l\u001B[?25h\u001B[?1049l';

type KeyInput = NodeJS.ReadableStream & {isTTY?: boolean; isRaw?: boolean; setRawMode?: (mode: boolean) => unknown};

/**
Enters the alternate screen on `stream`. The returned restore() leaves it, and takes `input` (stdin, or the opened /dev/tty) out of raw mode: Node resets only its own stdin at exit, and a shell left in raw mode looks dead. restore() is idempotent and never throws, so every exit path can call it.
*/
export function enterAlternateScreen(stream: NodeJS.WritableStream, input?: KeyInput): () => void {
	stream.write(enterSequence);
	let restored = false;
	return () => {
		if (restored) {
			return;
		}

		restored = true;
		try {
			if (input?.isTTY && input.isRaw && typeof input.setRawMode === 'function') {
				input.setRawMode(false);
			}
		} catch {}

		try {
			stream.write(leaveSequence);
		} catch {}
	};
}

/** The conventional 128 + signal number, as a shell reports it. */
const signalExitCodes = {SIGINT: 130, SIGTERM: 143, SIGHUP: 129} as const;
type HandledSignal = keyof typeof signalExitCodes;

/**
Runs restore() when the process exits, on SIGINT/SIGTERM/SIGHUP (then exits 130/143/129), and on an uncaught exception or unhandled rejection (then prints the error on the restored screen, one line unless HANDOFF_DEBUG=1, and exits 70, the internal-error code). Returns a function that removes every handler.
*/
export function installRestoreHandlers(restore: () => void): () => void {
	const onExit = (): void => {
		restore();
	};

	const onSignal = (signal: HandledSignal): void => {
		restore();
		process.exit(signalExitCodes[signal]);
	};

	const onCrash = (error: unknown): void => {
		restore();
		// Printed after restore(), so it lands in the main screen's scrollback instead of vanishing with the alternate screen.
		// The message may quote the workspace; a stack trace (HANDOFF_DEBUG=1) is several lines.
		process.stderr.write(`${safeText(crashReport(error), {multiline: true})}\n`);
		process.exit(exitCode.internal);
	};

	const signals = Object.keys(signalExitCodes) as HandledSignal[];
	process.on('exit', onExit);
	for (const signal of signals) {
		process.on(signal, onSignal);
	}

	// First in line, so the terminal is restored before anything (cli.tsx's own last-resort handler) prints and exits.
	process.prependListener('uncaughtException', onCrash);
	process.prependListener('unhandledRejection', onCrash);
	return () => {
		process.off('exit', onExit);
		for (const signal of signals) {
			process.off(signal, onSignal);
		}

		process.off('uncaughtException', onCrash);
		process.off('unhandledRejection', onCrash);
	};
}
