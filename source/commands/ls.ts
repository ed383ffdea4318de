import fs from 'node:fs/promises';
import readline from 'node:readline/promises';
import {archivesOlderThan, listHandoffs, type ListEntry} from '../core/listing.js';
import {stateLabels} from '../core/status.js';
import {formatDuration} from '../core/time.js';
import {resolveBaseDirectory} from '../core/workspace.js';
import {safeText} from '../terminal/safe-text.js';
import {printJson, printLine, usageError, type CommandContext} from './io.js';

type LsFlags = {dir?: string; json: boolean; prune?: number; yes: boolean};

/**
`handoff ls`: workspaces, pipeline runs and archives, newest first. On a terminal it is a full-screen list where Enter opens the chosen one; otherwise a table, or `--json` for scripts. `--prune DAYS` deletes older archives after a confirmation.
*/
export async function lsCommand(context: CommandContext<LsFlags>, openEntry: (entry: ListEntry) => Promise<number>): Promise<number> {
	const baseDirectory = resolveBaseDirectory(context.flags.dir, context.environment, context.cwd);
	const entries = await listHandoffs(baseDirectory);
	if (context.flags.prune !== undefined) {
		return prune(entries, context.flags.prune, context);
	}

	if (!context.flags.json && process.stdin.isTTY && typeof process.stdin.setRawMode === 'function' && (context.stdout as NodeJS.WriteStream).isTTY) {
		const chosen = await (await import('./list-screen.js')).chooseEntry(entries, baseDirectory);
		return chosen ? openEntry(chosen) : 0;
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

async function prune(entries: ListEntry[], days: number, context: CommandContext<LsFlags>): Promise<number> {
	if (!Number.isFinite(days) || days < 0) {
		throw usageError('--prune takes a number of days, 0 or more');
	}

	const old = archivesOlderThan(entries, days);
	if (old.length === 0) {
		printLine(context.stderr, `No archives older than ${days} days`);
		return 0;
	}

	for (const entry of old) {
		printLine(context.stderr, `  ${entry.path}`);
	}

	if (!context.flags.yes) {
		if (!process.stdin.isTTY) {
			throw usageError(`Would delete ${old.length} archive${old.length === 1 ? '' : 's'}; add --yes to confirm without a terminal`);
		}

		const prompt = readline.createInterface({input: process.stdin, output: process.stderr});
		const reply = await prompt.question(`Delete these ${old.length} archive${old.length === 1 ? '' : 's'}? [y/N] `);
		prompt.close();
		if (!/^y(es)?$/i.test(reply.trim())) {
			printLine(context.stderr, 'Nothing deleted');
			return 0;
		}
	}

	for (const entry of old) {
		await fs.rm(entry.path, {recursive: true, force: true});
	}

	printLine(context.stderr, `Deleted ${old.length} archive${old.length === 1 ? '' : 's'}`);
	return 0;
}
