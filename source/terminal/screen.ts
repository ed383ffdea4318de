/** Ink 6 has no alternate-screen option, so the app enters and leaves it here, and restores the terminal on every way out. */
import {crashReport, endingSignals, exitCode, signalExitCode, type EndingSignal} from '../core/errors.js';
import {safeText} from './safe-text.js';

/** Switch to the alternate screen (saving the cursor), hide the cursor, autowrap off (a row drawn too wide is cut at the edge, never spilled into the next; see screen-writer.ts). */
export const enterSequence = '\u001B[?1049h\u001B[?25l\u001B[?7l';
/** Back to the alternate screen after a suspend, and home: the app draws from the top of the (cleared) alternate screen, wherever the shell left the cursor. */
export const reenterSequence = `${enterSequence}\u001B[H`;
/**
Undo whatever a full-screen app may have left on: attributes, mouse reporting, focus events, bracketed paste; then autowrap and the cursor back on, and return to the main screen (which restores the cursor position saved on entry).
*/
export const leaveSequence = '\u001B[0m\u001B[?1000l\u001B[?1002l\u001B[?1003l\u001B[?1006l\u001B[?1004l\u001B[?2004l\u001B[?7h\u001B[?25h\u001B[?1049l';

type KeyInput = NodeJS.ReadableStream & {isTTY?: boolean; isRaw?: boolean; setRawMode?: (mode: boolean) => unknown};

/** What enterAlternateScreen returns: call it to leave for good; suspend() and resume() leave for a while (Ctrl+Z, then fg) and come back. */
export type AlternateScreen = (() => void) & {suspend(): void; resume(): void};

/**
Enters the alternate screen on `stream`. Calling the result leaves it for good and takes `input` (stdin, or the opened /dev/tty) out of raw mode: Node resets only its own stdin at exit, and a shell left in raw mode looks dead. It is idempotent and never throws, so every exit path can call it. suspend() leaves the same way but remembers raw mode, which resume() turns back on after entering again.
*/
export function enterAlternateScreen(stream: NodeJS.WritableStream, input?: KeyInput): AlternateScreen {
	stream.write(enterSequence);
	let restored = false;
	let suspended = false;
	let rawBeforeSuspend = false;
	const leave = (): void => {
		try {
			if (input?.isTTY && input.isRaw && typeof input.setRawMode === 'function') {
				input.setRawMode(false);
			}
		} catch {}

		try {
			stream.write(leaveSequence);
		} catch {}
	};

	const restore = (): void => {
		if (restored) {
			return;
		}

		restored = true;
		if (!suspended) {
			leave();
		}
	};

	return Object.assign(restore, {
		suspend(): void {
			if (restored || suspended) {
				return;
			}

			suspended = true;
			rawBeforeSuspend = Boolean(input?.isTTY && input.isRaw);
			leave();
		},
		resume(): void {
			if (restored || !suspended) {
				return;
			}

			suspended = false;
			try {
				stream.write(reenterSequence);
			} catch {}

			try {
				if (rawBeforeSuspend) {
					input?.setRawMode?.(true);
				}
			} catch {}
		},
	});
}

export type RestoreHandlerOptions = {
	/**
	Called on the first SIGINT, SIGTERM or SIGHUP instead of exiting, so the caller can end in order (and exit 128 + the signal's number, see signalExitCode). A second signal restores and exits at once.
	*/
	onSignal?: (signal: EndingSignal) => void;
	/** Called after SIGCONT has brought the screen back: the caller redraws everything (the alternate screen came back empty). */
	onResume?: () => void;
};

/**
Runs restore() when the process exits, on SIGINT/SIGTERM/SIGHUP (then exits 130/143/129, unless options.onSignal takes it), and on an uncaught exception or unhandled rejection (then prints the error on the restored screen, one line unless HANDOFF_DEBUG=1, and exits 70, the internal-error code). Given a suspendable screen, SIGTSTP (Ctrl+Z) leaves it and stops the process, and SIGCONT (fg) comes back to it. Returns a function that removes every handler.
*/
export function installRestoreHandlers(restore: (() => void) | AlternateScreen, options: RestoreHandlerOptions = {}): () => void {
	const onExit = (): void => {
		restore();
	};

	let signalled = false;
	const onSignal = (signal: EndingSignal): void => {
		if (options.onSignal && !signalled) {
			signalled = true;
			options.onSignal(signal);
			return;
		}

		restore();
		process.exit(signalExitCode[signal]);
	};

	const onCrash = (error: unknown): void => {
		restore();
		// Printed after restore(), so it lands in the main screen's scrollback instead of vanishing with the alternate screen.
		// The message may quote the workspace; a stack trace (HANDOFF_DEBUG=1) is several lines.
		process.stderr.write(`${safeText(crashReport(error), {multiline: true})}\n`);
		process.exit(exitCode.internal);
	};

	const screen = 'suspend' in restore && process.platform !== 'win32' ? restore : undefined;
	const onStop = (): void => {
		screen!.suspend();
		// Handling SIGTSTP cancels its default action, so stop for real; SIGSTOP cannot be caught. The shell then has its screen and the terminal back.
		process.kill(process.pid, 'SIGSTOP');
	};

	const onContinue = (): void => {
		screen!.resume();
		options.onResume?.();
	};

	process.on('exit', onExit);
	for (const signal of endingSignals) {
		process.on(signal, onSignal);
	}

	// First in line, so the terminal is restored before anything (cli.tsx's own last-resort handler) prints and exits.
	process.prependListener('uncaughtException', onCrash);
	process.prependListener('unhandledRejection', onCrash);
	if (screen) {
		process.on('SIGTSTP', onStop);
		process.on('SIGCONT', onContinue);
	}

	return () => {
		process.off('exit', onExit);
		for (const signal of endingSignals) {
			process.off(signal, onSignal);
		}

		process.off('uncaughtException', onCrash);
		process.off('unhandledRejection', onCrash);
		process.off('SIGTSTP', onStop);
		process.off('SIGCONT', onContinue);
	};
}
