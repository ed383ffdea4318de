import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {createHash} from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterEach} from 'vitest';
import {createHandoff} from '../../source/core/create.js';
import type {Manifest} from '../../source/core/manifest.js';

/**
Call at the top of a test file: returns a maker of real temp folders (fs.mkdtemp under os.tmpdir()) that are removed after each test. The path is made real, as workspaces are when they are opened.
*/
export function useTempDirectories(): () => Promise<string> {
	const made: string[] = [];
	afterEach(async () => {
		for (const directory of made.splice(0)) {
			await fs.promises.rm(directory, {recursive: true, force: true});
		}
	});
	return async () => {
		const directory = await fs.promises.realpath(await fs.promises.mkdtemp(path.join(os.tmpdir(), 'handoff-core-')));
		made.push(directory);
		return directory;
	};
}

/** Polls `check` every `intervalMs` until it returns a truthy value, or throws once `timeoutMs` has passed. */
export async function waitFor<T>(check: () => T | Promise<T>, timeoutMs = 5000, what = 'condition', intervalMs = 10): Promise<NonNullable<T>> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await check();
		if (value) {
			return value;
		}

		if (Date.now() > deadline) {
			throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
		}

		await new Promise(resolve => {
			setTimeout(resolve, intervalMs);
		});
	}
}

/** Rejects when `promise` has not settled within `timeoutMs`: for calls that must not hang (a FIFO read). */
export async function settlesWithin<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	try {
		return await Promise.race([
			promise,
			new Promise<never>((_resolve, reject) => {
				timer = setTimeout(() => {
					reject(new Error(`${what} did not settle within ${timeoutMs} ms (it hangs)`));
				}, timeoutMs);
			}),
		]);
	} finally {
		clearTimeout(timer);
	}
}

/** Runs `fn` with the process umask set to `mask`, restoring it afterwards. */
export async function withUmask<T>(mask: number, fn: () => Promise<T>): Promise<T> {
	const previous = process.umask(mask);
	try {
		return await fn();
	} finally {
		process.umask(previous);
	}
}

export function modeOf(file: string): number {
	return fs.lstatSync(file).mode & 0o777;
}

export function mkfifo(file: string): void {
	const result = spawnSync('mkfifo', [file]);
	if (result.status !== 0) {
		throw new Error(`mkfifo ${file} failed: ${String(result.stderr)}`);
	}
}

export function sha256(data: string | Buffer): string {
	return createHash('sha256').update(data).digest('hex');
}

/** Every regular file below `directory` by its relative path (forward slashes), with its content. Links and special files are left out. */
export function regularFiles(directory: string): Record<string, string> {
	const files: Record<string, string> = {};
	const walk = (relative: string): void => {
		for (const entry of fs.readdirSync(path.join(directory, relative), {withFileTypes: true})) {
			const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
			if (entry.isDirectory()) {
				walk(child);
			} else if (entry.isFile()) {
				files[child] = fs.readFileSync(path.join(directory, child), 'utf8');
			}
		}
	};

	walk('');
	return files;
}

/** The pid of a process that has already exited. */
export function deadPid(): number {
	const result = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {encoding: 'utf8'});
	const pid = Number(result.stdout);
	if (!Number.isInteger(pid) || pid <= 0) {
		throw new Error(`could not get a pid: ${result.stderr}`);
	}

	return pid;
}

const children = new Set<ChildProcess>();
afterEach(() => {
	for (const child of children) {
		child.kill('SIGKILL');
	}

	children.clear();
});

/** Starts a Node child running `code`; it is killed after the test if still running. Resolves once it has started. */
export async function startNode(code: string): Promise<ChildProcess> {
	const child = spawn(process.execPath, ['-e', code], {stdio: ['ignore', 'ignore', 'inherit']});
	children.add(child);
	child.on('exit', () => children.delete(child));
	await new Promise<void>((resolve, reject) => {
		child.once('spawn', resolve);
		child.once('error', reject);
	});
	return child;
}

/** Waits for a child to exit. */
export async function exited(child: ChildProcess): Promise<number | null> {
	if (child.exitCode !== null || child.signalCode !== null) {
		return child.exitCode;
	}

	return new Promise(resolve => {
		child.once('exit', code => resolve(code));
	});
}

/** A result schema like the tests of the CLI use: an object with an array `state_machines` of `{entity}`. */
export const resultSchema = {
	type: 'object',
	required: ['state_machines'],
	properties: {state_machines: {type: 'array', items: {type: 'object', required: ['entity'], properties: {entity: {type: 'string'}}}}},
};

/** A workspace as `handoff new` makes it (result `output/analysis.json` against resultSchema), in a fresh base folder. */
export async function newTestHandoff(base: string, task: string): Promise<{workspace: string; manifest: Manifest}> {
	return createHandoff({
		baseDirectory: base,
		task,
		inputs: [],
		schemaText: JSON.stringify(resultSchema),
		resultPath: 'output/analysis.json',
		command: [process.execPath, 'dist/cli.js'],
	});
}
