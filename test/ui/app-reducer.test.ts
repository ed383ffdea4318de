import {describe, expect, test} from 'vitest';
import {type AppAction, type AppState, appReducer, hasUnsentAnswer, initialAppState, modeOf, panes, scrollBy, visibleOffset} from '../../source/ui/use-app-state.js';

/** Freezes `value` and everything in it, so a reducer that mutates its input throws. */
function deepFreeze<T>(value: T): T {
	if (value && typeof value === 'object') {
		for (const child of Object.values(value)) {
			deepFreeze(child);
		}

		Object.freeze(value);
	}

	return value;
}

const state = (patch: Partial<AppState> = {}): AppState => deepFreeze({...structuredClone(initialAppState), ...patch});

/** One of every action: adding an action type without a case here fails the type check. */
const everyAction: {[Type in AppAction['type']]: Extract<AppAction, {type: Type}>} = {
	focus: {type: 'focus', step: 1},
	focusPane: {type: 'focusPane', pane: 'partial'},
	scroll: {type: 'scroll', pane: 'progress', delta: -1, contentLines: 50, visibleLines: 10},
	select: {type: 'select', delta: 1, pendingCount: 3},
	pick: {type: 'pick', index: 2},
	startEditing: {type: 'startEditing', id: 'q2'},
	edit: {type: 'edit', value: {text: 'Daz', cursor: 3}},
	stopEditing: {type: 'stopEditing'},
	answered: {type: 'answered'},
	sendDraft: {type: 'sendDraft'},
	answerRefused: {type: 'answerRefused', id: 'q1', text: '7', error: 'q1 has 3 options: 7 is not one of them'},
	answerSaved: {type: 'answerSaved', id: 'q1'},
	openDetail: {type: 'openDetail', source: 'help'},
	closeDetail: {type: 'closeDetail'},
	detailScroll: {type: 'detailScroll', delta: 1, contentLines: 50, visibleLines: 10},
	askQuit: {type: 'askQuit'},
	notify: {type: 'notify', text: 'Answer to q1 saved: Yes'},
	clearNotice: {type: 'clearNotice', seq: 1},
	askCancel: {type: 'askCancel'},
	closeConfirm: {type: 'closeConfirm'},
	questionsArrived: {type: 'questionsArrived', ids: ['q3'], firstNewIndex: 1},
};

