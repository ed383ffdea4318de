import {randomBytes} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {setImmediate as yieldToEventLoop} from 'node:timers/promises';
import {isMainThread} from 'node:worker_threads';
import {HandoffError, errnoCode, exitCode} from './errors.js';

/** A folder's identity: what lstat said about it, so a path swapped for another folder (or a link to one) is noticed. */
export type FolderIdentity = {dev: bigint; ino: bigint};

/** `.<name>.removing-<16 hex>`: where a tree is moved before it is emptied; `ls` skips dot-folders, and a later run finishes it. */
const removingInfix = '.removing-';
/** Folders inside a tree being removed are renamed to this prefix plus random hex before the walker enters them. */
const enteredPrefix = '.handoff-rm-';
/** How long one synchronous stretch of the walker may hold the event loop (and the process's working folder). */
const stretchMs = 40;
/** A folder re-read this often and still not empty is being refilled as fast as it is emptied: give up rather than spin. */
const maxReadsPerFolder = 10_000;

export function identityOf(stat: fs.BigIntStats): FolderIdentity {
	return {dev: stat.dev, ino: stat.ino};
}

function sameIdentity(a: FolderIdentity, b: FolderIdentity): boolean {
	return a.dev === b.dev && a.ino === b.ino;
}

function randomHex(): string {
	return randomBytes(8).toString('hex');
}

/**
Removes a folder tree so that nobody who can write inside it can redirect the removal elsewhere.

First the tree is renamed to an unpredictable hidden name beside it (`.<name>.removing-<random>`), out of reach of anyone who only knows its name; when `expected` is given, the moved folder must still be that folder (dev and inode), or nothing is removed. Then it is emptied by a walker that never follows a link (links are unlinked as links), renames each folder to a fresh random name before entering it, enters it by changing the working folder and checks the folder it landed in is the one it lstat-ed, and unlinks only names relative to that verified folder. Someone with a working folder inside the tree (a consumer) can still rename and swap things there, but a swap only makes the walker notice the mismatch and go back; it never deletes through a link.

Safe to run again after a crash: finishRemovals() finishes a half-removed `.removing-` folder.
*/
export async function removeTree(target: string, expected?: FolderIdentity): Promise<void> {
	const moved = path.join(path.dirname(target), `.${path.basename(target)}${removingInfix}${randomHex()}`);
	try {
		fs.renameSync(target, moved);
	} catch (error) {
		if (errnoCode(error) === 'ENOENT') {
			return;
		}

		throw error;
	}

	if (expected !== undefined) {
		const stat = lstatOrUndefined(moved);
		if (stat === undefined || !sameIdentity(identityOf(stat), expected)) {
			// Not the folder we were asked to remove: someone put another one (or a link) at its path. Put it back and remove nothing.
			if (stat !== undefined && lstatOrUndefined(target) === undefined) {
				fs.renameSync(moved, target);
			}

			throw new HandoffError('was replaced by another folder or a link; nothing was removed', exitCode.failed, target);
		}
	}

	await removeMovedTree(moved);
}

/** Finishes every `.<name>.removing-*` beside `target` that an earlier removal left when it was cut short. */
export async function finishRemovals(target: string): Promise<void> {
	const parent = path.dirname(target);
	const prefix = `.${path.basename(target)}${removingInfix}`;
	let names: string[];
	try {
		names = fs.readdirSync(parent);
	} catch (error) {
		if (errnoCode(error) === 'ENOENT') {
			return;
		}

		throw error;
	}

	for (const name of names) {
		if (name.startsWith(prefix) && /^[\da-f]{16}$/.test(name.slice(prefix.length))) {
			await removeMovedTree(path.join(parent, name));
		}
	}
}

function lstatOrUndefined(file: string): fs.BigIntStats | undefined {
	try {
		return fs.lstatSync(file, {bigint: true});
	} catch (error) {
		if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') {
			return undefined;
		}

		throw error;
	}
}

/** One folder on the walker's way down: its name in its parent (the absolute path for the root) and its identity. */
type Frame = {name: string; identity: FolderIdentity; pending: string[]; reads: number};

/** A path the walker went through is not the folder it was: go back to a verified folder and look again. */
class Redirected extends Error {}

async function removeMovedTree(root: string): Promise<void> {
	if (!isMainThread) {
		// The walker works relative to the process's working folder, which worker threads may not change.
		throw new HandoffError('can only be removed from the main thread', exitCode.failed, root);
	}

	const stat = lstatOrUndefined(root);
	if (stat === undefined) {
		return;
	}

	if (!stat.isDirectory()) {
		unlinkIfPresent(root);
		return;
	}

	makeEnterable(root, stat);
	const trail: Frame[] = [{name: root, identity: identityOf(stat), pending: [], reads: 0}];
	while (trail.length > 0) {
		walkStretch(root, trail);
		if (trail.length > 0) {
			await yieldToEventLoop();
		}
	}
}

/**
One synchronous stretch of the walk. Synchronous on purpose: the walker changes the process's working folder, and no other code of this process may run while it is elsewhere. The working folder is restored before the stretch ends. (File operations already in flight on libuv's threads would see the change if they used relative paths; handoff resolves every path to an absolute one first.)
*/
function walkStretch(root: string, trail: Frame[]): void {
	const home = workingFolder();
	try {
		enter(trail);
		const deadline = Date.now() + stretchMs;
		do {
			step(trail);
		} while (trail.length > 0 && Date.now() < deadline);
	} finally {
		try {
			process.chdir(home ?? path.dirname(root));
		} catch {
			// The working folder was inside the tree we just removed: the folder that held the tree is the nearest real place.
			process.chdir(path.dirname(root));
		}
	}
}

