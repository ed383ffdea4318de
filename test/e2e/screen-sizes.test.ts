import {describe, expect, test} from 'vitest';
import {useTempDirectories} from '../helpers/cli.js';
import {askedWorkspace as ask, boxCharacters, expectWholeBorders, footerOf, screenWords, watchInTerminal} from '../helpers/screen.js';

/**
The screen at the sizes people use, in a real terminal (tmux): a long question readable in full, the footer's help and quit, borders that never overlap, and below the minimum a message instead of a broken screen.
*/

const project = useTempDirectories();

/** 300 characters of distinct words, so a word lost at a pane's edge is noticed. */
const longQuestion = (() => {
	const words: string[] = [];
	for (let index = 0; words.join(' ').length < 290; index++) {
		words.push(`word${index}`);
	}

	return `${words.join(' ')} the end?`;
})();

const askedWorkspace = async (directory: string): Promise<string> => ask(directory, longQuestion, ['Yes', 'No']);

describe.each([
	[80, 24],
	[60, 20],
	[40, 12],
])('at %ix%i', (columns, rows) => {
	test('a 300-character question reads in full (on screen where it fits, and in the detail view); the footer shows help and quit; the state word is whole; no border overlaps, in the panes, the help and the detail view', async () => {
		const directory = project();
		const workspace = await askedWorkspace(directory);
		const app = watchInTerminal(directory, workspace, {columns, rows});
		const screen = await app.tmux.waitForScreen(/▸ \[q1]/);
		expect(screen).toContain('waiting for an answer');
		expect(footerOf(screen).startsWith('? help · q quit')).toBe(true);
		expectWholeBorders(screen);
		if (rows >= 20) {
			expect(screenWords(screen)).toContain(longQuestion);
		}

		// Every pane in turn, and the help, at this size: whole borders, help and quit in the footer.
		for (let pane = 0; pane < 4; pane++) {
			app.tmux.sendKeys('Tab');
			const next = await app.tmux.waitForScreen(/\? help · q quit/);
			expectWholeBorders(next);
		}

		app.tmux.sendKeys('?');
		const help = await app.tmux.waitForScreen('Keys');
		expect(footerOf(help).startsWith('? help · Esc back')).toBe(true);
		expectWholeBorders(help);
		app.tmux.sendKeys('Escape');
		await app.tmux.waitForScreen('q quit');

		// Four Tabs went round to the questions again: their detail view has every word, scrolling to the end where it does not fit.
		app.tmux.sendKeys('v');
		const top = await app.tmux.waitForScreen(/^Questions/m);
		app.tmux.sendKeys('End');
		const bottom = await app.tmux.waitForScreen('2) No');
		const seen = `${screenWords(top)} ${screenWords(bottom)}`;
		for (const word of longQuestion.split(' ')) {
			expect(seen, word).toContain(word);
		}

		expect(footerOf(bottom).startsWith('? help · Esc back')).toBe(true);
		app.tmux.sendKeys('q');
		await app.tmux.waitForScreen('? help · q quit');
		app.tmux.sendKeys('q');
		expect(await app.exitCode()).toBe(130);
	});
});

describe('below the minimum', () => {
	test.each([
		[39, 24],
		[80, 11],
		[30, 10],
	])('at %ix%i the screen says it needs at least 40x12, and q still quits', async (columns, rows) => {
		const directory = project();
		const workspace = await askedWorkspace(directory);
		const app = watchInTerminal(directory, workspace, {columns, rows});
		const screen = await app.tmux.waitForScreen('needs at least 40x12');
		expect(screen).not.toMatch(boxCharacters);
		app.tmux.sendKeys('q');
		expect(await app.exitCode()).toBe(130);
	});

	test('a resize below the minimum shows the message; back above it, the panes return (drawn on /dev/tty, as stdout is captured)', async () => {
		const directory = project();
		const workspace = await askedWorkspace(directory);
		const app = watchInTerminal(directory, workspace, {columns: 80, rows: 24});
		await app.tmux.waitForScreen('the end?');
		app.tmux.resize(30, 10);
		await app.tmux.waitForScreen('needs at least 40x12');
		app.tmux.resize(80, 24);
		const screen = await app.tmux.waitForScreen('the end?');
		expectWholeBorders(screen);
		expect(screenWords(screen)).toContain(longQuestion);
	});
});
