import {randomBytes} from 'node:crypto';
import fsp from 'node:fs/promises';
import os from 'node:os';
import {setTimeout as delay} from 'node:timers/promises';
import {HandoffError, errnoCode} from './errors.js';
import {isStaleClaim, processStartTicks} from './hold.js';
import {createExclusive, readTextFile} from './safe-io.js';
import {isoTimestamp} from './time.js';

/** How long a writer waits for a lock held by a live process before giving up; the critical sections take milliseconds. */
export const defaultLockWaitMs = 5000;
/** A lock file that is not one of ours (garbage, empty, a link, a FIFO) is broken once it has stood unchanged this long: ours are written whole before they appear. */
const unknownHolderGraceMs = 1000;
/** A lock from another host cannot be judged by its pid: this long after its last change its holder is taken for gone. */
const foreignStaleAfterMs = 10_000;
/** A lock file larger than this is not one of ours. */
const maxLockBytes = 4096;

/** What our lock files hold: who holds the lock, so that a waiter can tell a holder that died from one that is busy. */
type LockRecord = {pid: number; host?: string; pid_start?: number; token?: string};

export type LockInspection =
	| {verdict: 'missing'}
	/** `identity` names this very lock file (inode and content), so that breaking it never breaks a newer one. */
	| {verdict: 'gone' | 'alive' | 'unknown' | 'unbreakable'; identity: string; holder: string};

/**
Runs `fn` while holding `lockFile` (created exclusively, holding pid, host, process start time and a token), so read-modify-write cycles on a shared JSON file by two of our processes do not lose each other's entries.

A lock whose holder is gone (same host, and the pid is not running or was reused) is broken at once; a lock file that is not ours is broken after a second; a live holder is waited for up to `waitMs`, then this throws naming the holder.
*/
export async function withFileLock<T>(lockFile: string, fn: () => Promise<T>, waitMs = defaultLockWaitMs): Promise<T> {
	const token = await acquire(lockFile, Date.now() + waitMs, true);
	try {
		return await fn();
	} finally {
		await releaseLock(lockFile, token);
	}
}

/** Takes `lockFile` before `deadline`, breaking a dead holder's lock, and returns the token it holds. */
async function acquire(lockFile: string, deadline: number, guarded: boolean): Promise<string> {
	const token = randomBytes(8).toString('hex');
	const record = {pid: process.pid, host: os.hostname(), pid_start: processStartTicks(process.pid), token, acquired_at: isoTimestamp()};
	let unknownSince: number | undefined;
	for (;;) {
		if (await createExclusive(lockFile, `${JSON.stringify(record)}\n`)) {
			return token;
		}

		const seen = await inspectLock(lockFile);
		const holder = seen.verdict === 'missing' ? 'a lock that keeps coming and going' : seen.holder;
		// A file that is not a lock is timed by our clock, not by its mtime, which its writer controls; one rewritten all the time is still broken.
		unknownSince = seen.verdict === 'unknown' ? (unknownSince ?? Date.now()) : undefined;
		const shouldBreak = seen.verdict === 'gone' || (unknownSince !== undefined && Date.now() - unknownSince >= unknownHolderGraceMs);
		const free = seen.verdict === 'missing' || (shouldBreak && (await (guarded ? breakLock(lockFile, seen.identity, deadline) : removeIfUnchanged(lockFile, seen.identity))));
		if (Date.now() > deadline) {
			throw new HandoffError(`is held by ${holder}; try again`, undefined, lockFile);
		}

		if (!free) {
			await delay(2 + Math.random() * 8);
		}
	}
}

/** Who holds `lockFile`, and whether that holder is gone. */
export async function inspectLock(lockFile: string): Promise<LockInspection> {
	let seen: SeenLock;
	try {
		seen = await lookAt(lockFile);
	} catch (error) {
		if (errnoCode(error) === 'ENOENT') {
			return {verdict: 'missing'};
		}

		throw error;
	}

	if (seen.kind === 'folder') {
		return {verdict: 'unbreakable', identity: seen.file, holder: 'a folder in its place (remove it)'};
	}

	const holder = seen.text === undefined ? undefined : parseLockRecord(seen.text);
	if (!holder) {
		// Known by its inode alone: a file rewritten all the time is still the same file to break.
		return {verdict: 'unknown', identity: seen.file, holder: 'a file that is not a lock'};
	}

	const identity = seen.lock;

	if (holder.host !== undefined && holder.host !== os.hostname()) {
		const gone = Date.now() - seen.mtimeMs > foreignStaleAfterMs;
		return {verdict: gone ? 'gone' : 'alive', identity, holder: `pid ${holder.pid} on host ${holder.host}`};
	}

	return {verdict: isStaleClaim({pid: holder.pid, host: holder.host, pidStart: holder.pid_start}) ? 'gone' : 'alive', identity, holder: `pid ${holder.pid}`};
}

