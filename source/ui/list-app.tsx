import {Box, useInput} from 'ink';
import React, {useState} from 'react';
import type {ListEntry} from '../core/listing.js';
import {stateLabels} from '../core/status.js';
import {formatDuration} from '../core/time.js';
import {useNow} from './hooks/use-now.js';
import {Text} from './components/text.js';
import {useTerminalSize} from './hooks/use-terminal-size.js';

export type ListIntent = {type: 'open'; entry: ListEntry} | {type: 'quit'} | {type: 'suspend'};

const stateColors: Record<string, string> = {complete: 'green', archived: 'green', failed: 'red', 'timed-out': 'red', invalid: 'red', waiting: 'yellow', stalled: 'magenta', running: 'cyan'};

function label(entry: ListEntry): string {
	return entry.state in stateLabels ? stateLabels[entry.state as keyof typeof stateLabels] : entry.state;
}

/** `handoff ls` on a terminal: the hand-offs newest first; Enter opens one. */
export function ListApp({entries, directory, onIntent}: {entries: ListEntry[]; directory: string; onIntent: (intent: ListIntent) => void}): React.JSX.Element {
	const {columns, rows} = useTerminalSize();
	const now = useNow();
	const [selected, setSelected] = useState(0);
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

	// Stay one row short of the terminal (Ink 6 redraws everything otherwise); keep the chosen row in view.
	const visible = Math.max(1, rows - 5);
	const first = Math.min(Math.max(0, selected - visible + 1), Math.max(0, entries.length - visible));
	return (
		<Box flexDirection="column" width={columns} height={Math.max(5, rows - 1)}>
			<Text>
				<Text bold color="cyan">handoff</Text>
				<Text dimColor>{` · ${entries.length} in ${directory}`}</Text>
			</Text>
			<Text bold>{`  ${'STATE'.padEnd(22)}${'KIND'.padEnd(11)}${'AGE'.padEnd(12)}${'ASKS'.padEnd(6)}TASK`}</Text>
			{entries.length === 0 ? <Text dimColor>  No hand-offs here yet. Try: handoff demo</Text> : null}
			{entries.slice(first, first + visible).map((entry, offset) => {
				const chosen = first + offset === selected;
				const age = entry.time === undefined ? '?' : formatDuration(now - entry.time);
				return (
					<Text key={entry.path} inverse={chosen} wrap="truncate-end">
						{chosen ? '▸ ' : '  '}
						<Text color={stateColors[entry.state]}>{label(entry).padEnd(22)}</Text>
						{`${entry.kind.padEnd(11)}${age.padEnd(12)}${(entry.pendingQuestions > 0 ? String(entry.pendingQuestions) : '').padEnd(6)}${entry.task ?? entry.name}`}
					</Text>
				);
			})}
			<Box flexGrow={1} />
			<Text dimColor wrap="truncate-end">↑↓ choose · Enter open (watch a workspace, resume a pipeline run, show an archive's path) · q quit</Text>
		</Box>
	);
}
