/** The view's own state (focus, scrolling, the answer being typed, what is open) as a pure reducer, tested without rendering. */
import type {AnswerText} from './answer-line-reducer.js';
import type {Mode} from './keymap.js';

/** The panes Tab moves between, in order. The status pane takes the focus too, so its lines (errors, failure reasons) open whole with v. */
export const panes = ['progress', 'partial', 'questions', 'status'] as const;
export type PaneId = (typeof panes)[number];

/** What the detail view shows: a pane whole, the hand-off prompt, or the keys. */
export type DetailSource = PaneId | 'prompt' | 'help';

export type Scroll = {
	/** First visible line. */
	offset: number;
	/** Keep the view at the end as lines arrive (the progress tail starts this way). */
	follow: boolean;
};

export type Notice = {text: string; tone: 'info' | 'warning' | 'error'; seq: number};

export type AppState = {
	focus: PaneId;
	scroll: Record<PaneId, Scroll>;
	/** Index into the pending questions. */
	selected: number;
	/** The option picked with a digit, waiting for Enter. */
	picked?: number;
	/** The answer being typed (a question without options, or a free answer to one with options), kept until it is saved. */
	editing?: AnswerDraft;
	/** Answers typed and left with Esc, by question id: the line opens on them again. */
	drafts: Record<string, AnswerText>;
	/** Why an option the person picked and sent was refused or not saved, shown under that question until the next pick. */
	pickRefused?: {id: string; error: string};
	/** The detail view: one thing whole, wrapped and scrolling, over the panes. */
	detail?: {source: DetailSource; scroll: Scroll};
	confirmingCancel: boolean;
	/** Ctrl+C (or q) with an answer typed and not sent: asked before quitting. */
	confirmingQuit: boolean;
	/** Question ids already announced, so only new ones take focus and ring. */
	seenQuestions: string[];
	/** The short line of feedback in the footer (an answer saved, the prompt copied, a file problem). */
	notice?: Notice;
};

/**
A typed answer. `sending`: handed to the edge, not yet saved or refused (the draft stays until the question shows answered). `error`: why the last send was refused, shown under the line.
*/
export type AnswerDraft = AnswerText & {id: string; sending?: boolean; error?: string};

export type AppAction =
	| {type: 'focus'; step: 1 | -1}
	| {type: 'focusPane'; pane: PaneId}
	| {type: 'scroll'; pane: PaneId; delta: number; contentLines: number; visibleLines: number}
	| {type: 'select'; delta: number; pendingCount: number}
	| {type: 'pick'; index: number}
	| {type: 'startEditing'; id: string}
	| {type: 'edit'; value: AnswerText}
	/** Esc: the line closes, what was typed stays as the question's draft. */
	| {type: 'stopEditing'}
	| {type: 'answered'}
	| {type: 'sendDraft'}
	/** The edge refused or could not save an answer: the line opens (again) with the answer as it was, and the reason. */
	| {type: 'answerRefused'; id: string; text: string; error: string}
	/** The question shows answered: a draft sent for it is done. */
	| {type: 'answerSaved'; id: string}
	| {type: 'openDetail'; source: DetailSource}
	| {type: 'closeDetail'}
	| {type: 'detailScroll'; delta: number; contentLines: number; visibleLines: number}
	| {type: 'askCancel'}
	| {type: 'askQuit'}
	| {type: 'closeConfirm'}
	| {type: 'questionsArrived'; ids: string[]; firstNewIndex: number}
	| {type: 'notify'; text: string; tone?: Notice['tone']}
	/** The notice `seq` has been shown long enough (a newer one stays). */
	| {type: 'clearNotice'; seq: number};

export const initialAppState: AppState = {
	focus: 'progress',
	scroll: {
		progress: {offset: 0, follow: true},
		partial: {offset: 0, follow: false},
		questions: {offset: 0, follow: false},
		status: {offset: 0, follow: false},
	},
	selected: 0,
	drafts: {},
	confirmingCancel: false,
	confirmingQuit: false,
	seenQuestions: [],
};