describe('appReducer', () => {
	test.each(Object.values(everyAction))('$type returns a new state and leaves its input as it was', action => {
		const before = state({editing: {id: 'q1', text: 'x', cursor: 1}, drafts: {q3: {text: 'half', cursor: 4}}, picked: 0, selected: 1, detail: {source: 'progress', scroll: {offset: 3, follow: false}}, confirmingCancel: true, notice: {text: 'x', tone: 'info', seq: 1}});
		const snapshot = structuredClone(before);
		// A frozen input makes any mutation throw.
		const after = appReducer(before, action);
		expect(before).toEqual(snapshot);
		expect(after).not.toBe(before);
	});

	test('the initial state: progress focused and following, nothing picked, typed or open', () => {
		expect(initialAppState).toEqual({
			focus: 'progress',
			scroll: {progress: {offset: 0, follow: true}, partial: {offset: 0, follow: false}, questions: {offset: 0, follow: false}, status: {offset: 0, follow: false}},
			selected: 0,
			drafts: {},
			confirmingCancel: false,
			confirmingQuit: false,
			seenQuestions: [],
		});
		expect(panes).toEqual(['progress', 'partial', 'questions', 'status']);
	});

	test('focus steps through the panes in order and wraps both ways', () => {
		const forward = [];
		let current = state();
		for (let step = 0; step < 4; step++) {
			current = appReducer(current, {type: 'focus', step: 1});
			forward.push(current.focus);
		}

		expect(forward).toEqual(['partial', 'questions', 'status', 'progress']);
		expect(appReducer(state({focus: 'progress'}), {type: 'focus', step: -1}).focus).toBe('status');
		expect(appReducer(state({focus: 'questions'}), {type: 'focus', step: -1}).focus).toBe('partial');
	});

	test('focusPane focuses that pane', () => {
		for (const pane of panes) {
			expect(appReducer(state(), {type: 'focusPane', pane}).focus).toBe(pane);
		}
	});

	test('scroll moves only the named pane, by scrollBy', () => {
		const next = appReducer(state(), {type: 'scroll', pane: 'partial', delta: 5, contentLines: 50, visibleLines: 10});
		expect(next.scroll.partial).toEqual({offset: 5, follow: false});
		expect(next.scroll.progress).toEqual(initialAppState.scroll.progress);
		expect(next.scroll.questions).toEqual(initialAppState.scroll.questions);
	});

	test('select moves within the pending questions, keeps the pick on the same question and drops it on another', () => {
		const start = state({selected: 1, picked: 2});
		expect(appReducer(start, {type: 'select', delta: 1, pendingCount: 3})).toMatchObject({selected: 2, picked: undefined});
		expect(appReducer(start, {type: 'select', delta: -1, pendingCount: 3})).toMatchObject({selected: 0, picked: undefined});
		// Clamped at both ends: the selection does not move, so the pick stays.
		expect(appReducer(state({selected: 2, picked: 1}), {type: 'select', delta: 1, pendingCount: 3})).toMatchObject({selected: 2, picked: 1});
		expect(appReducer(state({selected: 0, picked: 1}), {type: 'select', delta: -5, pendingCount: 3})).toMatchObject({selected: 0, picked: 1});
		expect(appReducer(state({selected: 0}), {type: 'select', delta: 10, pendingCount: 3}).selected).toBe(2);
	});

	test('select with no pending question changes nothing', () => {
		const start = state({selected: 0, picked: 1});
		expect(appReducer(start, {type: 'select', delta: 1, pendingCount: 0})).toBe(start);
	});

	test('pick remembers the option', () => {
		expect(appReducer(state(), {type: 'pick', index: 4}).picked).toBe(4);
		expect(appReducer(state({picked: 4}), {type: 'pick', index: 0}).picked).toBe(0);
	});

	test('startEditing opens an empty answer line for that question; edit changes its text; stopEditing closes it and keeps the text as a draft', () => {
		const editing = appReducer(state(), {type: 'startEditing', id: 'q2'});
		expect(editing.editing).toEqual({id: 'q2', text: '', cursor: 0});
		const typed = appReducer(editing, {type: 'edit', value: {text: 'Daz', cursor: 2}});
		expect(typed.editing).toEqual({id: 'q2', text: 'Daz', cursor: 2});
		const left = appReducer(typed, {type: 'stopEditing'});
		expect(left.editing).toBeUndefined();
		expect(left.drafts).toEqual({q2: {text: 'Daz', cursor: 2}});
		// Esc keeps the draft: the line opens on it again, where the cursor was.
		const back = appReducer(left, {type: 'startEditing', id: 'q2'});
		expect(back.editing).toEqual({id: 'q2', text: 'Daz', cursor: 2});
		expect(back.drafts).toEqual({});
		// An empty line leaves no draft.
		expect(appReducer(editing, {type: 'stopEditing'}).drafts).toEqual({});
	});

	test('a draft is dropped once its question shows answered; quitting asks while one is typed and not sent', () => {
		const withDraft = state({drafts: {q2: {text: 'Daz', cursor: 3}}});
		expect(hasUnsentAnswer(withDraft)).toBe(true);
		expect(hasUnsentAnswer(state({editing: {id: 'q2', text: 'Da', cursor: 2}}))).toBe(true);
		expect(hasUnsentAnswer(state({editing: {id: 'q2', text: '  ', cursor: 2}}))).toBe(false);
		expect(hasUnsentAnswer(state({editing: {id: 'q2', text: 'Da', cursor: 2, sending: true}}))).toBe(false);
		expect(hasUnsentAnswer(state())).toBe(false);
		expect(appReducer(withDraft, {type: 'answerSaved', id: 'q2'}).drafts).toEqual({});
	});

	test('edit without an open answer line changes nothing', () => {
		const start = state();
		expect(appReducer(start, {type: 'edit', value: {text: 'stray', cursor: 5}})).toBe(start);
	});

	test('answered closes the answer line and forgets the pick, and nothing else', () => {
		const start = state({editing: {id: 'q2', text: 'Daz', cursor: 3}, picked: 1, selected: 1, focus: 'questions'});
		expect(appReducer(start, {type: 'answered'})).toEqual({...start, editing: undefined, picked: undefined});
	});

	test('sendDraft keeps the draft and marks it sending; a second send while it is sending changes nothing', () => {
		const sending = appReducer(state({editing: {id: 'q2', text: 'Daz', cursor: 3, error: 'old reason'}}), {type: 'sendDraft'});
		expect(sending.editing).toEqual({id: 'q2', text: 'Daz', cursor: 3, error: 'old reason', sending: true});
		expect(appReducer(sending, {type: 'sendDraft'})).toBe(sending);
		expect(appReducer(state(), {type: 'sendDraft'}).editing).toBeUndefined();
	});

	test('answerRefused brings a typed answer back to its line with the text as sent and the reason, focused', () => {
		const sending = state({focus: 'progress', editing: {id: 'q2', text: '{"n": "x"}', cursor: 10, sending: true}});
		expect(appReducer(sending, {type: 'answerRefused', id: 'q2', text: '{"n": "x"}', error: '/n: must be number'})).toEqual({
			...sending,
			focus: 'questions',
			editing: {id: 'q2', text: '{"n": "x"}', cursor: 10, error: '/n: must be number'},
		});
	});

	test('answerRefused for a picked option says why under the question and opens no line; a draft for another question is kept; the next pick clears it', () => {
		const refused = appReducer(state(), {type: 'answerRefused', id: 'q1', text: 'Yes', error: 'not saved'});
		expect(refused.editing).toBeUndefined();
		expect(refused.pickRefused).toEqual({id: 'q1', error: 'not saved'});
		const typing = state({editing: {id: 'q3', text: 'half a', cursor: 6}});
		expect(appReducer(typing, {type: 'answerRefused', id: 'q1', text: 'Maybe', error: 'no'}).editing).toEqual({id: 'q3', text: 'half a', cursor: 6});
		expect(appReducer(refused, {type: 'pick', index: 0}).pickRefused).toBeUndefined();
	});

	test('answerSaved closes only a draft sent for that question; a draft still being typed stays', () => {
		expect(appReducer(state({editing: {id: 'q2', text: 'Daz', cursor: 3, sending: true}}), {type: 'answerSaved', id: 'q2'}).editing).toBeUndefined();
		expect(appReducer(state({editing: {id: 'q2', text: 'Daz', cursor: 3}}), {type: 'answerSaved', id: 'q2'}).editing).toEqual({id: 'q2', text: 'Daz', cursor: 3});
		expect(appReducer(state({editing: {id: 'q2', text: 'Daz', cursor: 3, sending: true}}), {type: 'answerSaved', id: 'q1'}).editing).toEqual({id: 'q2', text: 'Daz', cursor: 3, sending: true});
	});

	test('openDetail shows one thing whole (the progress from its end), detailScroll scrolls it, closeDetail closes it', () => {
		const open = appReducer(state(), {type: 'openDetail', source: 'partial'});
		expect(open.detail).toEqual({source: 'partial', scroll: {offset: 0, follow: false}});
		expect(appReducer(state(), {type: 'openDetail', source: 'progress'}).detail).toEqual({source: 'progress', scroll: {offset: 0, follow: true}});
		const scrolled = appReducer(open, {type: 'detailScroll', delta: 5, contentLines: 30, visibleLines: 10});
		expect(scrolled.detail?.scroll).toEqual({offset: 5, follow: false});
		expect(appReducer(scrolled, {type: 'closeDetail'}).detail).toBeUndefined();
		expect(appReducer(state(), {type: 'detailScroll', delta: 5, contentLines: 30, visibleLines: 10})).toEqual(state());
	});

	test('modeOf: a question on screen first, then the detail view, the ended screen, the answer line', () => {
		expect(modeOf(state(), false)).toBe('panes');
		expect(modeOf(state({editing: {id: 'q1', text: '', cursor: 0}}), false)).toBe('answer');
		expect(modeOf(state({editing: {id: 'q1', text: '', cursor: 0}}), true)).toBe('finished');
		expect(modeOf(state({confirmingCancel: true}), false)).toBe('confirmCancel');
		expect(modeOf(state({confirmingCancel: true, detail: {source: 'help', scroll: {offset: 0, follow: false}}}), false)).toBe('detail');
		expect(modeOf(state({detail: {source: 'help', scroll: {offset: 0, follow: false}}}), true)).toBe('detail');
		expect(modeOf(state({confirmingQuit: true, editing: {id: 'q1', text: 'x', cursor: 1}}), false)).toBe('confirmQuit');
	});

	test('notify shows a notice with a new seq; clearNotice clears only that one', () => {
		const first = appReducer(state(), {type: 'notify', text: 'one'});
		const second = appReducer(first, {type: 'notify', text: 'two', tone: 'warning'});
		expect(second.notice).toEqual({text: 'two', tone: 'warning', seq: 2});
		expect(appReducer(second, {type: 'clearNotice', seq: 1})).toBe(second);
		expect(appReducer(second, {type: 'clearNotice', seq: 2}).notice).toBeUndefined();
	});

	test('askCancel and askQuit open their question and closeConfirm closes it', () => {
		const asking = appReducer(state(), {type: 'askCancel'});
		expect(asking.confirmingCancel).toBe(true);
		expect(appReducer(asking, {type: 'closeConfirm'}).confirmingCancel).toBe(false);
		const quitting = appReducer(state(), {type: 'askQuit'});
		expect(quitting.confirmingQuit).toBe(true);
		expect(appReducer(quitting, {type: 'closeConfirm'}).confirmingQuit).toBe(false);
	});

	test('questionsArrived focuses the questions, selects the first new one, forgets the pick and remembers the ids', () => {
		const start = state({focus: 'partial', selected: 0, picked: 2, seenQuestions: ['q1']});
		expect(appReducer(start, {type: 'questionsArrived', ids: ['q2', 'q3'], firstNewIndex: 1})).toEqual({
			...start,
			focus: 'questions',
			selected: 1,
			picked: undefined,
			scroll: {...start.scroll, questions: {offset: 0, follow: false}},
			seenQuestions: ['q1', 'q2', 'q3'],
		});
	});
});

