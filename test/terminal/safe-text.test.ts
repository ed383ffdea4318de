import {describe, expect, test} from 'vitest';
import {safeText} from '../../source/terminal/safe-text.js';
import {hostile, seededRandom, terminalControls} from '../helpers/hostile.js';

describe('safeText', () => {
	test.each([
		['plain ASCII', 'Reading the spec: 3 of 7 files'],
		['punctuation and quotes', 'a "quoted" {json: [1, 2]} <tag> & \'single\' \\ back'],
		['emoji, including joined and flagged ones', '✅ done 🎉 👩‍💻 🇩🇪 👍🏽'],
		['CJK', '仕様を読んでいます 스펙 읽는 중 读取规范'],
		['right-to-left scripts without overrides', 'שלום עולם مرحبا'],
		['combining marks', 'e\u0301 n\u0303'],
		['box drawing and arrows the app uses', '│ ▸ ● ✓ ✗ → …'],
		['an empty string', ''],
	])('%s passes through unchanged', (_, text) => {
		expect(safeText(text)).toBe(text);
		expect(safeText(text, {multiline: true})).toBe(text);
	});

	test.each([
		['OSC 0 title (BEL)', hostile.oscTitle],
		['OSC 2 title (ST)', hostile.oscTitleSt],
		['OSC 52 clipboard', hostile.osc52],
		['CSI clear and home', hostile.clear],
		['SGR colour', hostile.sgr],
		['DCS', hostile.dcs],
		['8-bit CSI', hostile.csi8bit],
		['full reset (ESC c)', hostile.reset],
		['cursor save and restore', '\u001B7\u001B8'],
		['DECALN screen fill', '\u001B#8'],
		['a cursor-style CSI with an intermediate byte', '\u001B[2 q'],
		['APC, PM and SOS strings', '\u001B_apc\u001B\\\u001B^pm\u001B\\\u001BXsos\u001B\\'],
		['OSC 8 hyperlink', '\u001B]8;;https://evil.example\u001B\\'],
	])('%s is removed', (_, payload) => {
		expect(safeText(`before${payload}after`)).toBe('beforeafter');
	});

	test('an 8-bit OSC is never obeyed: removed with other sequences, or shown when alone (strip-ansi looks for sequences only after an ESC or CSI)', () => {
		expect(safeText(`a${hostile.osc8bit}b${hostile.sgr}`)).toBe('ab');
		expect(safeText(`a${hostile.osc8bit}b`)).toBe('a\uFFFD0;pwned\uFFFDb');
	});

	test('a lone or unterminated ESC is shown as ␛, with what follows as plain text', () => {
		expect(safeText('a\u001B')).toBe('a␛');
		expect(safeText('\u001B]0;never terminated')).toBe('␛]0;never terminated');
		expect(safeText('\u001B\u001B')).toBe('␛␛');
	});

	test('a sequence that removing another one would form is still not emitted', () => {
		// Removing the SGR in the middle joins ESC and "[2J" into a clear-screen sequence.
		const shown = safeText('\u001B\u001B[0m[2J');
		expect(shown).not.toMatch(terminalControls);
		expect(shown).toBe('␛[2J');
	});

	test('C0 controls and DEL become their control pictures', () => {
		expect(safeText('ring\u0007')).toBe('ring␇');
		expect(safeText(hostile.backspace)).toBe('evil␈␈␈␈good');
		expect(safeText('nul\u0000 vt\u000B ff\u000C del\u007F')).toBe('nul␀ vt␋ ff␌ del␡');
	});

	test('C1 controls become �', () => {
		expect(safeText('next\u0085line \u0090dcs \u009Cst')).toBe('next\uFFFDline \uFFFDdcs \uFFFDst');
	});

	test('bidi embeddings, overrides and isolates become �, so they cannot reorder what is read', () => {
		expect(safeText(hostile.bidi)).toBe('admin\uFFFDnigeb\uFFFD');
		for (const code of [0x20_2A, 0x20_2B, 0x20_2C, 0x20_2D, 0x20_2E, 0x20_66, 0x20_67, 0x20_68, 0x20_69]) {
			expect(safeText(`x${String.fromCodePoint(code)}y`)).toBe('x\uFFFDy');
		}
	});

	test('a line break is shown as ␊ on one line and kept where several lines are allowed', () => {
		expect(safeText('first\nstate: complete')).toBe('first␊state: complete');
		expect(safeText('first\nsecond', {multiline: true})).toBe('first\nsecond');
	});

	test('a CR that ends a line is dropped; one that would overwrite the line is shown', () => {
		expect(safeText('windows\r\nline', {multiline: true})).toBe('windows\nline');
		expect(safeText('windows\r\nline')).toBe('windows␊line');
		expect(safeText('trailing\r')).toBe('trailing');
		expect(safeText('rm -rf ~\rls')).toBe('rm -rf ~␍ls');
	});

	test('tabs become spaces to the next stop of four, counted per line', () => {
		expect(safeText('a\tb')).toBe('a   b');
		expect(safeText('\tx')).toBe('    x');
		expect(safeText('abcd\te')).toBe('abcd    e');
		expect(safeText('ab\n\tc', {multiline: true})).toBe('ab\n    c');
		// An emoji is one character, not two UTF-16 units.
		expect(safeText('😀\tx')).toBe('😀   x');
	});

	test('every payload together leaves no control character, and the words are still there', () => {
		const all = Object.values(hostile).join(' word ');
		const shown = safeText(all);
		expect(shown).not.toMatch(terminalControls);
		expect(shown.split('word').length).toBe(Object.values(hostile).length);
		expect(shown).toContain('evil␈␈␈␈good');
	});

	test('every single character and every pair of characters from the dangerous ranges comes out without a control', () => {
		const dangerous = [
			...Array.from({length: 0x20}, (_, code) => code),
			...Array.from({length: 0x21}, (_, index) => 0x7F + index),
			0x20_2A, 0x20_2E, 0x20_66, 0x20_69,
			// Characters that complete sequences.
			0x5B, 0x5D, 0x50, 0x5C, 0x6D, 0x4A, 0x30, 0x3B,
		].map(code => String.fromCodePoint(code));
		for (const first of dangerous) {
			for (const second of dangerous) {
				const shown = safeText(`${first}${second}x`, {multiline: true});
				expect(shown.replaceAll('\n', '')).not.toMatch(terminalControls);
			}
		}
	});

	test('random strings of controls and printable characters never leave a control (fixed seed)', () => {
		const random = seededRandom(42);
		const alphabet = ['\u001B', '\u009B', '\u009D', '\u0090', '\u0007', '\u009C', '\\', '[', ']', 'P', '0', ';', '2', 'J', 'm', 'a', '\n', '\r', '\t', '\u202E', '\u0008', '😀'];
		for (let trial = 0; trial < 2000; trial++) {
			const text = Array.from({length: Math.floor(random() * 40)}, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
			const shown = safeText(text);
			expect(shown, JSON.stringify(text)).not.toMatch(terminalControls);
			expect(shown).not.toContain('\n');
			// Applying it again changes nothing: a printer may meet text that was already made safe.
			expect(safeText(shown)).toBe(shown);
		}
	});

	test('a value that is not a string, from a file that broke its schema, is shown as text instead of throwing', () => {
		expect(safeText(42 as unknown as string)).toBe('42');
		expect(safeText(undefined as unknown as string)).toBe('undefined');
	});

	test('megabytes of hostile text take well under a second (a frame is drawn many times a second)', () => {
		const sequences = Array.from({length: 200}, () => ['\u001B]0;', 'a'.repeat(1000), '\u001B[', '9'.repeat(1000), '\u009B', '\u0007'].join('')).join('');
		// Millions of controls to show: a string built a character at a time took ~2 s here.
		const controls = 'a\u202E\u0007\u009B'.repeat(1_000_000);
		for (const text of [sequences, controls]) {
			const started = performance.now();
			const shown = safeText(text);
			expect(performance.now() - started).toBeLessThan(800);
			expect(shown).not.toMatch(terminalControls);
		}
	});

	test('a lone surrogate beside controls is kept as it is (the output stream decides how to encode it)', () => {
		expect(safeText('\uD800\u0007\uDC00')).toBe('\uD800␇\uDC00');
	});
});
