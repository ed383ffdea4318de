import fs from 'node:fs';
import path from 'node:path';
import {HandoffError, errnoCode, exitCode} from './errors.js';
import {layout} from './paths.js';
import {makePrivateDirectory} from './safe-io.js';
import {folderTimestamp} from './time.js';

/** Where workspaces and archives live when neither --dir nor HANDOFF_DIR says: inside the project, since LLM CLIs only write there. */
export const defaultBaseDirectoryName = '.handoff';

export function resolveBaseDirectory(flag: string | undefined, environment: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
	return path.resolve(cwd, flag ?? (environment.HANDOFF_DIR || defaultBaseDirectoryName));
}

/** A task name made safe for a folder name: letters, digits, `.`, `_`, `-`. */
export function folderSafeTaskName(task: string): string {
	const safe = task
		.replaceAll(/[^\w.-]+/g, '-')
		.replace(/^[.-]+/, '')
		.slice(0, 64);
	return safe === '' ? 'task' : safe;
}

/** Makes `parent/<stem>` (private, never an existing folder), adding `_2`, `_3`, ... when the name is taken. */
export async function createUniqueFolder(parent: string, stem: string): Promise<string> {
	await fs.promises.mkdir(parent, {recursive: true, mode: 0o700});
	for (let attempt = 1; ; attempt++) {
		const folder = path.join(parent, attempt === 1 ? stem : `${stem}_${attempt}`);
		try {
			await makePrivateDirectory(folder, true);
			return await fs.promises.realpath(folder);
		} catch (error) {
			if (errnoCode(error) !== 'EEXIST' || attempt >= 1000) {
				throw error;
			}
		}
	}
}

/** Adds input/, output/ and shared/ (0700) to a freshly made workspace folder. */
export async function makeWorkspaceFolders(workspace: string): Promise<string> {
	for (const sub of [layout.input, layout.output, layout.shared]) {
		await makePrivateDirectory(path.join(workspace, sub), true);
	}

	return workspace;
}

/**
Creates `<base>/workspaces/<task>_<YYYYMMDD_HHMMSS>_<pid>/` with input/, output/ and shared/, all 0700. The folder is created exclusively: when the name is taken, a counter is added rather than reusing it.
*/
export async function createWorkspace(baseDirectory: string, task: string, now = new Date()): Promise<string> {
	const folder = await createUniqueFolder(path.join(baseDirectory, 'workspaces'), `${folderSafeTaskName(task)}_${folderTimestamp(now)}_${process.pid}`);
	return makeWorkspaceFolders(folder);
}

function isWorkspace(directory: string): boolean {
	try {
		return fs.lstatSync(path.join(directory, layout.manifest)).isFile();
	} catch {
		return false;
	}
}

/**
The workspace a consumer command acts on: --workspace, else HANDOFF_WORKSPACE, else the nearest folder at or above the current one that holds input/manifest.json.
*/
export function locateWorkspace(flag: string | undefined, environment: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
	const given = flag ?? (environment.HANDOFF_WORKSPACE || undefined);
	if (given !== undefined) {
		return checkWorkspace(path.resolve(cwd, given));
	}

	for (let directory = path.resolve(cwd); ; directory = path.dirname(directory)) {
		if (isWorkspace(directory)) {
			return fs.realpathSync(directory);
		}

		if (path.dirname(directory) === directory) {
			throw new HandoffError(
				'No hand-off workspace here: run this inside a workspace, or pass --workspace DIR (or set HANDOFF_WORKSPACE)',
				exitCode.usage,
			);
		}
	}
}

/** Checks that a folder named on the command line is a workspace, and returns its absolute path. */
export function checkWorkspace(directory: string): string {
	const absolute = path.resolve(directory);
	let stat: fs.Stats;
	try {
		stat = fs.statSync(absolute);
	} catch {
		throw new HandoffError('does not exist', exitCode.usage, absolute);
	}

	if (!stat.isDirectory()) {
		throw new HandoffError('is not a folder', exitCode.usage, absolute);
	}

	if (!isWorkspace(absolute)) {
		throw new HandoffError(`has no ${layout.manifest}; it is not a hand-off workspace`, exitCode.usage, absolute);
	}

	// The real path, so that no folder we later write into is reached through a link.
	return fs.realpathSync(absolute);
}

/**
Where a workspace's record is archived: `<parent of its parent>/results/<name>`. For ours that is `<dir>/results/<name>`; for the seed's `~/.dazzle/llm_handoff/<name>` it is `~/.dazzle/results/<name>`, the folder the seed's own cleanup uses.
*/
export function archiveDirectoryFor(workspace: string, resultsDirectory?: string): string {
	const name = path.basename(workspace);
	return path.join(resultsDirectory ?? path.join(path.dirname(path.dirname(workspace)), 'results'), name);
}
