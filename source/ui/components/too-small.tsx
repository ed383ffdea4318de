import {Box} from 'ink';
import React from 'react';
import {Text} from './text.js';

/** What a screen below the minimum shows instead of panes whose borders would overlap. The keys still work (Ctrl+C, q). */
export function TooSmall({columns, rows, minimum}: {columns: number; rows: number; minimum: {columns: number; rows: number}}): React.JSX.Element {
	return (
		<Box flexDirection="column" width={columns} height={Math.max(1, rows - 1)}>
			<Text bold color="yellow" wrap="wrap">{`handoff needs at least ${minimum.columns}x${minimum.rows}`}</Text>
			<Text dimColor wrap="wrap">{`This terminal is ${columns}x${rows}. Enlarge it, or press q to quit.`}</Text>
		</Box>
	);
}
