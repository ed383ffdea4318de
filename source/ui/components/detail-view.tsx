import {Box} from 'ink';
import React from 'react';
import type {Line} from '../pane-lines.js';
import {Text} from './text.js';

type Props = {
	title: string;
	/** The text, already wrapped to `width` (wrapRows), so every row is whole. */
	rows: Line[];
	offset: number;
	/** Rows for the text. */
	height: number;
	width: number;
};

/** One thing whole, over the panes: a title row with the position, then the wrapped rows from `offset`. No border, so a small screen keeps every column for the text. */
export function DetailView({title, rows, offset, height, width}: Props): React.JSX.Element {
	const shown = rows.slice(offset, offset + height);
	const position = rows.length > height ? ` · ${offset + 1}-${Math.min(rows.length, offset + height)} of ${rows.length}` : '';
	return (
		<Box flexDirection="column" width={width} height={height + 1}>
			<Text bold color="cyan" wrap="truncate-end">
				{title}
				<Text dimColor>{position}</Text>
			</Text>
			{shown.map((line, index) => (
				<Text key={offset + index} wrap="truncate-end" color={line.color} dimColor={line.dim} bold={line.bold}>
					{line.text === '' ? ' ' : line.text}
				</Text>
			))}
		</Box>
	);
}