describe('scrollBy', () => {
	// 50 lines in a 10-line window: offsets 0 to 40.
	test('from following the end, up leaves the end and stops following', () => {
		expect(scrollBy({offset: 0, follow: true}, -1, 50, 10)).toEqual({offset: 39, follow: false});
		expect(scrollBy({offset: 0, follow: true}, -9, 50, 10)).toEqual({offset: 31, follow: false});
	});

	test('moves by delta from the offset when not following', () => {
		expect(scrollBy({offset: 10, follow: false}, 5, 50, 10)).toEqual({offset: 15, follow: false});
		expect(scrollBy({offset: 10, follow: false}, -5, 50, 10)).toEqual({offset: 5, follow: false});
	});

	test('clamps at the top', () => {
		expect(scrollBy({offset: 3, follow: false}, -10, 50, 10)).toEqual({offset: 0, follow: false});
	});

	test('reaching the end going down turns following back on; overshooting clamps', () => {
		expect(scrollBy({offset: 35, follow: false}, 5, 50, 10)).toEqual({offset: 40, follow: true});
		expect(scrollBy({offset: 35, follow: false}, 100, 50, 10)).toEqual({offset: 40, follow: true});
	});

	test('standing at the end without moving down does not turn following on; while following, it stays on', () => {
		expect(scrollBy({offset: 40, follow: false}, 0, 50, 10)).toEqual({offset: 40, follow: false});
		expect(scrollBy({offset: 0, follow: true}, 0, 50, 10)).toEqual({offset: 40, follow: true});
		expect(scrollBy({offset: 0, follow: true}, 1, 50, 10)).toEqual({offset: 40, follow: true});
	});

	test('content shorter than the window stays at the top', () => {
		expect(scrollBy({offset: 0, follow: false}, -1, 5, 10)).toEqual({offset: 0, follow: false});
		expect(scrollBy({offset: 7, follow: false}, 1, 5, 10)).toEqual({offset: 0, follow: true});
		expect(scrollBy({offset: 0, follow: false}, 1, 0, 10)).toEqual({offset: 0, follow: true});
	});

	test('an offset past content that shrank comes back inside it', () => {
		expect(scrollBy({offset: 90, follow: false}, -1, 50, 10)).toEqual({offset: 40, follow: false});
	});
});

describe('visibleOffset', () => {
	test('following shows the last window, whatever the stored offset', () => {
		expect(visibleOffset({offset: 0, follow: true}, 50, 10)).toBe(40);
		expect(visibleOffset({offset: 7, follow: true}, 60, 10)).toBe(50);
	});

	test('not following keeps the offset, clamped when the content shrank', () => {
		expect(visibleOffset({offset: 12, follow: false}, 50, 10)).toBe(12);
		expect(visibleOffset({offset: 45, follow: false}, 50, 10)).toBe(40);
	});

	test('content that fits starts at the top', () => {
		expect(visibleOffset({offset: 0, follow: true}, 5, 10)).toBe(0);
		expect(visibleOffset({offset: 3, follow: false}, 5, 10)).toBe(0);
		expect(visibleOffset({offset: 0, follow: true}, 0, 10)).toBe(0);
	});
});