/** What a key means now; the first that applies wins: a question on screen, then the detail view, then the ended screen, then the answer line. */
export function modeOf(state: AppState, finished: boolean): Mode {
	if (state.confirmingQuit) {
		return 'confirmQuit';
	}

	if (state.detail) {
		return 'detail';
	}

	if (finished) {
		return 'finished';
	}

	if (state.confirmingCancel) {
		return 'confirmCancel';
	}

	return state.editing ? 'answer' : 'panes';
}

/** An answer typed and not sent: the open line's text, or a draft left with Esc. Quitting asks first while there is one. */
export function hasUnsentAnswer(state: AppState): boolean {
	return (state.editing !== undefined && !state.editing.sending && state.editing.text.trim() !== '') || Object.values(state.drafts).some(draft => draft.text.trim() !== '');
}

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

function withoutDraft(drafts: Record<string, AnswerText>, id: string): Record<string, AnswerText> {
	if (!(id in drafts)) {
		return drafts;
	}

	const {[id]: _dropped, ...rest} = drafts;
	return rest;
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
			// The questions pane scrolls from the chosen question's first row: another question starts at its top.
			return selected === state.selected ? state : {...state, selected, picked: undefined, scroll: {...state.scroll, questions: {offset: 0, follow: false}}};
		}

		case 'pick': {
			return {...state, picked: action.index, pickRefused: undefined};
		}

		case 'startEditing': {
			const draft = state.drafts[action.id] ?? {text: '', cursor: 0};
			return {...state, editing: {id: action.id, ...draft}, drafts: withoutDraft(state.drafts, action.id)};
		}

		case 'edit': {
			return state.editing ? {...state, editing: {...state.editing, text: action.value.text, cursor: action.value.cursor}} : state;
		}

		case 'stopEditing': {
			if (!state.editing) {
				return state;
			}

			const {id, text, cursor} = state.editing;
			return {...state, editing: undefined, drafts: text === '' ? state.drafts : {...state.drafts, [id]: {text, cursor}}};
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
				return {...state, focus: 'questions', editing: {id: action.id, text: action.text, cursor: [...action.text].length, error: action.error}};
			}

			return {...state, pickRefused: {id: action.id, error: action.error}};
		}

		case 'answerSaved': {
			const done = state.editing?.id === action.id && state.editing.sending;
			return {...state, editing: done ? undefined : state.editing, drafts: withoutDraft(state.drafts, action.id)};
		}

		case 'openDetail': {
			// The progress tail opens at its end, as the pane follows it; everything else at its start.
			return {...state, detail: {source: action.source, scroll: {offset: 0, follow: action.source === 'progress'}}};
		}

		case 'closeDetail': {
			return {...state, detail: undefined};
		}

		case 'detailScroll': {
			return state.detail ? {...state, detail: {...state.detail, scroll: scrollBy(state.detail.scroll, action.delta, action.contentLines, action.visibleLines)}} : state;
		}

		case 'askCancel': {
			return {...state, confirmingCancel: true};
		}

		case 'askQuit': {
			return {...state, confirmingQuit: true};
		}

		case 'closeConfirm': {
			return {...state, confirmingCancel: false, confirmingQuit: false};
		}

		case 'questionsArrived': {
			return {
				...state,
				focus: 'questions',
				selected: action.firstNewIndex,
				picked: undefined,
				scroll: {...state.scroll, questions: {offset: 0, follow: false}},
				seenQuestions: [...state.seenQuestions, ...action.ids],
			};
		}

		case 'notify': {
			return {...state, notice: {text: action.text, tone: action.tone ?? 'info', seq: (state.notice?.seq ?? 0) + 1}};
		}

		case 'clearNotice': {
			return state.notice?.seq === action.seq ? {...state, notice: undefined} : state;
		}
	}
}
