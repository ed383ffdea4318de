import {Box} from 'ink';
import TextInput from 'ink-text-input';
import React from 'react';
import type {Line} from '../pane-lines.js';
import {ScrollPane} from './scroll-pane.js';
import {Text} from './text.js';

type Props = {
	focused: boolean;
	height: number;
	lines: Line[];
	offset: number;
	pendingCount: number;
	editing?: {id: string; text: string};
	onEdit: (text: string) => void;
	onSubmit: (text: string) => void;
};

export function QuestionsPane({focused, height, lines, offset, pendingCount, editing, onEdit, onSubmit}: Props): React.JSX.Element {
	const input = editing ? (
		<Box>
			<Text color="cyan">{`answer ${editing.id} › `}</Text>
			<TextInput value={editing.text} onChange={onEdit} onSubmit={onSubmit} />
		</Box>
	) : undefined;
	return (
		<ScrollPane
			title={pendingCount > 0 ? `Questions (${pendingCount} waiting)` : 'Questions'}
			focused={focused}
			height={height}
			lines={lines}
			offset={offset}
			mark={pendingCount > 0 ? {text: 'the consumer is waiting for you', color: 'yellow'} : undefined}
			footer={input}
		/>
	);
}
