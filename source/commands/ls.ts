import {listHandoffs} from '../core/listing.js';
import {stateLabels} from '../core/status.js';
import {formatDuration} from '../core/time.js';
import {resolveBaseDirectory} from '../core/workspace.js';
import {printJson, printLine, type CommandContext} from './io.js';

/** `handoff ls`: a table of workspaces and archives, newest first; `--json` for scripts. */
export async function lsCommand(context: CommandContext<{dir?: string; json: boolean}>): Promise<number> {
	const baseDirectory = resolveBaseDirectory(context.flags.dir, context.environment, context.cwd);
	const entries = await listHandoffs(baseDirectory);
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
	const rows = entries.map(entry => [
		entry.state in stateLabels ? stateLabels[entry.state as keyof typeof stateLabels] : entry.state,
		entry.task ?? '?',
		entry.time === undefined ? '?' : `${formatDuration(now - entry.time)} ago`,
		entry.pendingQuestions > 0 ? String(entry.pendingQuestions) : '',
		entry.path,
	]);
	const header = ['STATE', 'TASK', 'AGE', 'ASKS', 'PATH'];
	const widths = header.map((title, column) => Math.max(title.length, ...rows.map(row => row[column]!.length)));
	for (const row of [header, ...rows]) {
		printLine(context.stdout, row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  '));
	}

	return 0;
}