function workingFolder(): string | undefined {
	try {
		return process.cwd();
	} catch {
		return undefined;
	}
}

/** Changes into the folder named `name` (relative, or absolute for the root) and checks it is `identity`; throws Redirected otherwise. */
function changeInto(name: string, identity: FolderIdentity): void {
	try {
		process.chdir(name);
	} catch (error) {
		if (['ENOENT', 'ENOTDIR', 'ELOOP'].includes(errnoCode(error) ?? '')) {
			throw new Redirected(name);
		}

		throw error;
	}

	if (!sameIdentity(identityOf(fs.statSync('.', {bigint: true})), identity)) {
		throw new Redirected(name);
	}
}

/**
Changes into the deepest folder of the trail, from the root down, checking each. A folder that is no longer where it was (moved away, swapped) is dropped from the trail with everything below it: whatever is there now is found again by its parent's next read. The root itself must be there.
*/
function enter(trail: Frame[]): void {
	for (;;) {
		let depth = 0;
		try {
			for (; depth < trail.length; depth++) {
				changeInto(trail[depth]!.name, trail[depth]!.identity);
			}

			return;
		} catch (error) {
			if (!(error instanceof Redirected)) {
				throw error;
			}

			if (depth === 0) {
				throw new HandoffError('was moved or replaced while being removed; the rest is left', exitCode.failed, trail[0]!.name);
			}

			trail.length = depth;
			trail.at(-1)!.pending = [];
		}
	}
}

/** One entry of the current folder (the last of the trail, which is the working folder): unlinked, or entered. */
function step(trail: Frame[]): void {
	const frame = trail.at(-1)!;
	if (frame.pending.length === 0) {
		const names = fs.readdirSync('.');
		if (names.length === 0) {
			leave(trail);
			return;
		}

		if (++frame.reads > maxReadsPerFolder) {
			throw new HandoffError('keeps getting new entries while it is being removed; the rest is left', exitCode.failed, frame.name);
		}

		frame.pending = names;
	}

	const name = frame.pending.pop()!;
	const stat = lstatOrUndefined(name);
	if (stat === undefined) {
		return;
	}

	if (!stat.isDirectory()) {
		// A link is unlinked as a link; a hard link only loses this name.
		unlinkIfPresent(name);
		return;
	}

	let entered = name;
	if (!name.startsWith(enteredPrefix)) {
		entered = `${enteredPrefix}${randomHex()}`;
		try {
			fs.renameSync(name, entered);
		} catch (error) {
			if (errnoCode(error) === 'ENOENT') {
				return;
			}

			throw error;
		}
	}

	// What the rename moved may not be what was lstat-ed a moment ago: judge the new name afresh.
	const moved = lstatOrUndefined(entered);
	if (moved === undefined) {
		return;
	}

	if (!moved.isDirectory()) {
		unlinkIfPresent(entered);
		return;
	}

	if (removeEmptyFolder(entered)) {
		return;
	}

	// A folder the consumer made unreadable or unenterable (chmod 000) is ours to open again; it was just lstat-ed as a folder.
	makeEnterable(entered, moved);
	const child: Frame = {name: entered, identity: identityOf(moved), pending: [], reads: 0};
	try {
		changeInto(entered, child.identity);
	} catch (error) {
		if (!(error instanceof Redirected)) {
			throw error;
		}

		// It was swapped between the lstat and the change (for a link, say): back to the verified parent.
		enter(trail);
		return;
	}

	trail.push(child);
}

/** The current folder is empty: go up to its parent (checked) and remove it there. The root is removed by its absolute path. */
function leave(trail: Frame[]): void {
	const done = trail.pop()!;
	if (trail.length === 0) {
		process.chdir(path.dirname(done.name));
		if (!removeEmptyFolder(done.name)) {
			// Refilled between the read and the rmdir: go round again.
			trail.push(done);
			enter(trail);
		}

		return;
	}

	try {
		changeInto('..', trail.at(-1)!.identity);
	} catch (error) {
		if (!(error instanceof Redirected)) {
			throw error;
		}

		// The folder was moved elsewhere while we were in it: its `..` is not our parent. Go back down from the root.
		enter(trail);
	}

	// Refilled meanwhile (ENOTEMPTY) or swapped for a link (ENOTDIR): the parent's next read finds it again.
	removeEmptyFolder(done.name);
}

function makeEnterable(name: string, stat: fs.BigIntStats): void {
	if ((Number(stat.mode) & 0o700) !== 0o700) {
		fs.chmodSync(name, 0o700);
	}
}

/** rmdir, which never follows a link. True when the folder is gone. */
function removeEmptyFolder(name: string): boolean {
	try {
		fs.rmdirSync(name);
		return true;
	} catch (error) {
		const code = errnoCode(error);
		if (code === 'ENOENT') {
			return true;
		}

		if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'ENOTDIR') {
			return false;
		}

		throw error;
	}
}

function unlinkIfPresent(name: string): void {
	try {
		fs.unlinkSync(name);
	} catch (error) {
		// EISDIR/EPERM: it became a folder since the lstat; the next read of its parent deals with it.
		if (!['ENOENT', 'EISDIR', 'EPERM'].includes(errnoCode(error) ?? '')) {
			throw error;
		}
	}
}
