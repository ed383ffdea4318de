import {spawn} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {PassThrough} from 'node:stream';
import {afterAll, describe, expect, test} from 'vitest';
import {copyText, osc52MaxBase64, osc52Sequence} from '../../source/terminal/clipboard.js';
import {eventually, fixtureCommand, readJsonWhenWritten, runFixture, sh, temporaryDirectory, TmuxServer} from './helpers.js';

const text = 'the prompt ✓';
const base64 = Buffer.from(text).toString('base64');
const plain = `\u001B]52;c;${base64}\u0007`;

describe('the OSC 52 sequence', () => {
	test('plain: ESC ] 52 ; c ; base64 BEL', () => {
		expect(osc52Sequence(text, {})).toBe(plain);
		expect(osc52Sequence(text, {TERM: 'xterm-256color'})).toBe(plain);
	});

	test('tmux: a DCS passthrough with every ESC doubled, then the bare sequence for set-clipboard on', () => {
		const expected = `\u001BPtmux;\u001B\u001B]52;c;${base64}\u0007\u001B\\${plain}`;
		expect(osc52Sequence(text, {TMUX: '/tmp/tmux-1000/default,123,0'})).toBe(expected);
		// tmux sets TERM=screen*, but TMUX decides.
		expect(osc52Sequence(text, {TMUX: '/tmp/tmux-1000/default,123,0', TERM: 'screen-256color'})).toBe(expected);
	});

	test('GNU screen: DCS passthrough in chunks screen accepts, which rejoin to the plain sequence', () => {
		expect(osc52Sequence(text, {TERM: 'screen'})).toBe(`\u001BP${plain}\u001B\\`);
		expect(osc52Sequence(text, {STY: '1234.pts-0.host', TERM: 'xterm'})).toBe(`\u001BP${plain}\u001B\\`);
		const long = 'x'.repeat(1000);
		const wrapped = osc52Sequence(long, {TERM: 'screen-256color'})!;
		const chunks = [...wrapped.matchAll(/\u001BP([\s\S]*?)\u001B\\/g)].map(match => match[1]!);
		expect(chunks.length).toBeGreaterThan(5);
		expect(Math.max(...chunks.map(chunk => chunk.length))).toBeLessThanOrEqual(252);
		expect(chunks.join('')).toBe(osc52Sequence(long, {}));
		expect(chunks.map(chunk => `\u001BP${chunk}\u001B\\`).join('')).toBe(wrapped);
	});

	test(`the base64 payload is capped at ${osc52MaxBase64} bytes`, () => {
		// Base64 comes in 4-byte groups: 56,244 bytes encode to 74,992, one more byte to 74,996.
		expect(osc52Sequence('x'.repeat(56_244), {})).toHaveLength(74_992 + 8);
		expect(osc52Sequence('x'.repeat(56_245), {})).toBeUndefined();
	});
});

function fakeTerminal(isTTY: boolean) {
	const stream = Object.assign(new PassThrough(), {isTTY});
	let written = '';
	stream.on('data', (chunk: Buffer) => {
		written += chunk.toString();
	});
	return {stream, written: () => written};
}

/** No display, no SSH, no tmux: whatever the machine running the tests has. */
const bareEnv = {PATH: process.env.PATH, HOME: process.env.HOME};

