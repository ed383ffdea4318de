import {describe, expect, test} from 'vitest';
import {footerText} from '../../source/ui/components/footer.js';
import {type Command, commandFor, footerItems, helpSections, keymap, type Mode} from '../../source/ui/keymap.js';
import {character, event, namedKey} from './keys.js';

const modes = Object.keys(keymap) as Mode[];

describe('commandFor', () => {
	test.each([
		['Tab', namedKey('tab'), {name: 'focusNext'}],
		['Shift+Tab', namedKey('tab', {shift: true}), {name: 'focusPrevious'}],
		['↑', namedKey('up'), {name: 'up'}],
		['↓', namedKey('down'), {name: 'down'}],
		['PgUp', namedKey('pageUp'), {name: 'pageUp'}],
		['PgDn', namedKey('pageDown'), {name: 'pageDown'}],
		['Enter', namedKey('return'), {name: 'submit'}],
		['?', character('?'), {name: 'help'}],
		['q', character('q'), {name: 'quit'}],
		['v', character('v'), {name: 'view'}],
		['p', character('p'), {name: 'prompt'}],
		['c', character('c'), {name: 'copy'}],
		['t', character('t'), {name: 'typeAnswer'}],
		['x', character('x'), {name: 'cancel'}],
		['3', character('3'), {name: 'pickOption', index: 2}],
		['Ctrl+C', event({text: 'c', ctrl: true}), {name: 'interrupt'}],
		['Ctrl+Z', event({text: 'z', ctrl: true}), {name: 'suspend'}],
	] as Array<[string, ReturnType<typeof event>, Command]>)('in the panes %s is %o', (_name, key, command) => {
		expect(commandFor('panes', key)).toEqual(command);
	});

	test.each(modes)('Ctrl+C and Ctrl+Z mean the same in mode %s', mode => {
		expect(commandFor(mode, event({text: 'c', ctrl: true}))).toEqual({name: 'interrupt'});
		expect(commandFor(mode, event({text: 'z', ctrl: true}))).toEqual({name: 'suspend'});
	});

	test('in the answer line every printable character is text: n, q, x, ?, digits have no command', () => {
		for (let code = 0x20; code < 0x7F; code++) {
			expect(commandFor('answer', character(String.fromCodePoint(code))), String.fromCodePoint(code)).toBeUndefined();
		}

		expect(commandFor('answer', namedKey('return'))).toEqual({name: 'send'});
		expect(commandFor('answer', namedKey('escape'))).toEqual({name: 'leave'});
	});

	test('n is "no" only in the confirmations; y is yes only there', () => {
		expect(commandFor('confirmCancel', character('n'))).toEqual({name: 'no'});
		expect(commandFor('confirmQuit', character('n'))).toEqual({name: 'no'});
		expect(commandFor('confirmCancel', character('y'))).toEqual({name: 'yes'});
		expect(commandFor('panes', character('n'))).toBeUndefined();
		expect(commandFor('panes', character('y'))).toBeUndefined();
	});

	test.each([
		['an unknown letter', character('z')],
		['an upper-case command letter', character('Q')],
		['0', character('0')],
		['Ctrl with another letter', event({text: 'x', ctrl: true})],
		['Meta with a command letter', event({text: 'c', meta: true})],
		['Meta with a digit', event({text: '2', meta: true})],
		['←', namedKey('left')],
		['Backspace', namedKey('backspace')],
	])('in the panes %s is no command', (_name, key) => {
		expect(commandFor('panes', key)).toBeUndefined();
	});
});

describe('footer and help, generated from the keymap', () => {
	test.each(['panes', 'detail', 'finished'] as const)('the %s footer starts with help and then quit or back, at any width', mode => {
		const items = footerItems(mode);
		expect(items[0]).toBe('? help');
		expect(items[1]).toMatch(/^(q quit|Esc back|any other key closes)$/);
		for (const width of [20, 40, 60, 80, 120]) {
			expect(footerText(mode, width).startsWith(`${items[0]} · ${items[1]}`)).toBe(true);
		}
	});

	test('the footer adds only whole items that fit the width', () => {
		const wide = footerText('panes', 200);
		expect(wide).toBe(footerItems('panes').join(' · '));
		for (const width of [40, 60, 80]) {
			const text = footerText('panes', width);
			expect(text.length).toBeLessThanOrEqual(width);
			for (const piece of text.split(' · ')) {
				expect(footerItems('panes')).toContain(piece);
			}
		}
	});

	test('a notice takes the place of the other keys, after help and quit', () => {
		expect(footerText('panes', 80, 'Answer to q1 saved: Yes')).toBe('? help · q quit · Answer to q1 saved: Yes');
	});

	test('the confirmations say their question and their keys', () => {
		expect(footerText('confirmCancel', 80)).toBe('Cancel this hand-off? y: yes, cancel · n: no');
		expect(footerText('confirmQuit', 80)).toBe('Quit with an answer not sent? y: quit · n: stay');
	});

	test('every key with a command in the panes, the answer line and the detail view is in the help', () => {
		const helpKeys = helpSections().flatMap(section => section.rows.map(row => row.keys)).join('  ');
		for (const name of ['Tab', 'Shift+Tab', '↑ ↓', 'PgUp PgDn', 'Enter', 'Esc', '1-9', '?', 'q', 'v', 'p', 'c', 't', 'x', 'Ctrl+C', 'Ctrl+Z', '← →', 'Home End', 'Backspace']) {
			expect(helpKeys).toContain(name);
		}

		// Each printable character with a command in the panes is named by its binding's label.
		for (let code = 0x21; code < 0x7F; code++) {
			const key = String.fromCodePoint(code);
			const command = commandFor('panes', character(key));
			if (command && !/\d/.test(key) && !'jk'.includes(key)) {
				const binding = keymap.panes.bindings.find(candidate => candidate.command === command.name)!;
				expect(binding.label, key).toContain(key);
			}
		}
	});
});
