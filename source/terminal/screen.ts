/** Ink 6 has no alternate-screen option, so the edge enters and leaves it, and restores the terminal on every way out. */

const enter = '\u001B[?1049h\u001B[?25l';
/** Leave the alternate screen, show the cursor, reset attributes. */
const leave = '\u001B[0m\u001B[?25h\u001B[?1049l';

type Input = NodeJS.ReadableStream & {isTTY?: boolean; setRawMode?: (mode: boolean) => unknown};

/** Enters the alternate screen; the returned restore() is idempotent. */
export function enterAlternateScreen(stream: NodeJS.WritableStream, input?: Input): () => void {
	stream.write(enter);
	let restored = false;
	return () => {
		if (restored) {
			return;
		}

		restored = true;
		if (input?.isTTY && typeof input.setRawMode === 'function') {
			input.setRawMode(false);
		}

		stream.write(leave);
	};
}

const signalExitCodes: Record<string, number> = {SIGINT: 130, SIGTERM: 143, SIGHUP: 129};

/**
Runs restore() on exit, on SIGINT/SIGTERM/SIGHUP (then exits 128+n) and on a crash (then prints the error to a restored screen and exits 1). Returns a function that removes the handlers.
*/
export function installRestoreHandlers(restore: () => void): () => void {
	const onSignal = (signal: NodeJS.Signals): void => {
		restore();
		process.exit(signalExitCodes[signal] ?? 1);
	};

	const onCrash = (error: unknown): void => {
		restore();
		process.stderr.write(`handoff: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
		process.exit(1);
	};

	process.on('exit', restore);
	for (const signal of Object.keys(signalExitCodes)) {
		process.on(signal, onSignal);
	}

	process.on('uncaughtException', onCrash);
	process.on('unhandledRejection', onCrash);
	return () => {
		process.off('exit', restore);
		for (const signal of Object.keys(signalExitCodes)) {
			process.off(signal, onSignal);
		}

		process.off('uncaughtException', onCrash);
		process.off('unhandledRejection', onCrash);
	};
}
