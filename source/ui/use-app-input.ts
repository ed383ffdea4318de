import {useInput, useStdin} from 'ink';
import {type Dispatch, useEffect, useLayoutEffect, useRef} from 'react';
import type {QuestionView} from '../core/snapshot.js';
import {type AnswerLineHandlers, runAnswerKeys} from './answer-line-reducer.js';
import type {Intent} from './intents.js';
import {type KeyEvent, splitKeys} from './key-events.js';
import {type Command, commandFor} from './keymap.js';
import {takesFreeAnswer} from './pane-lines.js';
import {type AnswerDraft, type AppAction, type AppState, type PaneId, appReducer, hasUnsentAnswer, modeOf} from './use-app-state.js';

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
The app's keys. Each read is split into key presses, and each press goes where the mode says at that moment (keyStep for the panes, runAnswerKeys for the answer line), against the state the press before left: "3\r" picks option 3 and sends it; "tNo\r" opens the answer line and types No into it.

Two subscriptions with `isActive`: the answer line's while it is open (a paste stays one insert), the panes' otherwise, so no key of the answer line ever reaches a pane command. Both read the live state from a ref set at commit, because Ink draws a frame before React runs the effects that would subscribe the next handler: a key in that gap still meets the right state.
*/
export function useAppInput(options: {
	state: AppState;
	dispatch: Dispatch<AppAction>;
	context: KeyContext;
	onIntent: (intent: Intent) => void;
}): void {
	const {state, dispatch, context, onIntent} = options;
	const live = useRef({state, context});
	useLayoutEffect(() => {
		live.current = {state, context};
	});
	const apply = (action: AppAction): void => {
		live.current = {...live.current, state: appReducer(live.current.state, action)};
		dispatch(action);
	};

	const answerHandlers = (editing: AnswerDraft): AnswerLineHandlers => ({
		onChange(value) {
			apply({type: 'edit', value});
		},
		onSend(text) {
			// One send at a time: the draft stays until the question shows answered or the answer is refused.
			if (!editing.sending && text.trim() !== '') {
				onIntent({type: 'answer', id: editing.id, answer: text.trim()});
				apply({type: 'sendDraft'});
			}
		},
		onLeave() {
			apply({type: 'stopEditing'});
		},
		onInterrupt() {
			const step = quitStep(live.current.state);
			for (const action of step.actions) {
				apply(action);
			}

			for (const intent of step.intents) {
				onIntent(intent);
			}
		},
		onSuspend() {
			onIntent({type: 'suspend'});
		},
	});

	const handle = (events: KeyEvent[]): void => {
		const {context: current} = live.current;
		for (const [index, event] of events.entries()) {
			const {state: now} = live.current;
			if (modeOf(now, current.finished) === 'answer' && now.editing) {
				runAnswerKeys(now.editing, events.slice(index), answerHandlers(now.editing));
				return;
			}

			const step = keyStep(now, commandFor(modeOf(now, current.finished), event), current);
			for (const action of step.actions) {
				apply(action);
			}

			for (const intent of step.intents) {
				onIntent(intent);
			}
		}
	};

	// Raw mode is held for the app's whole life: when the active subscription changes, Ink would otherwise count down to none and drop the terminal to cooked mode for a moment (a key typed then is lost, or Ctrl+C becomes a signal).
	const {setRawMode} = useStdin();
	useEffect(() => {
		setRawMode(true);
		return () => {
			setRawMode(false);
		};
	}, [setRawMode]);
	const answering = modeOf(state, context.finished) === 'answer';
	useInput((input, key) => {
		handle(splitKeys(input, key));
	}, {isActive: !answering});
	useInput((input, key) => {
		handle(splitKeys(input, key, {keepText: true}));
	}, {isActive: answering});
}
