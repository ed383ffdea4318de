import fs from 'node:fs';
import tty from 'node:tty';

export type Terminal =
	/** stdin and stdout are the terminal: draw there. close() does nothing, as these are the process's own streams. */
	| {kind: 'stdout'; stdin: NodeJS.ReadStream; stdout: NodeJS.WriteStream; close: () => void}
	/** Opened on /dev/tty because stdout (or stdin) is redirected; close() closes them. */
	| {kind: 'tty'; stdin: tty.ReadStream; stdout: tty.WriteStream; close: () => void}
	/** No terminal to draw on or read keys from: the caller falls back to plain lines. */
	| {kind: 'none'};

export type TerminalStreams = {stdin: NodeJS.ReadStream; stdout: NodeJS.WriteStream; env: NodeJS.ProcessEnv};

/** Ink's useInput needs raw mode, and Ink's isRawModeSupported can be undefined: ask the stream itself. */
function canReadKeys(stream: NodeJS.ReadStream | tty.ReadStream): boolean {
	return stream.isTTY === true && typeof stream.setRawMode === 'function';
}

/** The controlling terminal's own streams, or undefined without one (no /dev/tty: CI, cron, a daemon, `setsid`). */
function openControllingTerminal(): {stdin: tty.ReadStream; stdout: tty.WriteStream} | undefined {
	const fds: number[] = [];
	try {
		const readFd = fs.openSync('/dev/tty', 'r');
		fds.push(readFd);
		const writeFd = fs.openSync('/dev/tty', 'w');
		fds.push(writeFd);
		if (!tty.isatty(readFd)) {
			throw new Error('/dev/tty is not a terminal');
		}

		return {stdin: new tty.ReadStream(readFd), stdout: new tty.WriteStream(writeFd)};
	} catch {
		for (const fd of fds) {
			fs.closeSync(fd);
		}

		return undefined;
	}
}

/**
Decides where the full-screen app draws, before render(): on stdin/stdout when both are the terminal; on /dev/tty when stdout is captured (as in `result=$(handoff run ...)`, the way fzf does it) or stdin is a pipe; nowhere when there is no terminal at all or it cannot move the cursor (TERM=dumb, as in an Emacs shell buffer).
*/
export function chooseTerminal({stdin, stdout, env}: TerminalStreams): Terminal {
	if (env.TERM === 'dumb') {
		return {kind: 'none'};
	}

	if (canReadKeys(stdin) && stdout.isTTY === true) {
		return {kind: 'stdout', stdin, stdout, close() {}};
	}

	const opened = openControllingTerminal();
	if (!opened) {
		return {kind: 'none'};
	}

	// Node reads the terminal's size again on SIGWINCH for process.stdout only (getWindowSize() returns the size remembered at the last read): a stream of our own on /dev/tty is refreshed here the way Node refreshes stdout (_refreshSize reads it and emits 'resize' when it changed), so the screen follows a resize there too.
	const onWindowChange = (): void => {
		try {
			(opened.stdout as tty.WriteStream & {_refreshSize?: () => void})._refreshSize?.();
		} catch {}
	};

	process.on('SIGWINCH', onWindowChange);
	let closed = false;
	return {
		kind: 'tty',
		...opened,
		close() {
			if (closed) {
				return;
			}

			closed = true;
			process.off('SIGWINCH', onWindowChange);
			// Never leave the terminal raw: the shell that gets it back has no reason to reset it.
			try {
				if (opened.stdin.isRaw) {
					opened.stdin.setRawMode(false);
				}
			} catch {}

			opened.stdin.destroy();
			opened.stdout.destroy();
		},
	};
}
