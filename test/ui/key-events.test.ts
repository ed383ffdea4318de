import {describe, expect, test} from 'vitest';
import {splitKeys} from '../../source/ui/key-events.js';
import {plainKey} from './keys.js';

const plain = (input: string, keepText = false) => splitKeys(input, plainKey, {keepText});

describe('splitKeys', () => {
	test('a digit and Enter in one read are two presses', () => {
		expect(plain('3\r')).toEqual([
			{text: '3', ctrl: false, shift: false, meta: false},
			{name: 'return', text: '', ctrl: false, shift: false, meta: false},
		]);
	});

	test('each character is its own press, unless text is kept together for the answer line', () => {
		expect(plain('No\r').map(key => key.name ?? key.text)).toEqual(['N', 'o', 'return']);
		expect(plain('No\r', true).map(key => key.name ?? key.text)).toEqual(['No', 'return']);
	});

	test('control characters inside a read are the keys they are; others are dropped', () => {
		expect(plain('a\tb\u007Fc\u0003\u001A\u0007', true).map(key => `${key.ctrl ? 'Ctrl+' : ''}${key.name ?? key.text}`)).toEqual(['a', 'tab', 'b', 'backspace', 'c', 'Ctrl+c', 'Ctrl+z']);
	});

	test('a flag key is one press, whatever input came with it', () => {
		expect(splitKeys('', {...plainKey, tab: true, shift: true})).toEqual([{name: 'tab', text: '', ctrl: false, shift: true, meta: false}]);
		expect(splitKeys('', {...plainKey, escape: true, meta: true})).toEqual([{name: 'escape', text: '', ctrl: false, shift: false, meta: false}]);
		expect(splitKeys('c', {...plainKey, ctrl: true})).toEqual([{text: 'c', ctrl: true, shift: false, meta: false}]);
	});

	test('a single character is passed as it is; emoji stay whole', () => {
		expect(plain('q')).toEqual([{text: 'q', ctrl: false, shift: false, meta: false}]);
		expect(plain('👍\r').map(key => key.name ?? key.text)).toEqual(['👍', 'return']);
	});
});