describe('copyText', () => {
	test('with no system clipboard it sends OSC 52 to a terminal, says "sent", and saves the file (0600) too', async () => {
		const directory = temporaryDirectory();
		const promptFile = path.join(directory, 'prompt.txt');
		const terminal = fakeTerminal(true);
		const result = await copyText(text, {stream: terminal.stream, env: bareEnv, promptFile});
		expect(result).toEqual({method: 'osc52', detail: `Prompt sent to your terminal's clipboard (OSC 52); if nothing pasted, use the file: ${promptFile}`});
		expect(terminal.written()).toBe(plain);
		expect(fs.readFileSync(promptFile, 'utf8')).toBe(`${text}\n`);
		expect(fs.statSync(promptFile).mode & 0o777).toBe(0o600);
	});

	test('with no terminal either, the truth is that only the file has it', async () => {
		const directory = temporaryDirectory();
		const promptFile = path.join(directory, 'prompt.txt');
		const terminal = fakeTerminal(false);
		const result = await copyText(text, {stream: terminal.stream, env: bareEnv, promptFile});
		expect(result).toEqual({method: 'file', detail: `No clipboard here; the prompt is in ${promptFile}`});
		expect(terminal.written()).toBe('');
		expect(fs.readFileSync(promptFile, 'utf8')).toBe(`${text}\n`);
	});

	test('over the cap nothing is written to the terminal: file only', async () => {
		const promptFile = path.join(temporaryDirectory(), 'prompt.txt');
		const terminal = fakeTerminal(true);
		const result = await copyText('x'.repeat(60_000), {stream: terminal.stream, env: bareEnv, promptFile});
		expect(result.method).toBe('file');
		expect(terminal.written()).toBe('');
	});

	test('a prompt file that cannot be written is reported, not thrown', async () => {
		const promptFile = path.join(temporaryDirectory(), 'missing', 'prompt.txt');
		const sent = await copyText(text, {stream: fakeTerminal(true).stream, env: bareEnv, promptFile});
		expect(sent.method).toBe('osc52');
		expect(sent.detail).toContain(`it could not be saved to ${promptFile}`);
		const nothing = await copyText(text, {stream: fakeTerminal(false).stream, env: bareEnv, promptFile});
		expect(nothing.method).toBe('none');
		expect(nothing.detail).toMatch(/^No clipboard here, and the prompt could not be saved to /);
	});
});

describe('copyText against a system clipboard (in a child process, as clipboardy reads its own env)', () => {
	/** A stand-in `xsel` (clipboardy's first choice on X11) that records what it was given, or hangs. */
	function stubXsel(directory: string, behaviour: 'records' | 'hangs'): string {
		const bin = path.join(directory, 'bin');
		fs.mkdirSync(bin);
		const body = behaviour === 'records' ? `cat > ${sh(path.join(directory, 'clipboard.txt'))}` : 'exec sleep 3';
		fs.writeFileSync(path.join(bin, 'xsel'), `#!/bin/sh\n${body}\n`, {mode: 0o755});
		return bin;
	}

	type Report = {result: {method: string; detail: string}; written: string; elapsedMs: number};

	async function copyInChild(env: NodeJS.ProcessEnv, options: {isTTY: boolean; preferOsc52?: boolean}, directory: string): Promise<Report> {
		const promptFile = path.join(directory, 'prompt.txt');
		const {stdout, stderr, code} = await runFixture('copy-child.ts', [JSON.stringify({...options, promptFile})], {env: {HOME: process.env.HOME, ...env}});
		expect(stderr).toBe('');
		expect(code).toBe(0);
		return JSON.parse(stdout) as Report;
	}

	const systemPath = '/usr/local/bin:/usr/bin:/bin';

	test('the real clipboardy fails on this machine without a display', async () => {
		const script = "import c from 'clipboardy'; c.write('x').then(() => console.log('copied'), error => console.log('failed:', error.message));";
		const child = spawn(process.execPath, ['--input-type=module', '-e', script], {cwd: process.cwd(), env: {PATH: systemPath, HOME: process.env.HOME}});
		let stdout = '';
		child.stdout.on('data', (chunk: Buffer) => {
			stdout += chunk.toString();
		});
		await new Promise(resolve => child.on('close', resolve));
		expect(stdout).toMatch(/^failed: /);
	});

	test('so with a DISPLAY that cannot be opened, copyText falls back to the terminal, or the file', async () => {
		const env = {PATH: systemPath, DISPLAY: ':99'};
		expect((await copyInChild(env, {isTTY: false}, temporaryDirectory())).result.method).toBe('file');
		expect((await copyInChild(env, {isTTY: true}, temporaryDirectory())).result.method).toBe('osc52');
	});

	test('a working system clipboard is used first, and nothing goes to the terminal', async () => {
		const directory = temporaryDirectory();
		const report = await copyInChild({PATH: `${stubXsel(directory, 'records')}:${systemPath}`, DISPLAY: ':0'}, {isTTY: true}, directory);
		expect(report.result).toEqual({method: 'clipboard', detail: `Prompt copied to the clipboard; also in ${path.join(directory, 'prompt.txt')}`});
		expect(fs.readFileSync(path.join(directory, 'clipboard.txt'), 'utf8')).toBe(text);
		expect(report.written).toBe('');
		expect(fs.readFileSync(path.join(directory, 'prompt.txt'), 'utf8')).toBe(`${text}\n`);
	});

	test('over SSH the terminal clipboard comes first (the system one is the remote host\'s); preferOsc52: false overrides', async () => {
		const directory = temporaryDirectory();
		const env = {PATH: `${stubXsel(directory, 'records')}:${systemPath}`, DISPLAY: ':0', SSH_CONNECTION: '10.0.0.2 50000 10.0.0.1 22', SSH_TTY: '/dev/pts/3'};
		const overSsh = await copyInChild(env, {isTTY: true}, directory);
		expect(overSsh.result.method).toBe('osc52');
		expect(overSsh.written).toBe(plain);
		expect(fs.existsSync(path.join(directory, 'clipboard.txt'))).toBe(false);
		expect((await copyInChild(env, {isTTY: true, preferOsc52: false}, directory)).result.method).toBe('clipboard');
		// And without a terminal to send OSC 52 to, the (remote) system clipboard is still better than nothing.
		expect((await copyInChild(env, {isTTY: false}, directory)).result.method).toBe('clipboard');
	});

	test('a hung clipboard helper costs about a second, then OSC 52 is used', async () => {
		const directory = temporaryDirectory();
		const report = await copyInChild({PATH: `${stubXsel(directory, 'hangs')}:${systemPath}`, DISPLAY: ':0'}, {isTTY: true}, directory);
		expect(report.result.method).toBe('osc52');
		expect(report.elapsedMs).toBeGreaterThanOrEqual(900);
		expect(report.elapsedMs).toBeLessThan(2500);
	});
});

