import {Box} from 'ink';
import React from 'react';
import {keyHelp} from '../keymap.js';
import {Text} from './text.js';

export function HelpOverlay({height}: {height: number}): React.JSX.Element {
	const width = Math.max(...keyHelp.map(([keys]) => keys.length));
	return (
		<Box flexDirection="column" borderStyle="double" borderColor="cyan" paddingX={1} height={height}>
			<Text bold color="cyan">Keys</Text>
			{keyHelp.map(([keys, what]) => (
				<Text key={keys} wrap="truncate-end">
					<Text bold>{keys.padEnd(width)}</Text>
					{`  ${what}`}
				</Text>
			))}
			<Text dimColor>Press ? or Esc to close.</Text>
		</Box>
	);
}
