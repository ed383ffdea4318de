import {spawn} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {PassThrough} from 'node:stream';
import {describe, expect, test} from 'vitest';
import {buildPrompt, promptTools} from '../../source/core/prompt.js';
import {copyText, osc52MaxBase64, osc52Sequence} from '../../source/terminal/clipboard.js';
import {useTempDirectories} from '../helpers/cli.js';

const tempDirectory = useTempDirectories();

describe('hand-off prompt', () => {
	test.each(promptTools)('%s names the workspace and its instructions', tool => {
		const workspace = '/home/ada/my project/.handoff/workspaces/t_1';
		const prompt = buildPrompt({workspace, tool});
		expect(prompt).toContain(`${workspace}/input/instructions.md`);
		expect(prompt.split('\n').length).toBeLessThanOrEqual(4);
	});

	test('tool variants carry what each tool needs', () => {
		const workspace = '/w s';
		expect(buildPrompt({workspace, tool: 'claude'})).toContain("--add-dir '/w s'");
		expect(buildPrompt({workspace, tool: 'codex'})).toContain("--cd '/w s'");
		expect(buildPrompt({workspace, tool: 'aider'}).split('\n')[0]).toBe("/add '/w s/input/instructions.md'");
		expect(buildPrompt({workspace, tool: 'cursor'})).toContain('Cursor');
		expect(buildPrompt({workspace, tool: 'generic'})).not.toContain('(');
		expect(buildPrompt({workspace, retry: {errorsFile: 'shared/rejection.md'}})).toContain('/w s/shared/rejection.md');
	});
});

describe('clipboard', () => {
	test('OSC 52 is exact, wrapped for tmux and for screen, and skipped over the cap', () => {
		const encoded = Buffer.from('hi ✓').toString('base64');
		expect(osc52Sequence('hi ✓', {})).toBe(`\u001B]52;c;${encoded}\u0007`);
		expect(osc52Sequence('hi ✓', {TMUX: '/tmp/tmux-0/default,1,0'})).toBe(`\u001BPtmux;\u001B\u001B]52;c;${encoded}\u0007\u001B\\`);
		expect(osc52Sequence('hi ✓', {TERM: 'screen-256color'})).toBe(`\u001BP\u001B]52;c;${encoded}\u0007\u001B\\`);
		expect(osc52Sequence('x'.repeat(Math.ceil(osc52MaxBase64 * 0.75) + 10), {})).toBeUndefined();
	});

	function fakeTerminal(isTTY: boolean) {
		const stream = Object.assign(new PassThrough(), {isTTY});
		let written = '';
		stream.on('data', chunk => {
			written += chunk;
		});
		return {stream, written: () => written};
	}

	const noDisplay = {PATH: process.env.PATH};

	test('over SSH the terminal clipboard is used first, and the prompt file is always written', async () => {
		const directory = tempDirectory();
		const terminal = fakeTerminal(true);
		const promptFile = path.join(directory, 'prompt.txt');
		const result = await copyText('the prompt', {stream: terminal.stream, env: {...noDisplay, SSH_TTY: '/dev/pts/1'}, promptFile});
		expect(result.method).toBe('osc52');
		expect(result.detail).toContain('sent');
		expect(result.detail).toContain(promptFile);
		expect(terminal.written()).toContain(Buffer.from('the prompt').toString('base64'));
		expect(fs.readFileSync(promptFile, 'utf8')).toBe('the prompt\n');
		expect(fs.statSync(promptFile).mode & 0o777).toBe(0o600);
	});

	test('with no display and no terminal, the truth is that only the file has it', async () => {
		const directory = tempDirectory();
		const terminal = fakeTerminal(false);
		const promptFile = path.join(directory, 'prompt.txt');
		const result = await copyText('the prompt', {stream: terminal.stream, env: noDisplay, promptFile});
		// This machine has no display, so the system clipboard fails and no OSC 52 can be sent to a non-terminal.
		expect(result).toEqual({method: 'file', detail: `No clipboard here; the prompt is in ${promptFile}`});
		expect(terminal.written()).toBe('');
	});
});

describe('restoring the terminal', () => {
	const script = (body: string): string => `
		import {enterAlternateScreen, installRestoreHandlers} from ${JSON.stringify(new URL('../../dist/terminal/screen.js', import.meta.url).href)};
		const restore = enterAlternateScreen(process.stdout);
		installRestoreHandlers(restore);
		process.stdout.write('READY');
		${body}
	`;

	async function run(body: string, signal?: NodeJS.Signals) {
		const child = spawn(process.execPath, ['--input-type=module', '-e', script(body)], {stdio: ['ignore', 'pipe', 'pipe']});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', chunk => {
			stdout += chunk;
			if (signal && stdout.includes('READY')) {
				child.kill(signal);
			}
		});
		child.stderr.on('data', chunk => {
			stderr += chunk;
		});
		const code = await new Promise(resolve => child.on('close', resolve));
		return {code, stdout, stderr};
	}

	const leave = '\u001B[0m\u001B[?25h\u001B[?1049l';

	test.each([['SIGTERM', 143], ['SIGINT', 130], ['SIGHUP', 129]] as const)('%s restores the screen and exits %i', async (signal, code) => {
		const result = await run('setInterval(() => {}, 1000);', signal);
		expect(result.stdout.startsWith('\u001B[?1049h')).toBe(true);
		expect(result.stdout.endsWith(leave)).toBe(true);
		expect(result.code).toBe(code);
	});

	test('a crash restores the screen first, then prints the error, exit 1', async () => {
		const result = await run("setTimeout(() => { throw new Error('boom'); }, 10);");
		expect(result.stdout.endsWith(leave)).toBe(true);
		expect(result.stderr).toContain('boom');
		expect(result.code).toBe(1);
	});

	test('a normal exit restores it once', async () => {
		const result = await run('');
		expect(result.stdout.split(leave)).toHaveLength(2);
		expect(result.code).toBe(0);
	});
});
