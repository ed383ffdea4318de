import fs from 'node:fs';
import path from 'node:path';
import {PassThrough} from 'node:stream';
import {fileURLToPath} from 'node:url';
import {describe, expect, test} from 'vitest';
import {printJson, printLine} from '../../source/commands/io.js';
import {hostile, hostileText, terminalControls} from '../helpers/hostile.js';

/** Guards that keep the terminal edge in one place: a new pane or a new command cannot print around safeText. */
const sources = fileURLToPath(new URL('../../source/', import.meta.url));
const files = (fs.readdirSync(sources, {recursive: true}) as string[]).filter(file => /\.tsx?$/.test(file));
const read = (file: string): string => fs.readFileSync(path.join(sources, file), 'utf8');

describe('the terminal edge', () => {
	const inkText = /import\s*\{[^}]*\b(?:Text|Transform)\b[^}]*\}\s*from\s*'ink'/;
	test('no file but the safe Text imports Text (or Transform) from ink: every word on screen passes safeText', () => {
		const safeTextComponent = path.join('ui', 'components', 'text.tsx');
		expect(files).toContain(safeTextComponent);
		expect(read(safeTextComponent)).toMatch(inkText);
		expect(files.filter(file => file !== safeTextComponent && inkText.test(read(file)))).toEqual([]);
	});

	// Writes that are ours alone: printLine and printJson, the screen's own sequences, OSC 52 of our prompt, the notification, the bell.
	const allowed = new Map<string, RegExp>([
		[path.join('commands', 'io.ts'), /stream\.write\(/g],
		[path.join('terminal', 'screen.ts'), /stream\.write\((?:enter|reenter|leave)Sequence\)|process\.stderr\.write\(`\$\{safeText\(/g],
		[path.join('terminal', 'clipboard.ts'), /options\.stream\.write\(sequence\)/g],
		// The notification sequences: their text is notificationText's (safeText, cut, no control character), checked in notify.test.ts.
		[path.join('terminal', 'notify.ts'), /options\.stream\.write\(notificationSequence\(/g],
		[path.join('commands', 'watch.ts'), /terminal\.stdout\.write\('\\u0007'\)/g],
		[path.join('demo', 'consumer.ts'), /process\.stderr\.write\(`usage: /g],
	]);
	const rawWrite = /\b(?:stdout|stderr|stream)\.write\(|\bconsole\.\w+\(/;
	test('nothing else writes to stdout or stderr except through printLine or printJson', () => {
		const offenders = files.filter(file => rawWrite.test(read(file).replace(allowed.get(file) ?? /$^/, '')));
		expect(offenders).toEqual([]);
		// The pattern sees a raw write where there is one.
		expect(rawWrite.test(read(path.join('terminal', 'screen.ts')))).toBe(true);
	});
});

function captured(write: (stream: NodeJS.WritableStream) => void): string {
	const stream = new PassThrough();
	write(stream);
	return String(stream.read() ?? '');
}

describe('printLine and printJson', () => {
	test('printLine makes a line safe, one line unless several are meant', () => {
		expect(captured(stream => {
			printLine(stream, `question: ${hostileText('WORD')}\nstate: complete`);
		})).toBe('question: ␇evil␈␈␈␈goodadmin\uFFFDnigeb\uFFFDWORDadmin\uFFFDnigeb\uFFFD␊state: complete\n');
		expect(captured(stream => {
			printLine(stream, `first${hostile.clear}\nsecond`, {multiline: true});
		})).toBe('first\nsecond\n');
	});

	test('printJson keeps every value exact and puts no control character on the terminal', () => {
		const value = {[hostileText('KEY')]: [hostileText('VALUE'), '\u007F\u0085\u2066x\u2069', 'plain ✓ 仕様 🎉']};
		const json = captured(stream => {
			printJson(stream, value);
		});
		expect(json.replaceAll('\n', '')).not.toMatch(terminalControls);
		expect(json).toContain(String.raw`\u009b2J`);
		expect(json).toContain('plain ✓ 仕様 🎉');
		expect(JSON.parse(json)).toEqual(value);
	});
});
