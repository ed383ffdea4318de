import path from 'node:path';
import {Box, useInput} from 'ink';
import React, {useMemo, useState} from 'react';
import type {ListEntry} from '../core/listing.js';
import {stateLabels} from '../core/status.js';
import {handoffCommandLine} from '../core/instructions.js';
import {formatMinutes} from '../core/time.js';
import {safeText} from '../terminal/safe-text.js';
import {nextTurn, useNow, type NextChange} from './hooks/use-now.js';
import {Text} from './components/text.js';
import {useTerminalSize} from './hooks/use-terminal-size.js';

export type ListIntent = {type: 'open'; entry: ListEntry} | {type: 'quit'} | {type: 'suspend'};

const stateColors: Record<string, string> = {complete: 'green', archived: 'green', failed: 'red', 'timed-out': 'red', invalid: 'red', waiting: 'yellow', stalled: 'magenta', running: 'cyan'};

function label(entry: ListEntry): string {
	return entry.state in stateLabels ? stateLabels[entry.state as keyof typeof stateLabels] : entry.state;
}

/** Cuts a cell to `width` characters: a path keeps its end (where same-task rows differ), anything else its start. */
function fit(text: string, width: number, keep: 'start' | 'end' = 'start'): string {
	const characters = [...text];
	if (characters.length <= width) {
		return text.padEnd(width + text.length - characters.length);
	}

	if (width <= 1) {
		return '…'.slice(0, width);
	}

	return keep === 'end' ? `…${characters.slice(characters.length - width + 1).join('')}` : `${characters.slice(0, width - 1).join('')}…`;
}

const minuteMs = 60_000;

/** An entry's age in minutes ("<1m", "3m", "1h 02m"), so that it changes once a minute; "<1m" rather than "just now" keeps the column narrow enough for the path on a small terminal. */
function age(entry: ListEntry, now: number): string {
	if (entry.time === undefined) {
		return '?';
	}

	const elapsed = now - entry.time;
	return elapsed < minuteMs ? '<1m' : formatMinutes(elapsed);
}

/** When an age on screen next changes: each turns a minute counted from its own time. The rows out of view do not count (the AGE column's width, measured over all rows, may then lag a minute). */
function ageClock(shown: ListEntry[]): NextChange {
	return time => {
		const turns = shown.filter(entry => entry.time !== undefined).map(entry => nextTurn(time, entry.time!, minuteMs));
		return turns.length > 0 ? Math.min(...turns) : undefined;
	};
}

type Column = {title: string; cell: (entry: ListEntry) => string; width: number; keep?: 'end'};

/**
The list's columns sized to the terminal: state, kind, age and questions as wide as their widest cell; task and path share what is left, the path (relative to the listed folder) keeping its end. Below 70 columns kind and questions give way.
*/
export function listColumns(entries: ListEntry[], width: number, directory: string, now: number): Column[] {
	// Made safe before they are measured, so the columns line up with what is shown.
	const widest = (title: string, cell: (entry: ListEntry) => string): Column => ({title, cell: entry => safeText(cell(entry)), width: Math.max(title.length, ...entries.map(entry => [...safeText(cell(entry))].length))});
	const state = widest('STATE', label);
	state.width = Math.min(state.width, 22);
	const kind = widest('KIND', entry => entry.kind);
	const ages = widest('AGE', entry => age(entry, now));
	const asks = widest('ASKS', entry => (entry.pendingQuestions > 0 ? String(entry.pendingQuestions) : ''));
	const task = widest('TASK', entry => entry.task ?? entry.name);
	const where = widest('PATH', entry => (path.relative(directory, entry.path) || entry.path));
	where.keep = 'end';
	const fixed = width >= 70 ? [state, kind, ages, asks] : [state, ages];
	// The chosen-row mark takes 2, and every column is followed by 2 spaces.
	const rest = Math.max(0, width - 2 - fixed.reduce((sum, column) => sum + column.width + 2, 0) - 2);
	task.width = Math.min(task.width, Math.max(8, Math.floor(rest * 0.45)));
	where.width = Math.max(0, rest - task.width);
	return [...fixed, task, ...(where.width >= 6 ? [where] : [])];
}

