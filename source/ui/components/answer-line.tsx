import {Box} from 'ink';
import React from 'react';
import type {AnswerDraft} from '../use-app-state.js';
import {Text} from './text.js';

/** At most this many lines of a refusal (one per schema error) under the answer line. */
const maxErrorLines = 3;

export function answerErrorLines(editing: AnswerDraft | undefined): string[] {
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

/**
The part of an answer that fits `width` columns around the cursor: the text before it, the character under it (a space at the end), and after it, with … where something is cut off. Pure, for tests.
*/
export function answerWindow(text: string, cursor: number, width: number): {before: string; at: string; after: string} {
	const characters = [...text];
	const room = Math.max(2, width);
	// The cursor's cell is the last one shown when the text before it is longer than the room.
	const start = cursor < room ? 0 : cursor - room + 1;
	const end = start + room;
	const before = characters.slice(start, cursor).join('');
	const after = characters.slice(cursor + 1, end).join('');
	return {
		before: start > 0 ? `…${[...before].slice(1).join('')}` : before,
		at: characters[cursor] ?? ' ',
		after: end < characters.length && after !== '' ? `${[...after].slice(0, -1).join('')}…` : after,
	};
}

/** The answer line's view: its keys are useAnswerLineInput's, its editing answerLineReducer's. */
export function AnswerLine({editing, width}: {editing: AnswerDraft; width: number}): React.JSX.Element {
	const prefix = `answer ${editing.id} › `;
	const status = editing.sending ? '  saving…' : '';
	const shown = answerWindow(editing.text, editing.cursor, width - prefix.length - status.length);
	return (
		<Box flexDirection="column">
			<Text wrap="truncate-end">
				<Text color="cyan">{prefix}</Text>
				{shown.before}
				<Text inverse>{shown.at}</Text>
				{shown.after}
				<Text dimColor>{status}</Text>
			</Text>
			{answerErrorLines(editing).map((line, index) => (
				<Text key={index} color="red" wrap="truncate-end">{line}</Text>
			))}
		</Box>
	);
}
