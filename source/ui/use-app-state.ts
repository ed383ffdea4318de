/** The view's own state (focus, scrolling, the answer being typed) as a pure reducer, tested without rendering. */

export const panes = ['progress', 'partial', 'questions'] as const;
export type PaneId = (typeof panes)[number];

export type Scroll = {
	/** First visible line. */
	offset: number;
	/** Keep the view at the end as lines arrive (the progress tail starts this way). */
	follow: boolean;
};

export type AppState = {
	focus: PaneId;
	scroll: Record<PaneId, Scroll>;
	/** Index into the pending questions. */
	selected: number;
	/** The option picked with a digit, waiting for Enter. */
	picked?: number;
	/** The answer being typed (a question without options, or a free answer to one with options), kept until it is saved. */
	editing?: AnswerDraft;
	/** Why an option the person picked and sent was refused or not saved, shown under that question until the next pick. */
	pickRefused?: {id: string; error: string};
	help: boolean;
	confirmingCancel: boolean;
	/** Question ids already announced, so only new ones take focus and ring. */
	seenQuestions: string[];
};

/**
A typed answer. `sending`: handed to the edge, not yet saved or refused (the draft stays until the question shows answered). `error`: why the last send was refused, shown under the line.
*/
export type AnswerDraft = {id: string; text: string; sending?: boolean; error?: string};

export type AppAction =
	| {type: 'focus'; step: 1 | -1}
	| {type: 'focusPane'; pane: PaneId}
	| {type: 'scroll'; pane: PaneId; delta: number; contentLines: number; visibleLines: number}
	| {type: 'select'; delta: number; pendingCount: number}
	| {type: 'pick'; index: number}
	| {type: 'startEditing'; id: string}
	| {type: 'edit'; text: string}
	| {type: 'stopEditing'}
	| {type: 'answered'}
	| {type: 'sendDraft'}
	/** The edge refused or could not save an answer: the line opens (again) with the answer as it was, and the reason. */
	| {type: 'answerRefused'; id: string; text: string; error: string}
	/** The question shows answered: a draft sent for it is done. */
	| {type: 'answerSaved'; id: string}
	| {type: 'toggleHelp'}
	| {type: 'askCancel'}
	| {type: 'closeConfirm'}
	| {type: 'questionsArrived'; ids: string[]; firstNewIndex: number};

export const initialAppState: AppState = {
	focus: 'progress',
	scroll: {
		progress: {offset: 0, follow: true},
		partial: {offset: 0, follow: false},
		questions: {offset: 0, follow: false},
	},
	selected: 0,
	help: false,
	confirmingCancel: false,
	seenQuestions: [],
};

/** Clamps a scroll position to the content; reaching the end turns following back on. */
export function scrollBy(scroll: Scroll, delta: number, contentLines: number, visibleLines: number): Scroll {
	const maxOffset = Math.max(0, contentLines - visibleLines);
	const from = scroll.follow ? maxOffset : scroll.offset;
	const offset = Math.min(maxOffset, Math.max(0, from + delta));
	return {offset, follow: offset === maxOffset && delta > 0 ? true : offset === maxOffset && scroll.follow};
}

/** The first visible line for a pane with `contentLines` lines, `visibleLines` tall. */
export function visibleOffset(scroll: Scroll, contentLines: number, visibleLines: number): number {
	const maxOffset = Math.max(0, contentLines - visibleLines);
	return scroll.follow ? maxOffset : Math.min(scroll.offset, maxOffset);
}

export function appReducer(state: AppState, action: AppAction): AppState {
	switch (action.type) {
		case 'focus': {
			const index = panes.indexOf(state.focus);
			return {...state, focus: panes[(index + action.step + panes.length) % panes.length]!};
		}

		case 'focusPane': {
			return {...state, focus: action.pane};
		}

		case 'scroll': {
			return {...state, scroll: {...state.scroll, [action.pane]: scrollBy(state.scroll[action.pane], action.delta, action.contentLines, action.visibleLines)}};
		}

		case 'select': {
			if (action.pendingCount === 0) {
				return state;
			}

			const selected = Math.min(action.pendingCount - 1, Math.max(0, state.selected + action.delta));
			return {...state, selected, picked: selected === state.selected ? state.picked : undefined};
		}

		case 'pick': {
			return {...state, picked: action.index, pickRefused: undefined};
		}

		case 'startEditing': {
			return {...state, editing: {id: action.id, text: ''}};
		}

		case 'edit': {
			return state.editing ? {...state, editing: {...state.editing, text: action.text}} : state;
		}

		case 'stopEditing': {
			return {...state, editing: undefined};
		}

		case 'answered': {
			return {...state, editing: undefined, picked: undefined};
		}

		case 'sendDraft': {
			return state.editing && !state.editing.sending ? {...state, editing: {...state.editing, sending: true}} : state;
		}

		case 'answerRefused': {
			// A typed answer comes back to its line, with the text as it was; a picked option is refused under its question, leaving the keys as they were.
			if (state.editing?.id === action.id) {
				return {...state, focus: 'questions', editing: {id: action.id, text: action.text, error: action.error}};
			}

			return {...state, pickRefused: {id: action.id, error: action.error}};
		}

		case 'answerSaved': {
			return {...state, editing: state.editing?.id === action.id && state.editing.sending ? undefined : state.editing};
		}

		case 'toggleHelp': {
			return {...state, help: !state.help};
		}

		case 'askCancel': {
			return {...state, confirmingCancel: true};
		}

		case 'closeConfirm': {
			return {...state, confirmingCancel: false};
		}

		case 'questionsArrived': {
			return {
				...state,
				focus: 'questions',
				selected: action.firstNewIndex,
				picked: undefined,
				seenQuestions: [...state.seenQuestions, ...action.ids],
			};
		}
	}
}
