import {Box} from 'ink';
import TextInput from 'ink-text-input';
import React from 'react';
import type {PaneLines} from '../pane-lines.js';
import type {AnswerDraft} from '../use-app-state.js';
import {ScrollPane} from './scroll-pane.js';
import {Text} from './text.js';

type Props = {
	focused: boolean;
	height: number;
	lines: PaneLines;
	offset: number;
	pendingCount: number;
	editing?: AnswerDraft;
	onEdit: (text: string) => void;
	onSubmit: (text: string) => void;
};

export function QuestionsPane({focused, height, lines, offset, pendingCount, editing, onEdit, onSubmit}: Props): React.JSX.Element {
	const errors = answerErrorLines(editing);
	const input = editing ? (
		<Box flexDirection="column">
			<Box>
				<Text color="cyan">{`answer ${editing.id} › `}</Text>
				<TextInput value={editing.text} onChange={onEdit} onSubmit={onSubmit} />
				{editing.sending ? <Text dimColor>{'  saving…'}</Text> : null}
			</Box>
			{errors.map((line, index) => (
				<Text key={index} color="red" wrap="truncate-end">{line}</Text>
			))}
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
			footerLines={answerLineRows(editing)}
		/>
	);
}

/** At most this many lines of a refusal (one per schema error) under the answer line. */
const maxErrorLines = 3;

function answerErrorLines(editing: AnswerDraft | undefined): string[] {
	if (!editing?.error) {
		return [];
	}

	const lines = editing.error.split('\n');
	const more = lines.length - maxErrorLines;
	return more > 0 ? [...lines.slice(0, maxErrorLines - 1).map(line => `✗ ${line}`), `✗ … and ${more + 1} more`] : lines.map(line => `✗ ${line}`);
}

/** Rows the answer line takes in the pane: the line itself and the refusal under it. */
export function answerLineRows(editing: AnswerDraft | undefined): number {
	return editing ? 1 + answerErrorLines(editing).length : 0;
}
