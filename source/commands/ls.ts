import readline from 'node:readline/promises';
import {describeError, endingSignals, exitCode, isExpectedError} from '../core/errors.js';
import {listHandoffs, type ListEntry} from '../core/listing.js';
import {describePrunable, prunable, removePrunable} from '../core/prune.js';
import {stateLabels} from '../core/status.js';
import {formatDuration} from '../core/time.js';
import {resolveBaseDirectory} from '../core/workspace.js';
import {safeText} from '../terminal/safe-text.js';
import {printJson, printLine, usageError, type CommandContext} from './io.js';

type LsFlags = {dir?: string; json: boolean; prune?: number; ended?: boolean; yes: boolean};

/**
`handoff ls`: workspaces, pipeline runs and archives, newest first. On a terminal it is a full-screen list where Enter opens the chosen one; otherwise a table, or `--json` for scripts. `--prune DAYS` deletes older archives (with `--ended`, ended workspaces too) after a confirmation.
*/
export async function lsCommand(context: CommandContext<LsFlags>, openEntry: (entry: ListEntry) => Promise<number>): Promise<number> {
	const baseDirectory = resolveBaseDirectory(context.flags.dir, context.environment, context.cwd);
	const entries = await listHandoffs(baseDirectory);
	if (context.flags.prune !== undefined) {
		return prune(entries, context.flags.prune, context);
	}

	if (!context.flags.json && process.stdin.isTTY && typeof process.stdin.setRawMode === 'function' && (context.stdout as NodeJS.WriteStream).isTTY) {
		return browse(entries, baseDirectory, openEntry);
	}

	if (context.flags.json) {
		printJson(context.stdout, entries.map(entry => ({
			kind: entry.kind,
			name: entry.name,
			path: entry.path,
			task: entry.task ?? null,
			state: entry.state,
			time: entry.time === undefined ? null : new Date(entry.time).toISOString(),
			pending_questions: entry.pendingQuestions,
			...(entry.error ? {error: entry.error} : {}),
		})));
		return 0;
	}

	if (entries.length === 0) {
		printLine(context.stderr, `No hand-offs in ${baseDirectory}`);
		return 0;
	}

	const now = Date.now();
	// Cells are made safe before they are measured, so the columns line up with what is shown.
	const rows = entries.map(entry => [
		entry.state in stateLabels ? stateLabels[entry.state as keyof typeof stateLabels] : entry.state,
		entry.task ?? '?',
		entry.time === undefined ? '?' : `${formatDuration(now - entry.time)} ago`,
		entry.pendingQuestions > 0 ? String(entry.pendingQuestions) : '',
		entry.path,
	].map(cell => safeText(cell)));
	const header = ['STATE', 'TASK', 'AGE', 'ASKS', 'PATH'];
	const widths = header.map((title, column) => Math.max(title.length, ...rows.map(row => row[column]!.length)));
	for (const row of [header, ...rows]) {
		printLine(context.stdout, row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  '));
	}

	return 0;
}

/**
The full-screen list. What Enter opens runs until it ends (q included), then the list comes back, read again and the same entry chosen; q in the list ends. A signal (Ctrl+C from outside, SIGTERM, SIGHUP) ends everything with the opened one's exit code.
*/
async function browse(first: ListEntry[], baseDirectory: string, openEntry: (entry: ListEntry) => Promise<number>): Promise<number> {
	const {chooseEntry} = await import('./list-screen.js');
	let entries = first;
	let last: string | undefined;
	for (;;) {
		const chosen = await chooseEntry(entries, baseDirectory, last);
		if (!chosen) {
			return 0;
		}

		let signalled = false;
		const onSignal = (): void => {
			signalled = true;
		};

		for (const signal of endingSignals) {
			process.on(signal, onSignal);
		}

		let code: number;
		try {
			code = await openEntry(chosen);
		} finally {
			for (const signal of endingSignals) {
				process.off(signal, onSignal);
			}
		}

		if (signalled) {
			return code;
		}

		last = chosen.path;
		entries = await listHandoffs(baseDirectory);
	}
}

async function prune(entries: ListEntry[], days: number, context: CommandContext<LsFlags>): Promise<number> {
	if (!Number.isFinite(days) || days < 0) {
		throw usageError('--prune takes a number of days, 0 or more');
	}

	const old = prunable(entries, days, {ended: context.flags.ended});
	if (old.length === 0) {
		printLine(context.stderr, `No archives${context.flags.ended ? ' or ended workspaces' : ''} older than ${days} days`);
		return 0;
	}

	for (const entry of old) {
		printLine(context.stderr, `  ${entry.kind === 'archive' ? 'archive  ' : `${entry.state.padEnd(9)}`} ${entry.path}`);
	}

	const what = describePrunable(old);
	if (!context.flags.yes) {
		if (!process.stdin.isTTY) {
			throw usageError(`Would delete ${what}; add --yes to confirm without a terminal`);
		}

		const prompt = readline.createInterface({input: process.stdin, output: process.stderr});
		const reply = await prompt.question(`Delete ${what}? [y/N] `);
		prompt.close();
		if (!/^y(es)?$/i.test(reply.trim())) {
			printLine(context.stderr, 'Nothing deleted');
			return 0;
		}
	}

	// Each through the safe remover; one that cannot go (a watcher holds it, it is running again) is said and kept.
	const removed: ListEntry[] = [];
	for (const entry of old) {
		try {
			await removePrunable(entry);
			removed.push(entry);
		} catch (error) {
			if (!isExpectedError(error)) {
				throw error;
			}

			printLine(context.stderr, `  kept: ${describeError(error, entry.path)}`);
		}
	}

	printLine(context.stderr, `Deleted ${removed.length === 0 ? 'nothing' : describePrunable(removed)}`);
	return removed.length === old.length ? 0 : exitCode.failed;
}