/** `handoff ls` on a terminal: the hand-offs newest first; Enter opens one. */
export function ListApp({entries, directory, onIntent, initialPath}: {entries: ListEntry[]; directory: string; onIntent: (intent: ListIntent) => void; initialPath?: string}): React.JSX.Element {
	const {columns, rows} = useTerminalSize();
	// Coming back from an opened entry, the list keeps it chosen.
	const [selected, setSelected] = useState(() => Math.max(0, entries.findIndex(entry => entry.path === initialPath)));
	useInput((input, key) => {
		if (key.upArrow) {
			setSelected(index => Math.max(0, index - 1));
		} else if (key.downArrow) {
			setSelected(index => Math.min(entries.length - 1, index + 1));
		} else if (key.return && entries[selected]) {
			onIntent({type: 'open', entry: entries[selected]});
		} else if (key.ctrl && input === 'z') {
			onIntent({type: 'suspend'});
		} else if (input === 'q' || key.escape || (key.ctrl && input === 'c')) {
			onIntent({type: 'quit'});
		}
	});

	// The chosen entry in full under the table, wrapped (at most 3 rows): cells cut to fit are readable there.
	const chosenEntry = entries[selected];
	const detail = chosenEntry ? safeText(`${label(chosenEntry)} · ${chosenEntry.task ?? chosenEntry.name} · ${chosenEntry.path}${chosenEntry.error ? ` · ${chosenEntry.error}` : ''}`) : '';
	const detailRows = Math.min(3, Math.ceil([...detail].length / Math.max(1, columns)));
	// Stay one row short of the terminal (Ink 6 redraws everything otherwise); keep the chosen row in view.
	const visible = Math.max(1, rows - 5 - detailRows);
	const first = Math.min(Math.max(0, selected - visible + 1), Math.max(0, entries.length - visible));
	// The screen draws again only when an age in view changes (once a minute each), not on a clock of its own.
	const now = useNow(useMemo(() => ageClock(entries.slice(first, first + visible)), [entries, first, visible]));
	// Kept between keys: `now` moves only when an age in view turns.
	const table = useMemo(() => listColumns(entries, columns, directory, now), [entries, columns, directory, now]);
	const [stateColumn, ...otherColumns] = table;
	const cells = (entry: ListEntry): string => otherColumns.map(column => fit(column.cell(entry), column.width, column.keep)).join('  ');
	return (
		<Box flexDirection="column" width={columns} height={Math.max(5, rows - 1)}>
			<Text wrap="truncate-end">
				<Text bold color="cyan">handoff</Text>
				<Text dimColor>{` · ${entries.length} in ${directory}`}</Text>
			</Text>
			<Text bold wrap="truncate-end">{`  ${table.map(column => fit(column.title, column.width)).join('  ')}`}</Text>
			{entries.length === 0 ? <Text dimColor wrap="truncate-end">{`  No hand-offs here yet. Try: ${handoffCommandLine(['demo', '--dir', directory])}`}</Text> : null}
			{entries.slice(first, first + visible).map((entry, offset) => {
				const chosen = first + offset === selected;
				return (
					<Text key={entry.path} inverse={chosen} wrap="truncate-end">
						{chosen ? '▸ ' : '  '}
						<Text color={stateColors[entry.state]}>{fit(stateColumn!.cell(entry), stateColumn!.width)}</Text>
						{`  ${cells(entry)}`}
					</Text>
				);
			})}
			<Box flexGrow={1} />
			{detail === '' ? null : <Box flexShrink={0} height={detailRows}><Text dimColor wrap="wrap">{[...detail].slice(0, detailRows * columns).join('')}</Text></Box>}
			<Text dimColor wrap="truncate-end">q quit · ↑↓ choose · Enter open (watch a workspace, resume a pipeline run, view an archive)</Text>
		</Box>
	);
}
