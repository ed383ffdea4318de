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
	/** Which answers the consumer has read: written by the consumer side only, so answers.json stays the producer's. */
	receipts: 'shared/receipts.json',
	/** Why the last `.done` was withdrawn: the consumer reads this before trying again. */
	rejection: 'shared/rejection.md',
	metadata: 'output/metadata.json',
	/** The consumer's claim (seed: "Consumer writes this when starting"). */
	lock: '.lock',
	done: '.done',
	error: '.error',
} as const;

/** The longest name one folder entry may have (NAME_MAX on Linux, macOS and the BSDs). */
const maxNameBytes = 255;
/** The longest relative path accepted, leaving room under PATH_MAX (4096) for the workspace's own path. */
const maxPathBytes = 2048;

/** Throws when `relativePath` is not a plain relative path that stays inside `root`, lexically. */
export function resolveInside(root: string, relativePath: string, what = 'path'): string {
	if (typeof relativePath !== 'string' || relativePath === '') {
		throw new HandoffError(`${what} is empty`);
	}

	if (relativePath.includes('\0')) {
		throw new HandoffError(`${what} ${JSON.stringify(relativePath)} contains a NUL byte`);
	}

	// The kernel would refuse these with ENAMETOOLONG at the first file operation, deep inside a watch: refuse them here, naming the field.
	const longName = relativePath.split(/[/\\]/).find(part => Buffer.byteLength(part) > maxNameBytes);
	if (longName !== undefined || Buffer.byteLength(relativePath) > maxPathBytes) {
		const shown = `${relativePath.slice(0, 40)}…`;
		throw new HandoffError(longName === undefined
			? `${what} "${shown}" is ${Buffer.byteLength(relativePath)} bytes long; file systems allow ${maxPathBytes}`
			: `${what} "${shown}" has a name of ${Buffer.byteLength(longName)} bytes; file systems allow ${maxNameBytes}`);
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

/** True when `child` is `parent` or below it. Uses path.relative, so `/ws-evil` is not inside `/ws`, while a name like `..notes` is. */
export function isInside(parent: string, child: string): boolean {
	const relative = path.relative(parent, child);
	return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}

/**
Like resolveInside, and also follows symlinks on the part of the path that exists: a link anywhere on the way that points out of the workspace is refused.
*/
export function resolveInsideReal(root: string, relativePath: string, what = 'path'): string {
	const resolved = resolveInside(root, relativePath, what);
	if (!staysInside(fs.realpathSync(root), resolved)) {
		throw new HandoffError(`${what} ${JSON.stringify(relativePath)} goes through a symlink that leaves the workspace`);
	}

	return resolved;
}

/** The most dangling links one check follows, like the kernel's own limit (ELOOP); a longer chain is refused. */
const maxLinkHops = 40;

/** Whether `file`, with every link on the way followed, lands inside `realRoot`. A dangling link is judged by where it points, so it cannot be used to create a file outside later. */
function staysInside(realRoot: string, file: string, hops = 0): boolean {
	let existing = file;
	const rest: string[] = [];
	for (;;) {
		try {
			return isInside(realRoot, path.join(fs.realpathSync(existing), ...rest));
		} catch (error) {
			if (errnoCode(error) !== 'ENOENT') {
				throw error;
			}

			const danglingTarget = readLinkIfAny(existing);
			if (danglingTarget !== undefined) {
				if (hops >= maxLinkHops) {
					return false;
				}

				// Relative to the folder the link really is in, which may itself have been reached through a link; the target may be a link again.
				return staysInside(realRoot, path.resolve(fs.realpathSync(path.dirname(existing)), danglingTarget, ...rest), hops + 1);
			}

			const parent = path.dirname(existing);
			if (parent === existing) {
				return false;
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
