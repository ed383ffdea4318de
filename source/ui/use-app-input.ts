import {useInput} from 'ink';
import type {Dispatch} from 'react';
import type {QuestionView} from '../core/snapshot.js';
import type {Intent} from './intents.js';
import {commandForKey} from './keymap.js';
import {takesFreeAnswer} from './pane-lines.js';
import type {AppAction, AppState, PaneId} from './use-app-state.js';

type Geometry = Record<PaneId, {contentLines: number; visibleLines: number}>;

/**
The app's one keyboard handler: keys become commands (keymap.ts), commands become state changes or intents. While an answer is being typed, only Esc reaches it; the text input owns the rest.
*/
export function useAppInput(options: {
	state: AppState;
	dispatch: Dispatch<AppAction>;
	pending: QuestionView[];
	geometry: Geometry;
	onIntent: (intent: Intent) => void;
	finished: boolean;
}): void {
	const {state, dispatch, pending, geometry, onIntent, finished} = options;
	useInput((input, key) => {
		const command = commandForKey(input, key);
		// Before everything else: Ctrl+Z works while typing an answer or on the finished screen too.
		if (command?.name === 'suspend') {
			onIntent({type: 'suspend'});
			return;
		}

		if (state.editing) {
			// The Esc key itself: n is "no" (escape) only in the cancel question, and a letter of the answer here.
			if (key.escape) {
				dispatch({type: 'stopEditing'});
			}

			return;
		}

		if (state.confirmingCancel) {
			if (command?.name === 'confirm') {
				dispatch({type: 'closeConfirm'});
				onIntent({type: 'cancel'});
			} else if (command?.name === 'escape' || command?.name === 'quit' || command?.name === 'cancel') {
				dispatch({type: 'closeConfirm'});
			}

			return;
		}

		if (state.help && (command?.name === 'escape' || command?.name === 'help')) {
			dispatch({type: 'toggleHelp'});
			return;
		}

		// Once the hand-off has ended, any key but scrolling closes the screen, as the footer says (also keys without a command).
		if (finished && command?.name !== 'up' && command?.name !== 'down' && command?.name !== 'pageUp' && command?.name !== 'pageDown') {
			onIntent({type: 'quit'});
			return;
		}

		if (!command) {
			return;
		}

		const question = pending[state.selected];
		const scroll = (delta: number): void => {
			dispatch({type: 'scroll', pane: state.focus, delta, ...geometry[state.focus]});
		};

		switch (command.name) {
			case 'focusNext':
			case 'focusPrevious': {
				dispatch({type: 'focus', step: command.name === 'focusNext' ? 1 : -1});
				break;
			}

			case 'up':
			case 'down': {
				const delta = command.name === 'up' ? -1 : 1;
				if (state.focus === 'questions' && pending.length > 0) {
					dispatch({type: 'select', delta, pendingCount: pending.length});
				} else {
					scroll(delta);
				}

				break;
			}

			case 'pageUp':
			case 'pageDown': {
				const page = Math.max(1, geometry[state.focus].visibleLines - 1);
				scroll(command.name === 'pageUp' ? -page : page);
				break;
			}

			case 'pickOption': {
				if (question?.options && command.index < question.options.length) {
					dispatch({type: 'focusPane', pane: 'questions'});
					dispatch({type: 'pick', index: command.index});
				}

				break;
			}

			case 'submit': {
				if (state.focus !== 'questions' || !question) {
					break;
				}

				if (question.options?.length) {
					const answer = state.picked === undefined ? undefined : question.options[state.picked];
					if (answer !== undefined) {
						onIntent({type: 'answer', id: question.id, answer});
						dispatch({type: 'answered'});
					}
				} else {
					dispatch({type: 'startEditing', id: question.id});
				}

				break;
			}

			case 'typeAnswer': {
				if (question && (!question.options?.length || takesFreeAnswer(question))) {
					dispatch({type: 'focusPane', pane: 'questions'});
					dispatch({type: 'startEditing', id: question.id});
				}

				break;
			}

			case 'copy': {
				onIntent({type: 'copy'});
				break;
			}

			case 'cancel': {
				dispatch({type: 'askCancel'});
				break;
			}

			case 'help': {
				dispatch({type: 'toggleHelp'});
				break;
			}

			case 'quit': {
				onIntent({type: 'quit'});
				break;
			}

			default:
		}
	});
}
