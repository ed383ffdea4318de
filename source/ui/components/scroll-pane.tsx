import {Box} from 'ink';
import React from 'react';
import type {Line, PaneLines} from '../pane-lines.js';
import {paneChrome} from '../layout.js';
import {Text} from './text.js';

type Props = {
	title: string;
	focused: boolean;
	height: number;
	width?: number | string;
	lines: PaneLines;
	offset: number;
	/** A short note after the title, like "✓ matches the schema". */
	mark?: Line;
	/** Rendered below the lines, inside the border (the answer input). */
	footer?: React.ReactNode;
	/** Rows the footer takes (default 1). */
	footerLines?: number;
};

export {paneChrome} from '../layout.js';

/** A bordered pane with a title that shows `height - paneChrome` of its lines from `offset`. Memo: a progress line redraws the progress pane, not the partial result beside it. */
export const ScrollPane = React.memo(function ScrollPane({title, focused, height, width, lines, offset, mark, footer, footerLines = 1}: Props): React.JSX.Element {
	const visible = Math.max(0, height - paneChrome - (footer ? footerLines : 0));
	const shown = lines.slice(offset, offset + visible);
	const position = lines.length > visible ? ` ${offset + 1}-${Math.min(lines.length, offset + visible)}/${lines.length}` : '';
	return (
		<Box flexDirection="column" borderStyle="round" borderColor={focused ? 'cyan' : 'gray'} height={height} width={width} flexGrow={width === undefined ? 1 : 0} paddingX={1}>
			<Box>
				<Text bold color={focused ? 'cyan' : undefined} wrap="truncate-end">
					{title}
					<Text dimColor>{position}</Text>
				</Text>
				{mark ? <Text color={mark.color} wrap="truncate-end">{`  ${mark.text}`}</Text> : null}
			</Box>
			{shown.map((line, index) => (
				<Text key={offset + index} wrap="truncate-end" color={line.color} dimColor={line.dim} bold={line.bold} inverse={line.inverse}>
					{line.text === '' ? ' ' : line.text}
				</Text>
			))}
			{footer}
		</Box>
	);
});
