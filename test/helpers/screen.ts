import fs from 'node:fs';
import path from 'node:path';
import {afterEach, expect} from 'vitest';
import {sh} from '../terminal/helpers.js';
import {cliPath, newWorkspace, runCli, waitUntil} from './cli.js';
import {Tmux} from './tmux.js';

/** Helpers for the full-screen app in a real terminal (tmux): start it at a size, read its screen, check its borders. */

const terminals: Tmux[] = [];
afterEach(() => {
	for (const tmux of terminals.splice(0)) {
		tmux.kill();
	}
});

/** A workspace (made by `new` in `directory`) with one question asked by the consumer. */
export async function askedWorkspace(directory: string, question: string, options: string[] = []): Promise<string> {
	const {workspace} = await newWorkspace([], directory);
	const asked = await runCli(['ask', question, ...options.flatMap(option => ['--option', option]), '--workspace', workspace]);
	expect(asked.code, asked.stderr).toBe(0);
	return workspace;
}

/** `handoff watch <workspace>` in a terminal of that size, its stdout captured (so it draws on /dev/tty); the pane stays after the app ends, so its exit code can be read. */
export function watchInTerminal(directory: string, workspace: string, {columns = 80, rows = 24, flags = []}: {columns?: number; rows?: number; flags?: string[]} = {}) {
	const tmux = new Tmux();
	terminals.push(tmux);
	const exitFile = path.join(directory, 'exit-code');
	const command = [process.execPath, cliPath, 'watch', workspace, ...flags].map(word => sh(word)).join(' ');
	fs.writeFileSync(path.join(directory, 'watch.sh'), `${command} > /dev/null\necho $? > ${sh(exitFile)}\nsleep 30\n`);
	tmux.start(`sh ${sh(path.join(directory, 'watch.sh'))}`, {columns, rows, cwd: directory});
	return {
		tmux,
		async exitCode(): Promise<number> {
			return Number(await waitUntil(() => fs.existsSync(exitFile) && fs.readFileSync(exitFile, 'utf8').trim(), 20_000, 'the exit code'));
		},
		exited(): boolean {
			return fs.existsSync(exitFile);
		},
	};
}

export const boxCharacters = /[│─╭╮╰╯]/g;

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
export function footerOf(screen: string): string {
	return screen.split('\n').filter(row => row.trim() !== '').at(-1) ?? '';
}
