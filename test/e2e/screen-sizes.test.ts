import fs from 'node:fs';
import path from 'node:path';
import {afterEach, describe, expect, test} from 'vitest';
import {cliPath, newWorkspace, runCli, useTempDirectories, waitUntil} from '../helpers/cli.js';
import {Tmux} from '../helpers/tmux.js';
import {sh} from '../terminal/helpers.js';

/**
The screen at the sizes people use, in a real terminal (tmux): a long question readable in full, the footer's help and quit, borders that never overlap, and below the minimum a message instead of a broken screen.
*/

const project = useTempDirectories();
const terminals: Tmux[] = [];
afterEach(() => {
	for (const tmux of terminals.splice(0)) {
		tmux.kill();
	}
});

/** 300 characters of distinct words, so a word lost at a pane's edge is noticed. */
const longQuestion = (() => {
	const words: string[] = [];
	for (let index = 0; words.join(' ').length < 290; index++) {
		words.push(`word${index}`);
	}

	return `${words.join(' ')} the end?`;
})();

async function askedWorkspace(directory: string, question = longQuestion, options = ['Yes', 'No']): Promise<string> {
	const {workspace} = await newWorkspace([], directory);
	const asked = await runCli(['ask', question, ...options.flatMap(option => ['--option', option]), '--workspace', workspace]);
	expect(asked.code).toBe(0);
	return workspace;
}

/** `handoff watch` in a terminal of that size; the pane stays after the app ends, so its exit code can be read. */
function watch(directory: string, workspace: string, columns: number, rows: number, extra: string[] = []) {
	const tmux = new Tmux();
	terminals.push(tmux);
	const exitFile = path.join(directory, 'exit-code');
	const command = [process.execPath, cliPath, 'watch', workspace, ...extra].map(word => sh(word)).join(' ');
	fs.writeFileSync(path.join(directory, 'watch.sh'), `${command} > /dev/null\necho $? > ${sh(exitFile)}\nsleep 30\n`);
	tmux.start(`sh ${sh(path.join(directory, 'watch.sh'))}`, {columns, rows, cwd: directory});
	return {
		tmux,
		async exitCode(): Promise<number> {
			return Number(await waitUntil(() => fs.existsSync(exitFile) && fs.readFileSync(exitFile, 'utf8').trim(), 20_000, 'the exit code'));
		},
	};
}

const boxCharacters = /[│─╭╮╰╯]/g;

/** The words on screen in reading order, borders taken out: a question wrapped over rows reads as it was written. */
export function screenWords(screen: string): string {
	return screen.replaceAll(boxCharacters, ' ').replaceAll(/\s+/g, ' ').trim();
}

/** Every box on screen is whole: down each column, corners open and close in turn (an overlap leaves two tops, or a bottom without a top). */
export function expectWholeBorders(screen: string): void {
	const rows = screen.split('\n').map(row => [...row]);
	const width = Math.max(...rows.map(row => row.length));
	for (let column = 0; column < width; column++) {
		let open = false;
		for (const [index, row] of rows.entries()) {
			const character = row[column];
			if (character === '╭' || character === '╮') {
				expect(open, `a box opens inside another at row ${index}, column ${column}\n${screen}`).toBe(false);
				open = true;
			} else if (character === '╰' || character === '╯') {
				expect(open, `a box closes that never opened at row ${index}, column ${column}\n${screen}`).toBe(true);
				open = false;
			}
		}

		expect(open, `a box is not closed in column ${column}\n${screen}`).toBe(false);
	}
}

/** The footer: the last row with anything on it (the frame stays one row short of the terminal). */
function footerOf(screen: string): string {
	return screen.split('\n').filter(row => row.trim() !== '').at(-1) ?? '';
}

describe.each([
	[80, 24],
	[60, 20],
	[40, 12],
])('at %ix%i', (columns, rows) => {
	test('a 300-character question reads in full (on screen where it fits, and in the detail view); the footer shows help and quit; the state word is whole; no border overlaps, in the panes, the help and the detail view', async () => {
		const directory = project();
		const workspace = await askedWorkspace(directory);
		const app = watch(directory, workspace, columns, rows);
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
		const app = watch(directory, workspace, columns, rows);
		const screen = await app.tmux.waitForScreen('needs at least 40x12');
		expect(screen).not.toMatch(boxCharacters);
		app.tmux.sendKeys('q');
		expect(await app.exitCode()).toBe(130);
	});

	test('a resize below the minimum shows the message; back above it, the panes return (drawn on /dev/tty, as stdout is captured)', async () => {
		const directory = project();
		const workspace = await askedWorkspace(directory);
		const app = watch(directory, workspace, 80, 24);
		await app.tmux.waitForScreen('the end?');
		app.tmux.resize(30, 10);
		await app.tmux.waitForScreen('needs at least 40x12');
		app.tmux.resize(80, 24);
		const screen = await app.tmux.waitForScreen('the end?');
		expectWholeBorders(screen);
		expect(screenWords(screen)).toContain(longQuestion);
	});
});
