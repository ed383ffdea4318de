import fs from 'node:fs';
import path from 'node:path';
import {afterAll, describe, expect, test} from 'vitest';
import {chooseTerminal} from '../../source/terminal/tty.js';
import {eventually, fixtureCommand, readJsonWhenWritten, runFixture, sh, temporaryDirectory, TmuxServer} from './helpers.js';

type Report = {kind: string; stdinIsTTY?: boolean; stdoutIsTTY?: boolean; raw?: boolean; whileRaw?: string; afterRestore?: string};

/** `stty -a` lists a cleared flag as -flag. */
const cooked = (stty: string | undefined): boolean => /(^|\s)icanon\s/.test(stty ?? '') && /(^|\s)echo\s/.test(stty ?? '');

test('with no controlling terminal (a new session, stdio on pipes) there is nowhere to draw: none', async () => {
	const directory = temporaryDirectory();
	const resultFile = path.join(directory, 'result.json');
	// detached: setsid(), so the child has no controlling terminal even when the test runner has one.
	const {code, stderr} = await runFixture('terminal-child.ts', [resultFile], {detached: true, env: {...process.env, TERM: 'xterm'}});
	expect({code, stderr}).toEqual({code: 0, stderr: ''});
	expect(JSON.parse(fs.readFileSync(resultFile, 'utf8'))).toEqual({kind: 'none'});
});

test('a stdin that says isTTY but cannot set raw mode (Ink would throw) is not a terminal to draw on', () => {
	const stdin = {isTTY: true} as unknown as NodeJS.ReadStream;
	const stdout = {isTTY: true} as unknown as NodeJS.WriteStream;
	const terminal = chooseTerminal({stdin, stdout, env: {TERM: 'xterm'}});
	// /dev/tty decides the rest: 'none' for a test runner without a terminal, 'tty' for one with.
	expect(terminal.kind).not.toBe('stdout');
	if (terminal.kind === 'tty') {
		terminal.close();
	}
});

describe('in a real terminal (a tmux pane)', () => {
	const tmux = new TmuxServer();
	afterAll(() => {
		tmux.kill();
	});

	/** Runs the fixture in a new pane as `before <fixture> result.json [action] after`, and returns its report. */
	async function inPane(shape: (fixture: string) => string): Promise<{report: Report; session: string; directory: string}> {
		const directory = temporaryDirectory();
		const resultFile = path.join(directory, 'result.json');
		const fixture = `${fixtureCommand('terminal-child.ts').map(word => sh(word)).join(' ')} ${sh(resultFile)}`;
		const session = tmux.start(`sh -c ${sh(shape(fixture))}`, directory);
		return {report: await readJsonWhenWritten<Report>(resultFile), session, directory};
	}

	test('stdin and stdout are the terminal: draw on them', async () => {
		const {report, session} = await inPane(fixture => fixture);
		expect(report).toEqual({kind: 'stdout', stdinIsTTY: true, stdoutIsTTY: true});
		expect(tmux.screen(session)).toContain('drawn on the stdout streams');
	});

	test('stdout captured (like `result=$(handoff run)`): draw on /dev/tty, and stdout stays clean', async () => {
		const {report, session, directory} = await inPane(fixture => `${fixture} > out.txt`);
		expect(report).toEqual({kind: 'tty', stdinIsTTY: true, stdoutIsTTY: true});
		expect(tmux.screen(session)).toContain('drawn on the tty streams');
		expect(fs.readFileSync(path.join(directory, 'out.txt'), 'utf8')).toBe('');
	});

	test('stdin piped in: keys come from /dev/tty', async () => {
		const {report} = await inPane(fixture => `echo data | ${fixture}`);
		expect(report).toMatchObject({kind: 'tty'});
	});

	test('TERM=dumb cannot move the cursor: none', async () => {
		const {report} = await inPane(fixture => `TERM=dumb ${fixture}`);
		expect(report).toEqual({kind: 'none'});
	});

	test('restore() takes /dev/tty out of raw mode, so what is printed next is not garbled', async () => {
		const {report, session} = await inPane(fixture => `echo | ${fixture} raw-then-restore`);
		expect(report.kind).toBe('tty');
		expect(cooked(report.whileRaw)).toBe(false);
		expect(cooked(report.afterRestore)).toBe(true);
		expect(tmux.run('display-message', '-p', '-t', session, '#{alternate_on} #{cursor_flag}').trim()).toBe('0 1');
	});

	test('killed while raw on the alternate screen of /dev/tty: the handlers leave it, show the cursor, exit 143, terminal cooked', async () => {
		const {report, session, directory} = await inPane(fixture => `echo | ${fixture} raw-then-sigterm; echo "exit $?" > exit.txt; stty -a > stty.txt`);
		expect(report).toEqual({kind: 'tty', raw: true});
		const stty = await readWhenWritten(path.join(directory, 'stty.txt'));
		expect(fs.readFileSync(path.join(directory, 'exit.txt'), 'utf8')).toBe('exit 143\n');
		expect(cooked(stty)).toBe(true);
		expect(tmux.run('display-message', '-p', '-t', session, '#{alternate_on} #{cursor_flag}').trim()).toBe('0 1');
	});
});

function readWhenWritten(file: string): Promise<string> {
	return eventually(() => (fs.existsSync(file) && fs.statSync(file).size > 0 ? fs.readFileSync(file, 'utf8') : undefined), file);
}
