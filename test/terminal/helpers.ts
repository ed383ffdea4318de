import {execFileSync, spawn, type SpawnOptions} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {afterAll} from 'vitest';

const fixtures = fileURLToPath(new URL('fixtures/', import.meta.url));

/** The node command line that runs a fixture straight from the TypeScript sources. */
export function fixtureCommand(name: string): string[] {
	return [process.execPath, '--import', path.join(fixtures, 'ts-register.mjs'), path.join(fixtures, name)];
}

export type ChildResult = {code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string};

/** Runs a fixture with piped stdio; `onStdout` sees the output so far and may act on the child (e.g. signal it). */
export async function runFixture(name: string, args: string[], options: SpawnOptions & {onStdout?: (stdout: string, kill: (signal: NodeJS.Signals) => void) => void} = {}): Promise<ChildResult> {
	const [command, ...rest] = fixtureCommand(name) as [string, ...string[]];
	const child = spawn(command, [...rest, ...args], {...options, stdio: ['pipe', 'pipe', 'pipe']});
	let stdout = '';
	let stderr = '';
	child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
		stdout += chunk;
		options.onStdout?.(stdout, signal => child.kill(signal));
	});
	child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
		stderr += chunk;
	});
	child.stdin.end();
	return new Promise(resolve => {
		child.on('close', (code, signal) => {
			resolve({code, signal, stdout, stderr});
		});
	});
}

const directories: string[] = [];
afterAll(() => {
	for (const directory of directories.splice(0)) {
		fs.rmSync(directory, {recursive: true, force: true});
	}
});

/** A fresh directory, removed after the test file. */
export function temporaryDirectory(): string {
	const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-terminal-'));
	directories.push(directory);
	return directory;
}

/** Quotes one word for the shell tmux runs a pane's command with. */
export function sh(word: string): string {
	return `'${word.replaceAll("'", String.raw`'\''`)}'`;
}

/** Polls until `read` returns something, or fails after `timeoutMs`. */
export async function eventually<T>(read: () => T | undefined, what: string, timeoutMs = 15_000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = read();
		if (value !== undefined) {
			return value;
		}

		if (Date.now() > deadline) {
			throw new Error(`timed out waiting for ${what}`);
		}

		await new Promise(resolve => {
			setTimeout(resolve, 25);
		});
	}
}

/** A JSON file's content once it exists. */
export async function readJsonWhenWritten<T = Record<string, unknown>>(file: string): Promise<T> {
	return eventually(() => (fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) as T : undefined), file);
}

/** A tmux server on its own socket (never the person's), whose panes are real terminals of a fixed size. */
export class TmuxServer {
	readonly socket = `handoff-terminal-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
	private sessions = 0;

	run(...args: string[]): string {
		return execFileSync('tmux', ['-L', this.socket, ...args], {encoding: 'utf8'});
	}

	/** Starts `command` (a shell command line) in a new 100x30 session and returns the session's name. Dead panes stay, to be inspected. */
	start(command: string, cwd: string): string {
		const name = `s${this.sessions++}`;
		// No display and no CI, whatever the test runner has: the pane must behave the same on every machine.
		this.run('-f', '/dev/null', 'new-session', '-d', '-s', name, '-x', '100', '-y', '30', '-c', cwd, `env -u DISPLAY -u WAYLAND_DISPLAY -u CI ${command}; sleep 60`);
		return name;
	}

	screen(session: string): string {
		return this.run('capture-pane', '-p', '-t', session);
	}

	/** Stops the server and removes its socket file, which tmux leaves behind. */
	kill(): void {
		try {
			const socketPath = this.run('display-message', '-p', '#{socket_path}').trim();
			this.run('kill-server');
			fs.rmSync(socketPath, {force: true});
		} catch {}
	}
}
