import {describe, expect, test} from 'vitest';
import {type AnswerLineHandlers, type AnswerText, answerLineReducer, runAnswerKeys} from '../../source/ui/answer-line-reducer.js';
import {answerWindow} from '../../source/ui/components/answer-line.js';
import {splitKeys} from '../../source/ui/key-events.js';
import {plainKey} from './keys.js';

const at = (text: string, cursor = [...text].length): AnswerText => ({text, cursor});

describe('answerLineReducer', () => {
	test('insert types at the cursor; a pasted line break or tab becomes a space', () => {
		expect(answerLineReducer(at('Nt', 1), {type: 'insert', text: 'o'})).toEqual(at('Not', 2));
		expect(answerLineReducer(at(''), {type: 'insert', text: 'a\r\nb\tc'})).toEqual(at('a b c'));
	});

	test('deleting before and at the cursor; at the ends nothing changes', () => {
		expect(answerLineReducer(at('abc', 2), {type: 'deleteBackward'})).toEqual(at('ac', 1));
		expect(answerLineReducer(at('abc', 1), {type: 'deleteForward'})).toEqual(at('ac', 1));
		const start = at('abc', 0);
		expect(answerLineReducer(start, {type: 'deleteBackward'})).toBe(start);
		const end = at('abc');
		expect(answerLineReducer(end, {type: 'deleteForward'})).toBe(end);
	});

	test('the cursor moves by characters (an emoji is one) and stays inside the text', () => {
		expect(answerLineReducer(at('a👍b', 1), {type: 'right'})).toEqual(at('a👍b', 2));
		expect(answerLineReducer(at('a👍b', 2), {type: 'deleteBackward'})).toEqual(at('ab', 1));
		expect(answerLineReducer(at('ab', 0), {type: 'left'})).toEqual(at('ab', 0));
		expect(answerLineReducer(at('ab'), {type: 'right'})).toEqual(at('ab'));
		expect(answerLineReducer(at('ab', 1), {type: 'start'})).toEqual(at('ab', 0));
		expect(answerLineReducer(at('ab', 0), {type: 'end'})).toEqual(at('ab'));
	});
});

/** Runs one read through the answer line and records what it asked for. */
function run(value: AnswerText, input: string, key = plainKey) {
	const calls: string[] = [];
	let last = value;
	const handlers: AnswerLineHandlers = {
		onChange(next) {
			last = next;
			calls.push(`change ${next.text}`);
		},
		onSend(text) {
			calls.push(`send ${text}`);
		},
		onLeave() {
			calls.push('leave');
		},
		onInterrupt() {
			calls.push(`interrupt ${last.text}`);
		},
		onSuspend() {
			calls.push('suspend');
		},
	};
	runAnswerKeys(value, splitKeys(input, key, {keepText: true}), handlers);
	return {calls, last};
}

describe('runAnswerKeys', () => {
	test('n, q, x and ? are letters of the answer: "No" can be typed', () => {
		expect(run(at(''), 'N').last).toEqual(at('N'));
		expect(run(at('N'), 'o').last).toEqual(at('No'));
		expect(run(at(''), 'qx?n').calls).toEqual(['change qx?n']);
	});

	test('text and Enter in one read type the text and send it', () => {
		expect(run(at(''), 'No\r').calls).toEqual(['change No', 'send No']);
	});

	test('Esc leaves with the text as it stands; Ctrl+C and Ctrl+Z are commands, not text', () => {
		expect(run(at('Da'), '', {...plainKey, escape: true}).calls).toEqual(['leave']);
		expect(run(at('Da'), 'c', {...plainKey, ctrl: true}).calls).toEqual(['interrupt Da']);
		expect(run(at('Da'), 'z\u0003', plainKey).calls).toEqual(['change Daz', 'interrupt Daz']);
		expect(run(at('Da'), 'z', {...plainKey, ctrl: true}).calls).toEqual(['suspend']);
	});

	test('Backspace and the arrows edit', () => {
		expect(run(at('Nox'), '', {...plainKey, backspace: true}).last).toEqual(at('No'));
		expect(run(at('No'), '', {...plainKey, leftArrow: true}).last).toEqual(at('No', 1));
	});
});

describe('answerWindow', () => {
	test('a short answer shows whole, the cursor at its end a space', () => {
		expect(answerWindow('Daz', 3, 20)).toEqual({before: 'Daz', at: ' ', after: ''});
	});

	test('a long answer shows the part around the cursor, with … where it is cut', () => {
		const text = 'abcdefghijklmnopqrstuvwxyz';
		const end = answerWindow(text, 26, 10);
		expect(end.before.startsWith('…')).toBe(true);
		expect(end.before.endsWith('z')).toBe(true);
		expect([...end.before].length + 1).toBe(10);
		expect(answerWindow(text, 0, 10)).toEqual({before: '', at: 'a', after: 'bcdefghi…'});
		expect(answerWindow(text, 12, 10)).toEqual({before: '…efghijkl', at: 'm', after: ''});
	});
});
