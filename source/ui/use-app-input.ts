import {useInput} from 'ink';
import {type Dispatch, useEffect, useRef} from 'react';
import type {QuestionView} from '../core/snapshot.js';
import {type AnswerLineHandlers, runAnswerKeys} from './answer-line-reducer.js';
import type {Intent} from './intents.js';
import {splitKeys} from './key-events.js';
import {type Command, commandFor} from './keymap.js';
import {takesFreeAnswer} from './pane-lines.js';
import {type AppAction, type AppState, type PaneId, appReducer, hasUnsentAnswer, modeOf} from './use-app-state.js';

export type Extent = {contentLines: number; visibleLines: number};

/** What a key press is checked against, besides the state. */
export type KeyContext = {
	pending: QuestionView[];
	geometry: Record<PaneId, Extent>;
	/** The detail view's rows and height. */
	detail: Extent;
	/** The hand-off has ended (not a retry). */
	finished: boolean;
};

export type KeyStep = {actions: AppAction[]; intents: Intent[]};

const nothing: KeyStep = {actions: [], intents: []};

/** Quitting asks first while an answer is typed and not sent. */
function quitStep(state: AppState): KeyStep {
	return hasUnsentAnswer(state) ? {actions: [{type: 'askQuit'}], intents: []} : {actions: [], intents: [{type: 'quit'}]};
}

function scrollStep(state: AppState, command: Command, context: KeyContext): KeyStep {
	const extent = state.detail ? context.detail : context.geometry[state.focus];
	const page = Math.max(1, extent.visibleLines - 1);
	const deltas: Partial<Record<Command['name'], number>> = {up: -1, down: 1, pageUp: -page, pageDown: page, top: -Infinity, bottom: Infinity};
	const delta = deltas[command.name] ?? 0;
	const bounded = Number.isFinite(delta) ? delta : Math.sign(delta) * extent.contentLines;
	if (state.detail) {
		return {actions: [{type: 'detailScroll', delta: bounded, ...extent}], intents: []};
	}

	// Up and down choose between pending questions in the questions pane.
	if ((command.name === 'up' || command.name === 'down') && state.focus === 'questions' && context.pending.length > 0 && !context.finished) {
		return {actions: [{type: 'select', delta: bounded, pendingCount: context.pending.length}], intents: []};
	}

	return {actions: [{type: 'scroll', pane: state.focus, delta: bounded, ...extent}], intents: []};
}

/**
What one key press does, as a pure function of the state (tested without rendering): the state changes and the intents for the edge. The answer line's own keys are runAnswerKeys's.
*/
export function keyStep(state: AppState, command: Command | undefined, context: KeyContext): KeyStep {
	const mode = modeOf(state, context.finished);
	if (command?.name === 'suspend') {
		return {actions: [], intents: [{type: 'suspend'}]};
	}

	switch (mode) {
		case 'confirmQuit': {
			if (command?.name === 'yes' || command?.name === 'interrupt') {
				return {actions: [{type: 'closeConfirm'}], intents: [{type: 'quit'}]};
			}

			return command?.name === 'no' ? {actions: [{type: 'closeConfirm'}], intents: []} : nothing;
		}

		case 'confirmCancel': {
			if (command?.name === 'yes') {
				return {actions: [{type: 'closeConfirm'}], intents: [{type: 'cancel'}]};
			}

			if (command?.name === 'interrupt') {
				return {actions: [{type: 'closeConfirm'}, ...quitStep(state).actions], intents: quitStep(state).intents};
			}

			return command?.name === 'no' ? {actions: [{type: 'closeConfirm'}], intents: []} : nothing;
		}

		case 'detail': {
			switch (command?.name) {
				case 'close': {
					return {actions: [{type: 'closeDetail'}], intents: []};
				}

				case 'help': {
					return {actions: [state.detail?.source === 'help' ? {type: 'closeDetail'} : {type: 'openDetail', source: 'help'}], intents: []};
				}

				case 'interrupt': {
					return quitStep(state);
				}

				case 'up':
				case 'down':
				case 'pageUp':
				case 'pageDown':
				case 'top':
				case 'bottom': {
					return scrollStep(state, command, context);
				}

				default: {
					return nothing;
				}
			}
		}

		case 'finished': {
			switch (command?.name) {
				case 'help': {
					return {actions: [{type: 'openDetail', source: 'help'}], intents: []};
				}

				case 'view': {
					return {actions: [{type: 'openDetail', source: state.focus}], intents: []};
				}

				case 'focusNext':
				case 'focusPrevious': {
					return {actions: [{type: 'focus', step: command.name === 'focusNext' ? 1 : -1}], intents: []};
				}

				case 'up':
				case 'down':
				case 'pageUp':
				case 'pageDown': {
					return scrollStep(state, command, context);
				}

				default: {
					// Any other key closes the ended screen, as its footer says, keys without a command included.
					return {actions: [], intents: [{type: 'quit'}]};
				}
			}
		}

		case 'answer': {
			// The answer line's keys are its own (useAnswerLineInput); only a key that got here first, in the same read, lands here.
			return nothing;
		}

		case 'panes': {
			return panesStep(state, command, context);
		}
	}
}

