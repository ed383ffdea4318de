import type {KeyEvent} from './key-events.js';
import {type CommandName, commandFor} from './keymap.js';

/** The answer line's text and cursor, edited by a pure reducer (tested without rendering). The cursor counts characters, not UTF-16 units, so an emoji is one step. */
export type AnswerText = {text: string; cursor: number};

export type AnswerEdit =
	| {type: 'insert'; text: string}
	| {type: 'deleteBackward'}
	| {type: 'deleteForward'}
	| {type: 'left'}
	| {type: 'right'}
	| {type: 'start'}
	| {type: 'end'};

export const emptyAnswer: AnswerText = {text: '', cursor: 0};

export function answerLineReducer(state: AnswerText, edit: AnswerEdit): AnswerText {
	const characters = [...state.text];
	const cursor = Math.min(Math.max(0, state.cursor), characters.length);
	switch (edit.type) {
		case 'insert': {
			// A paste may bring line breaks and tabs: an answer is one line.
			const inserted = [...edit.text.replaceAll(/[\r\n\t]+/g, ' ')];
			return {text: [...characters.slice(0, cursor), ...inserted, ...characters.slice(cursor)].join(''), cursor: cursor + inserted.length};
		}

		case 'deleteBackward': {
			return cursor === 0 ? state : {text: [...characters.slice(0, cursor - 1), ...characters.slice(cursor)].join(''), cursor: cursor - 1};
		}

		case 'deleteForward': {
			return cursor >= characters.length ? state : {text: [...characters.slice(0, cursor), ...characters.slice(cursor + 1)].join(''), cursor};
		}

		case 'left': {
			return {...state, cursor: Math.max(0, cursor - 1)};
		}

		case 'right': {
			return {...state, cursor: Math.min(characters.length, cursor + 1)};
		}

		case 'start': {
			return {...state, cursor: 0};
		}

		case 'end': {
			return {...state, cursor: characters.length};
		}
	}
}

/** The keys the answer line acts on itself: everything else (Enter, Esc, Ctrl+C, Ctrl+Z) is a command for whoever holds the line. */
const editsByCommand: Partial<Record<CommandName, AnswerEdit>> = {
	cursorLeft: {type: 'left'},
	cursorRight: {type: 'right'},
	cursorStart: {type: 'start'},
	cursorEnd: {type: 'end'},
	deleteBackward: {type: 'deleteBackward'},
	deleteForward: {type: 'deleteForward'},
};

export type AnswerLineHandlers = {
	onChange: (value: AnswerText) => void;
	onSend: (text: string) => void;
	onLeave: () => void;
	/** Ctrl+C (quitting asks first while an answer is typed; the text as it stands has gone to onChange). */
	onInterrupt: () => void;
	onSuspend: () => void;
};

/**
Runs a read's key presses through the answer line, in order: edits change the text, and the first command (Enter sends, Esc leaves, Ctrl+C, Ctrl+Z) ends the run, the text as it stands saved first. Every printable key is text here, n and q included.
*/
export function runAnswerKeys(value: AnswerText, events: KeyEvent[], handlers: AnswerLineHandlers): void {
	let current = value;
	const settle = (): void => {
		if (current !== value) {
			handlers.onChange(current);
		}
	};

	for (const event of events) {
		const command = commandFor('answer', event);
		const edit = command ? editsByCommand[command.name] : undefined;
		if (edit) {
			current = answerLineReducer(current, edit);
			continue;
		}

		switch (command?.name) {
			case 'send': {
				settle();
				handlers.onSend(current.text);
				return;
			}

			case 'leave': {
				settle();
				handlers.onLeave();
				return;
			}

			case 'interrupt': {
				settle();
				handlers.onInterrupt();
				return;
			}

			case 'suspend': {
				settle();
				handlers.onSuspend();
				return;
			}

			default: {
				if (event.name === undefined && !event.ctrl && !event.meta && event.text !== '') {
					current = answerLineReducer(current, {type: 'insert', text: event.text});
				}
			}
		}
	}

	settle();
}
