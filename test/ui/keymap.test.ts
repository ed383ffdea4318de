import type {Key} from 'ink';
import {describe, expect, test} from 'vitest';
import {type Command, commandForKey, keyHelp} from '../../source/ui/keymap.js';

/** A key event with no flag set, as Ink reports a plain character. */
const plain: Key = {
	upArrow: false,
	downArrow: false,
	leftArrow: false,
	rightArrow: false,
	pageDown: false,
	pageUp: false,
	home: false,
	end: false,
	return: false,
	escape: false,
	ctrl: false,
	shift: false,
	tab: false,
	backspace: false,
	delete: false,
	meta: false,
	super: false,
	hyper: false,
	capsLock: false,
	numLock: false,
};

const press = (input: string, flags: Partial<Key> = {}): Command | undefined => commandForKey(input, {...plain, ...flags});

describe('commandForKey', () => {
	test.each([
		['Tab', '', {tab: true}, {name: 'focusNext'}],
		['Shift+Tab', '', {tab: true, shift: true}, {name: 'focusPrevious'}],
		['↑', '', {upArrow: true}, {name: 'up'}],
		['↓', '', {downArrow: true}, {name: 'down'}],
		['PgUp', '', {pageUp: true}, {name: 'pageUp'}],
		['PgDn', '', {pageDown: true}, {name: 'pageDown'}],
		['Enter', '\r', {return: true}, {name: 'submit'}],
		['Esc', '', {escape: true}, {name: 'escape'}],
		['Ctrl+C', 'c', {ctrl: true}, {name: 'quit'}],
	] as Array<[string, string, Partial<Key>, Command]>)('%s is %o', (_name, input, flags, command) => {
		expect(press(input, flags)).toEqual(command);
	});

	test.each([
		['c', {name: 'copy'}],
		['t', {name: 'typeAnswer'}],
		['x', {name: 'cancel'}],
		['y', {name: 'confirm'}],
		// "no" in the cancel question: it closes like Esc.
		['n', {name: 'escape'}],
		['?', {name: 'help'}],
		['q', {name: 'quit'}],
	] as Array<[string, Command]>)('the character %s is %o', (input, command) => {
		expect(press(input)).toEqual(command);
	});

	test('the digits 1 to 9 pick options 0 to 8; 0 picks nothing', () => {
		for (let digit = 1; digit <= 9; digit++) {
			expect(press(String(digit))).toEqual({name: 'pickOption', index: digit - 1});
		}

		expect(press('0')).toBeUndefined();
	});

	test('a flag wins over the character that came with it', () => {
		// Ink reports Enter as return with input "\r", Tab with "\t": the flag decides.
		expect(press('\t', {tab: true})).toEqual({name: 'focusNext'});
		expect(press('q', {upArrow: true})).toEqual({name: 'up'});
		expect(press('c', {escape: true})).toEqual({name: 'escape'});
	});

	test.each([
		['an unknown letter', 'z', {}],
		['an upper-case command letter', 'Q', {}],
		['several characters at once (a paste)', 'qx', {}],
		['two digits', '12', {}],
		['nothing', '', {}],
		['Ctrl with another letter', 'x', {ctrl: true}],
		['Ctrl with a digit', '1', {ctrl: true}],
		['Meta with a command letter', 'c', {meta: true}],
		['Meta with a digit', '2', {meta: true}],
		['←', '', {leftArrow: true}],
		['→', '', {rightArrow: true}],
		['Home', '', {home: true}],
		['Backspace', '', {backspace: true}],
		['Delete', '', {delete: true}],
	] as Array<[string, string, Partial<Key>]>)('%s is no command', (_name, input, flags) => {
		expect(press(input, flags)).toBeUndefined();
	});
});

describe('keyHelp', () => {
	const helpKeys = keyHelp.map(([keys]) => keys).join('  ');
	/** The help's key names one by one: "q, Ctrl+C" is q and Ctrl+C. */
	const helpTokens = new Set(helpKeys.split(/[\s,/]+/));

	test('every character with a command outside the cancel question is in the help', () => {
		// y and n only answer "Cancel this hand-off?", whose line names them.
		const inCancelQuestionOnly = new Set(['y', 'n']);
		const printable = Array.from({length: 0x7F - 0x20}, (_, index) => String.fromCodePoint(0x20 + index));
		const withCommand = printable.filter(character => press(character) !== undefined && !inCancelQuestionOnly.has(character));
		expect(withCommand.sort()).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '?', 'c', 'q', 't', 'x']);
		for (const character of withCommand.filter(character => !/\d/.test(character))) {
			expect(helpTokens.has(character), `${character} in the help`).toBe(true);
		}

		expect(helpKeys).toContain('1-9');
	});

	test('names every flag key and Ctrl+C', () => {
		for (const name of ['Tab', 'Shift+Tab', '↑', '↓', 'PgUp', 'PgDn', 'Enter', 'Esc', 'Ctrl+C']) {
			expect(helpKeys).toContain(name);
		}
	});
});