/** A lock file as it is now: `file` (device, inode, kind) tells this very file from any later one at the same name, and `lock` adds its content, against an inode number reused. */
type SeenLock = {file: string; lock: string; kind: 'file' | 'folder' | 'other'; mtimeMs: number; text?: string};

async function lookAt(file: string): Promise<SeenLock> {
	const stat = await fsp.lstat(file);
	const kind = stat.isFile() ? 'file' : (stat.isDirectory() ? 'folder' : 'other');
	let text: string | undefined;
	if (kind === 'file') {
		// Swapped for a link or a FIFO since the lstat, huge, or unreadable: not one of ours, and no content to tell it by.
		text = await readTextFile(file, {maxBytes: maxLockBytes}).catch(() => undefined);
	}

	const identity = `${stat.dev}:${stat.ino}:${kind}`;
	return {file: identity, lock: `${identity}:${text ?? ''}`, kind, mtimeMs: stat.mtimeMs, text};
}

/** Our record, or a bare pid as older versions wrote; anything else is not a lock of ours. */
export function parseLockRecord(text: string): LockRecord | undefined {
	if (/^\s*\d+\s*$/.test(text)) {
		return validPid(Number(text)) ? {pid: Number(text)} : undefined;
	}

	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch {
		return undefined;
	}

	const {pid, host, pid_start: pidStart, token} = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
	if (!validPid(pid) || (host !== undefined && typeof host !== 'string') || (pidStart !== undefined && typeof pidStart !== 'number')) {
		return undefined;
	}

	return {pid, host, pid_start: pidStart, token: typeof token === 'string' ? token : undefined};
}

/** Only a positive pid may be probed: kill(0) and kill(-1) address process groups. */
function validPid(pid: unknown): pid is number {
	return typeof pid === 'number' && Number.isSafeInteger(pid) && pid > 0;
}

/**
Breaks the lock judged by `identity` while holding `<lock>.break.lock`. Without it, two waiters that both judged a dead lock could each remove it, the slower one removing the lock the faster had just taken. Under it, the lock at the name is either the one judged (its holder is gone, so nobody else can remove or replace it) or a newer one, which is left alone. The breaking lock is itself broken the plain way: its holders hold it for microseconds, so two breakers of a dead one would both have to die or race within that.
*/
export async function breakLock(lockFile: string, identity: string, deadline: number): Promise<boolean> {
	const breaker = `${lockFile}.break.lock`;
	let token: string;
	try {
		token = await acquire(breaker, deadline, false);
	} catch (error) {
		if (error instanceof HandoffError) {
			return false;
		}

		throw error;
	}

	try {
		return await removeIfUnchanged(lockFile, identity);
	} finally {
		await releaseLock(breaker, token);
	}
}

/** Removes `file` if it is still the very file judged (`identity`); true when the name is free. A folder is never removed. */
async function removeIfUnchanged(file: string, identity: string): Promise<boolean> {
	let now: SeenLock;
	try {
		now = await lookAt(file);
	} catch (error) {
		if (errnoCode(error) === 'ENOENT') {
			return true;
		}

		throw error;
	}

	if ((now.file !== identity && now.lock !== identity) || now.kind === 'folder') {
		return false;
	}

	await fsp.rm(file, {force: true});
	return true;
}

/** Removes the lock only while it is still ours (holds our token). */
async function releaseLock(lockFile: string, token: string): Promise<void> {
	try {
		const text = await readTextFile(lockFile, {maxBytes: maxLockBytes});
		if (text !== undefined && parseLockRecord(text)?.token === token) {
			await fsp.rm(lockFile, {force: true});
		}
	} catch {
		// Not ours any more, or unreadable: leave it to its owner.
	}
}
