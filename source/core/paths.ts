import fs from 'node:fs';
import path from 'node:path';
import {HandoffError, errnoCode} from './errors.js';

/** Names inside a workspace, as the seed document lays them out. */
export const layout = {
	input: 'input',
	output: 'output',
	shared: 'shared',
	manifest: 'input/manifest.json',
	instructions: 'input/instructions.md',
	schema: 'input/schema.json',
	status: 'shared/status.txt',
	progress: 'shared/progress.txt',
	questions: 'shared/questions.json',
	answers: 'shared/answers.json',
	/** Why the last `.done` was withdrawn: the consumer reads this before trying again. */
	rejection: 'shared/rejection.md',
	metadata: 'output/metadata.json',
	/** The consumer's claim (seed: "Consumer writes this when starting"). */
	lock: '.lock',
	done: '.done',
	error: '.error',
	/** The producer's own exclusive hold. Never `.lock`, which belongs to the consumer. */
	producerHold: '.handoff-producer',
	/** Written before an archived workspace is removed, so an interrupted removal can be finished. */
	archived: '.handoff-archived',
} as const;

/** Throws when `relativePath` is not a plain relative path that stays inside `root`, lexically. */
export function resolveInside(root: string, relativePath: string, what = 'path'): string {
	if (typeof relativePath !== 'string' || relativePath === '') {
		throw new HandoffError(`${what} is empty`);
	}

	if (relativePath.includes('\0')) {
		throw new HandoffError(`${what} ${JSON.stringify(relativePath)} contains a NUL byte`);
	}

	if (path.isAbsolute(relativePath) || path.win32.isAbsolute(relativePath)) {
		throw new HandoffError(`${what} ${JSON.stringify(relativePath)} is absolute; paths must be relative to the workspace`);
	}

	const absoluteRoot = path.resolve(root);
	const resolved = path.resolve(absoluteRoot, relativePath);
	if (!isInside(absoluteRoot, resolved)) {
		throw new HandoffError(`${what} ${JSON.stringify(relativePath)} leaves the workspace`);
	}

	return resolved;
}

/** True when `child` is `parent` or below it. Uses path.relative, so `/ws-evil` is not inside `/ws`. */
export function isInside(parent: string, child: string): boolean {
	const relative = path.relative(parent, child);
	return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/**
Like resolveInside, and also follows symlinks on the part of the path that exists: a link anywhere on the way that points out of the workspace is refused.
*/
export function resolveInsideReal(root: string, relativePath: string, what = 'path'): string {
	const resolved = resolveInside(root, relativePath, what);
	const realRoot = fs.realpathSync(root);
	let existing = resolved;
	const rest: string[] = [];
	for (;;) {
		try {
			const real = fs.realpathSync(existing);
			const full = path.join(real, ...rest);
			if (!isInside(realRoot, full)) {
				throw new HandoffError(`${what} ${JSON.stringify(relativePath)} goes through a symlink that leaves the workspace`);
			}

			return resolved;
		} catch (error) {
			if (errnoCode(error) !== 'ENOENT') {
				throw error;
			}

			// A dangling link is judged by where it points, so it cannot be used to create a file outside later.
			const danglingTarget = readLinkIfAny(existing);
			if (danglingTarget !== undefined) {
				const target = path.resolve(path.dirname(existing), danglingTarget, ...rest);
				if (!isInside(path.resolve(root), target) && !isInside(realRoot, target)) {
					throw new HandoffError(`${what} ${JSON.stringify(relativePath)} goes through a symlink that leaves the workspace`);
				}
			}

			const parent = path.dirname(existing);
			if (parent === existing) {
				return resolved;
			}

			rest.unshift(path.basename(existing));
			existing = parent;
		}
	}
}

/** Workspace-relative form of an absolute path, with forward slashes, for messages and metadata. */
export function toWorkspaceRelative(root: string, absolutePath: string): string {
	return path.relative(root, absolutePath).split(path.sep).join('/');
}

function readLinkIfAny(file: string): string | undefined {
	try {
		return fs.readlinkSync(file);
	} catch {
		return undefined;
	}
}
