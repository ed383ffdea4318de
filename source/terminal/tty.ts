import fs from 'node:fs';
import tty from 'node:tty';

export type Terminal =
	| {kind: 'stdout'; stdin: NodeJS.ReadStream; stdout: NodeJS.WriteStream; close?: undefined}
	| {kind: 'tty'; stdin: NodeJS.ReadStream; stdout: NodeJS.WriteStream; close: () => void}
	| {kind: 'none'};

type Streams = {stdin: NodeJS.ReadStream; stdout: NodeJS.WriteStream; env: NodeJS.ProcessEnv};

/** Ink's useInput needs raw mode; isRawModeSupported can be undefined, so ask the stream itself. */
function canReadKeys(stream: NodeJS.ReadStream): boolean {
	return stream.isTTY === true && typeof stream.setRawMode === 'function';
}

/**
Where the app draws, decided before render(): the terminal on stdin/stdout when both are one; /dev/tty when stdout is captured (as in `result=$(handoff run ...)`, the way fzf does it); or none at all (CI, a pipe with no controlling terminal), when the caller falls back to plain lines.
*/
export function chooseTerminal({stdin, stdout, env}: Streams): Terminal {
	if (env.HANDOFF_NO_TTY === '1') {
		return {kind: 'none'};
	}

	if (canReadKeys(stdin) && stdout.isTTY) {
		return {kind: 'stdout', stdin, stdout};
	}

	let readFd: number | undefined;
	let writeFd: number | undefined;
	try {
		readFd = fs.openSync('/dev/tty', 'r');
		writeFd = fs.openSync('/dev/tty', 'w');
		const input = new tty.ReadStream(readFd);
		const output = new tty.WriteStream(writeFd);
		if (!canReadKeys(input)) {
			throw new Error('no raw mode');
		}

		return {
			kind: 'tty',
			stdin: input,
			stdout: output,
			close() {
				input.destroy();
				output.destroy();
			},
		};
	} catch {
		for (const fd of [readFd, writeFd]) {
			if (fd !== undefined) {
				try {
					fs.closeSync(fd);
				} catch {}
			}
		}

		return {kind: 'none'};
	}
}
