import {spawn, type ChildProcess} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {afterEach} from 'vitest';

export const cliPath = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export type CliResult = {code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string};

export type CliOptions = {
	cwd?: string;
	env?: NodeJS.ProcessEnv;
	input?: string;
	/** Run the CLI as this user and group (needs root): for faults that root's permissions would hide. */
	uid?: number;
	gid?: number;
	/** A command that runs the CLI, `node dist/cli.js ...` appended to it (e.g. `unshare -m sh -c ...` for a read-only mount of its own). */
	prefix?: string[];
	/** In a new session and process group of its own (no controlling terminal), so the test can signal the CLI alone. */
	detached?: boolean;
	/** Leave stdin open for the test to write to (and end). */
	keepStdin?: boolean;
};

/** The environment for a child: this one without HANDOFF_* and CI, plus `extra`. */
export function childEnvironment(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
	const environment = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('HANDOFF_') && key !== 'CI'));
	return {...environment, ...extra};
}

const runningChildren = new Set<ChildProcess>();
// A test that fails or times out must not leave a CLI running (a watcher would wait on a deleted folder forever).
afterEach(() => {
	for (const child of runningChildren) {
		// A detached child leads its own process group (with the consumers it started); the others are killed alone.
		for (const target of [-child.pid!, child.pid!]) {
			try {
				process.kill(target, 'SIGKILL');
				break;
			} catch {}
		}
	}

	runningChildren.clear();
});

export type RunningCli = {
	child: ChildProcess;
	result: Promise<CliResult>;
	/** Resolves once stderr (or stdout) contains `text`. */
	waitFor: (text: string | RegExp, stream?: 'stderr' | 'stdout', timeoutMs?: number) => Promise<void>;
	stdout: () => string;
	stderr: () => string;
};

/** Starts the built CLI as a child process. */
export function startCli(args: string[], options: CliOptions = {}): RunningCli {
	const [command, ...prefixArgs] = [...(options.prefix ?? []), process.execPath];
	const child = spawn(command, [...prefixArgs, cliPath, ...args], {
		cwd: options.cwd,
		env: childEnvironment(options.env),
		stdio: ['pipe', 'pipe', 'pipe'],
		uid: options.uid,
		gid: options.gid,
		detached: options.detached,
	});
	runningChildren.add(child);
	let stdout = '';
	let stderr = '';
	const waiters = new Set<() => void>();
	child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
		stdout += chunk;
		for (const waiter of waiters) {
			waiter();
		}
	});
	child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
		stderr += chunk;
		for (const waiter of waiters) {
			waiter();
		}
	});
	if (options.keepStdin) {
		// The test writes and ends it.
	} else if (options.input === undefined) {
		child.stdin.end();
	} else {
		child.stdin.end(options.input);
	}

	const result = new Promise<CliResult>(resolve => {
		child.on('close', (code, signal) => {
			runningChildren.delete(child);
			for (const waiter of waiters) {
				waiter();
			}

			resolve({code, signal, stdout, stderr});
		});
	});
	return {
		child,
		result,
		stdout: () => stdout,
		stderr: () => stderr,
		async waitFor(text, stream = 'stderr', timeoutMs = 10_000) {
			const matches = (): boolean => {
				const haystack = stream === 'stderr' ? stderr : stdout;
				return typeof text === 'string' ? haystack.includes(text) : text.test(haystack);
			};

			if (matches()) {
				return;
			}

			await new Promise<void>((resolve, reject) => {
				const timer = setTimeout(() => {
					waiters.delete(check);
					reject(new Error(`Timed out waiting for ${String(text)} on ${stream}.\nstdout: ${stdout}\nstderr: ${stderr}`));
				}, timeoutMs);
				const check = (): void => {
					if (matches()) {
						clearTimeout(timer);
						waiters.delete(check);
						resolve();
					} else if (child.exitCode !== null) {
						clearTimeout(timer);
						waiters.delete(check);
						reject(new Error(`The CLI exited before ${String(text)} appeared.\nstdout: ${stdout}\nstderr: ${stderr}`));
					}
				};

				waiters.add(check);
			});
		},
	};
}

export async function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
	return startCli(args, options).result;
}

/** A fresh temp folder. */
export function makeTempDirectory(prefix = 'handoff-test-'): string {
	return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Call at the top of a test file: returns a maker of temp folders that are removed after each test. */
export function useTempDirectories(): () => string {
	const made: string[] = [];
	afterEach(() => {
		for (const directory of made.splice(0)) {
			fs.rmSync(directory, {recursive: true, force: true});
		}
	});
	return () => {
		const directory = makeTempDirectory();
		made.push(directory);
		return directory;
	};
}

/** Runs a shell command line as written, from `/` in a session of its own (no terminal), as an agent's shell tool would: for the commands the instructions and hints print. */
export async function runShellLine(line: string, env: NodeJS.ProcessEnv = {}, onStderr?: (stderr: string) => void): Promise<CliResult> {
	const child = spawn('sh', ['-c', line], {cwd: '/', env: childEnvironment(env), detached: true, stdio: ['ignore', 'pipe', 'pipe']});
	runningChildren.add(child);
	let stdout = '';
	let stderr = '';
	child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
		stdout += chunk;
	});
	child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
		stderr += chunk;
		onStderr?.(stderr);
	});
	return new Promise(resolve => {
		child.on('close', (code, signal) => {
			runningChildren.delete(child);
			resolve({code, signal, stdout, stderr});
		});
	});
}

/** Runs the CLI in a new session (setsid): no controlling terminal, as in CI or a cron job. */
export async function runDetached(args: string[], options: {cwd: string; env?: NodeJS.ProcessEnv; onStderr?: (stderr: string) => void}): Promise<CliResult> {
	const child = spawn(process.execPath, [cliPath, ...args], {cwd: options.cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: childEnvironment(options.env)});
	runningChildren.add(child);
	let stdout = '';
	let stderr = '';
	child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
		stdout += chunk;
	});
	child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
		stderr += chunk;
		options.onStderr?.(stderr);
	});
	return new Promise(resolve => {
		child.on('close', (code, signal) => {
			runningChildren.delete(child);
			resolve({code, signal, stdout, stderr});
		});
	});
}

/** Polls `check` every 20 ms until it returns a truthy value or the deadline passes. */
export async function waitUntil<T>(check: () => T | Promise<T>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await check();
		if (value) {
			return value;
		}

		if (Date.now() > deadline) {
			throw new Error(`Timed out waiting for ${what}`);
		}

		await new Promise(resolve => {
			setTimeout(resolve, 20);
		});
	}
}

export const schemaFixture = {
	type: 'object',
	required: ['state_machines'],
	properties: {state_machines: {type: 'array', items: {type: 'object', required: ['entity'], properties: {entity: {type: 'string'}}}}},
};

/** A project folder with SPEC.md and schema.json, and `new` run in it. Returns the folder and the workspace. */
export async function newWorkspace(extraArgs: string[] = [], directory = makeTempDirectory()): Promise<{project: string; workspace: string}> {
	fs.writeFileSync(path.join(directory, 'SPEC.md'), '# Spec\nTicket.status: open -> closed\n');
	fs.writeFileSync(path.join(directory, 'schema.json'), JSON.stringify(schemaFixture));
	const result = await runCli(['new', '--task', 'analyze-spec', '--input', 'spec=SPEC.md', '--schema', 'schema.json', '--result', 'output/analysis.json', ...extraArgs], {cwd: directory});
	if (result.code !== 0) {
		throw new Error(`new failed: ${result.stderr}`);
	}

	return {project: directory, workspace: result.stdout.trim()};
}