describe('copyText inside a real tmux', () => {
	const servers: TmuxServer[] = [];
	afterAll(() => {
		for (const server of servers) {
			server.kill();
		}
	});

	/** Starts the copy in a pane once `go()` is called, so the test can set the stage first. */
	function startCopy(tmux: TmuxServer, directory: string, prefix = ''): {session: string; go: () => void} {
		const go = path.join(directory, 'go');
		const copy = `${prefix}${fixtureCommand('terminal-child.ts').map(word => sh(word)).join(' ')} ${sh(path.join(directory, 'result.json'))} copy`;
		const session = tmux.start(`sh -c ${sh(`while [ ! -e ${sh(go)} ]; do sleep 0.05; done; ${copy}`)}`, directory);
		return {session, go: () => fs.writeFileSync(go, '')};
	}

	test('with tmux\'s default options, the text reaches the outer terminal as OSC 52 (tmux load-buffer -w)', async () => {
		const tmux = new TmuxServer();
		servers.push(tmux);
		const directory = temporaryDirectory();
		const {session, go} = startCopy(tmux, directory);
		// A client attached through `script` stands in for the person's terminal; its typescript file holds every byte tmux sent it.
		const outer = path.join(directory, 'outer.txt');
		const client = spawn('script', ['-qfc', `tmux -L ${tmux.socket} attach -t ${session}`, outer], {stdio: 'ignore', env: {PATH: process.env.PATH, HOME: process.env.HOME, TERM: 'xterm-256color'}});
		try {
			await eventually(() => (tmux.run('list-clients').includes('xterm-256color') ? true : undefined), 'the client to attach');
			go();
			const {kind, result} = await readJsonWhenWritten<{kind: string; result: {method: string; detail: string}}>(path.join(directory, 'result.json'));
			expect(kind).toBe('stdout');
			expect(result.method).toBe('osc52');
			expect(tmux.run('show-buffer', '-b', 'handoff-prompt')).toBe(text);
			await eventually(() => (fs.readFileSync(outer, 'latin1').includes(`\u001B]52;;${base64}`) ? true : undefined), 'OSC 52 on the outer terminal');
		} finally {
			client.kill();
		}
	});

	test('where tmux cannot be run, the escape sequence itself is accepted by tmux (here with set-clipboard on)', async () => {
		const tmux = new TmuxServer();
		servers.push(tmux);
		const directory = temporaryDirectory();
		// A PATH without tmux: copyText must fall back to writing the sequence to the pane.
		const {session, go} = startCopy(tmux, directory, 'PATH=/nonexistent ');
		tmux.run('set', '-s', 'set-clipboard', 'on');
		go();
		const {result} = await readJsonWhenWritten<{result: {method: string; detail: string}}>(path.join(directory, 'result.json'));
		expect(result.method).toBe('osc52');
		expect(await eventually(() => tmux.run('list-buffers', '-F', '#{buffer_name}: #{buffer_sample}') || undefined, 'a tmux buffer')).toMatch(/^buffer\d+: the prompt/);
		expect(tmux.screen(session)).toContain('drawn on the stdout streams');
	});
});