function panesStep(state: AppState, command: Command | undefined, context: KeyContext): KeyStep {
	const question = context.pending[state.selected];
	switch (command?.name) {
		case undefined: {
			return nothing;
		}

		case 'interrupt':
		case 'quit': {
			return quitStep(state);
		}

		case 'focusNext':
		case 'focusPrevious': {
			return {actions: [{type: 'focus', step: command.name === 'focusNext' ? 1 : -1}], intents: []};
		}

		case 'up':
		case 'down':
		case 'pageUp':
		case 'pageDown': {
			return scrollStep(state, command, context);
		}

		case 'pickOption': {
			if (question?.options && command.index !== undefined && command.index < question.options.length) {
				return {actions: [{type: 'focusPane', pane: 'questions'}, {type: 'pick', index: command.index}], intents: []};
			}

			return nothing;
		}

		case 'submit': {
			if (state.focus !== 'questions') {
				return {actions: [{type: 'openDetail', source: state.focus}], intents: []};
			}

			if (!question) {
				return nothing;
			}

			if (question.options?.length) {
				const answer = state.picked === undefined ? undefined : question.options[state.picked];
				return answer === undefined ? nothing : {actions: [{type: 'answered'}], intents: [{type: 'answer', id: question.id, answer}]};
			}

			return {actions: [{type: 'startEditing', id: question.id}], intents: []};
		}

		case 'typeAnswer': {
			if (question && (!question.options?.length || takesFreeAnswer(question))) {
				return {actions: [{type: 'focusPane', pane: 'questions'}, {type: 'startEditing', id: question.id}], intents: []};
			}

			return nothing;
		}

		case 'view': {
			return {actions: [{type: 'openDetail', source: state.focus}], intents: []};
		}

		case 'help': {
			return {actions: [{type: 'openDetail', source: 'help'}], intents: []};
		}

		case 'prompt': {
			return {actions: [{type: 'openDetail', source: 'prompt'}], intents: []};
		}

		case 'copy': {
			return {actions: [], intents: [{type: 'copy'}]};
		}

		case 'cancel': {
			return {actions: [{type: 'askCancel'}], intents: []};
		}

		default: {
			return nothing;
		}
	}
}

/**
The app's keys outside the answer line: each read is split into key presses (keyStep decides each against the state the one before left), so "3\r" picks option 3 and sends it. Inactive while the answer line is open; a read that opens the line hands it the rest of its keys.
*/
export function useAppInput(options: {
	state: AppState;
	dispatch: Dispatch<AppAction>;
	context: KeyContext;
	onIntent: (intent: Intent) => void;
	answerHandlers: AnswerLineHandlers;
	isActive: boolean;
}): void {
	const {state, dispatch, context, onIntent, answerHandlers, isActive} = options;
	// The state as the last key left it: a second read can arrive before React renders the first.
	const latest = useRef(state);
	useEffect(() => {
		latest.current = state;
	}, [state]);
	useInput((input, key) => {
		let current = latest.current;
		const events = splitKeys(input, key);
		for (const [index, event] of events.entries()) {
			if (modeOf(current, context.finished) === 'answer' && current.editing) {
				runAnswerKeys(current.editing, events.slice(index), answerHandlers);
				break;
			}

			const step = keyStep(current, commandFor(modeOf(current, context.finished), event), context);
			for (const action of step.actions) {
				current = appReducer(current, action);
				dispatch(action);
			}

			latest.current = current;
			for (const intent of step.intents) {
				onIntent(intent);
			}
		}
	}, {isActive});
}
