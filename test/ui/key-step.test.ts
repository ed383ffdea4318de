import {describe, expect, test} from 'vitest';
import type {QuestionView} from '../../source/core/snapshot.js';
import {commandFor} from '../../source/ui/keymap.js';
import {type KeyContext, keyStep} from '../../source/ui/use-app-input.js';
import {type AppState, appReducer, initialAppState, modeOf} from '../../source/ui/use-app-state.js';
import {character, event, namedKey} from './keys.js';
import type {KeyEvent} from '../../source/ui/key-events.js';

const options: QuestionView = {id: 'q1', text: 'Who may edit?', options: ['Users', 'Admins', 'Both']};
const free: QuestionView = {id: 'q2', text: 'Name?'};
const extent = {contentLines: 40, visibleLines: 10};

const context = (patch: Partial<KeyContext> = {}): KeyContext => ({
	pending: [options],
	geometry: {progress: extent, partial: extent, questions: extent, status: {contentLines: 0, visibleLines: 0}},
	detail: extent,
	finished: false,
	...patch,
});

/** Presses the keys one after another from `state`, as the hook does; returns the state and the intents. */
function press(state: AppState, keys: KeyEvent[], ctx = context()) {
	let current = state;
	const intents: unknown[] = [];
	for (const key of keys) {
		const step = keyStep(current, commandFor(modeOf(current, ctx.finished), key), ctx);
		for (const action of step.actions) {
			current = appReducer(current, action);
		}

		intents.push(...step.intents);
	}

	return {state: current, intents};
}

const onQuestions: AppState = {...initialAppState, focus: 'questions'};
const ctrlC = event({text: 'c', ctrl: true});

describe('keyStep', () => {
	test('a digit then Enter sends that option', () => {
		expect(press(onQuestions, [character('3'), namedKey('return')]).intents).toEqual([{type: 'answer', id: 'q1', answer: 'Both'}]);
	});

	test('Ctrl+C quits at once when nothing is typed, from every mode', () => {
		expect(press(initialAppState, [ctrlC]).intents).toEqual([{type: 'quit'}]);
		expect(press({...initialAppState, detail: {source: 'help', scroll: {offset: 0, follow: false}}}, [ctrlC]).intents).toEqual([{type: 'quit'}]);
		expect(press({...initialAppState, confirmingCancel: true}, [ctrlC]).intents).toEqual([{type: 'quit'}]);
		expect(press(initialAppState, [ctrlC], context({finished: true})).intents).toEqual([{type: 'quit'}]);
	});

	test('Ctrl+C or q with an answer half-typed asks first: y quits, n stays with the draft; Ctrl+C again quits', () => {
		const drafted: AppState = {...initialAppState, drafts: {q2: {text: 'Daz', cursor: 3}}};
		const asked = press(drafted, [ctrlC]);
		expect(asked.intents).toEqual([]);
		expect(asked.state.confirmingQuit).toBe(true);
		expect(press(drafted, [character('q')]).state.confirmingQuit).toBe(true);
		expect(press(asked.state, [character('y')]).intents).toEqual([{type: 'quit'}]);
		expect(press(asked.state, [ctrlC]).intents).toEqual([{type: 'quit'}]);
		const stayed = press(asked.state, [character('n')]);
		expect(stayed.intents).toEqual([]);
		expect(stayed.state.confirmingQuit).toBe(false);
		expect(stayed.state.drafts).toEqual({q2: {text: 'Daz', cursor: 3}});
	});

	test('the finished screen closes on any key but the ones it uses (letters, digits, Enter, Esc alike)', () => {
		for (const key of [character('a'), character('z'), character('1'), namedKey('return'), namedKey('escape'), character('q'), namedKey('left')]) {
			expect(press(initialAppState, [key], context({finished: true})).intents, key.name ?? key.text).toEqual([{type: 'quit'}]);
		}

		for (const key of [namedKey('up'), namedKey('pageDown'), namedKey('tab')]) {
			expect(press(initialAppState, [key], context({finished: true})).intents).toEqual([]);
		}

		expect(press(initialAppState, [character('v')], context({finished: true})).state.detail?.source).toBe('progress');
		expect(press(initialAppState, [event({text: 'z', ctrl: true})], context({finished: true})).intents).toEqual([{type: 'suspend'}]);
	});

	test('v and Enter open the focused pane whole (Enter on the questions still answers); Esc, q and v close it', () => {
		const partial: AppState = {...initialAppState, focus: 'partial'};
		expect(press(partial, [character('v')]).state.detail?.source).toBe('partial');
		expect(press(partial, [namedKey('return')]).state.detail?.source).toBe('partial');
		expect(press({...initialAppState, focus: 'status'}, [namedKey('return')]).state.detail?.source).toBe('status');
		expect(press(onQuestions, [character('v')]).state.detail?.source).toBe('questions');
		for (const close of [namedKey('escape'), character('q'), character('v')]) {
			const opened = press(partial, [character('v'), close]);
			expect(opened.state.detail).toBeUndefined();
			expect(opened.intents).toEqual([]);
		}
	});

	test('p shows the prompt; ? the keys, and ? again closes them', () => {
		expect(press(initialAppState, [character('p')]).state.detail?.source).toBe('prompt');
		expect(press(initialAppState, [character('?')]).state.detail?.source).toBe('help');
		expect(press(initialAppState, [character('?'), character('?')]).state.detail).toBeUndefined();
		expect(press(initialAppState, [character('v'), character('?')]).state.detail?.source).toBe('help');
	});

	test('the detail view scrolls by line, page and to either end, within its rows', () => {
		const opened = press({...initialAppState, focus: 'partial'}, [character('v')]).state;
		expect(press(opened, [namedKey('pageDown')]).state.detail?.scroll.offset).toBe(9);
		expect(press(opened, [namedKey('end')]).state.detail?.scroll).toEqual({offset: 30, follow: true});
		expect(press(opened, [namedKey('end'), namedKey('home')]).state.detail?.scroll.offset).toBe(0);
		expect(press(opened, [namedKey('down'), namedKey('down'), namedKey('up')]).state.detail?.scroll.offset).toBe(1);
	});

	test('Enter on a question without options opens the answer line on the draft left with Esc', () => {
		const state: AppState = {...onQuestions, drafts: {q2: {text: 'Daz', cursor: 3}}};
		const opened = press(state, [namedKey('return')], context({pending: [free]}));
		expect(opened.state.editing).toEqual({id: 'q2', text: 'Daz', cursor: 3});
		expect(modeOf(opened.state, false)).toBe('answer');
	});

	test('t opens the answer line on a question with options, not on a strict one', () => {
		expect(press(onQuestions, [character('t')]).state.editing?.id).toBe('q1');
		expect(press(onQuestions, [character('t')], context({pending: [{...options, strict: true}]})).state.editing).toBeUndefined();
	});

	test('x asks first; y cancels; n, Esc and q keep going', () => {
		expect(press(initialAppState, [character('x'), character('y')]).intents).toEqual([{type: 'cancel'}]);
		for (const no of [character('n'), namedKey('escape'), character('q')]) {
			const kept = press(initialAppState, [character('x'), no]);
			expect(kept.intents).toEqual([]);
			expect(kept.state.confirmingCancel).toBe(false);
		}
	});
});
