import {randomBytes} from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {HandoffError, errnoCode, exitCode} from './errors.js';
import {ensureProducerStateDirectory, producerStateDirectory} from './producer-state.js';
import {createExclusive, readTextFile, writeJsonAtomic} from './safe-io.js';
import {isoTimestamp} from './time.js';

/** A producer hold: who holds it, and a token telling this acquisition from an earlier one of the same process. Released holds stay, marked. */
export type HoldRecord = {pid?: number; pid_start?: number; host?: string; started_at?: string; token?: string; released?: boolean};

export function isProcessAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		// EPERM: it exists but belongs to someone else.
		return errnoCode(error) === 'EPERM';
	}
}

/** Hold files are `producer-hold.<generation>` in the producer state folder; only the highest generation counts. */
const holdPrefix = 'producer-hold.';

export function holdFilePath(workspace: string, generation: number): string {
	return path.join(producerStateDirectory(workspace), `${holdPrefix}${generation}`);
}

async function holdGenerations(directory: string): Promise<number[]> {
	const names = await fsp.readdir(directory);
	return names
		.filter(name => name.startsWith(holdPrefix) && /^[1-9]\d{0,15}$/.test(name.slice(holdPrefix.length)))
		.map(name => Number(name.slice(holdPrefix.length)))
		.sort((a, b) => a - b);
}

/**
Takes the producer's exclusive hold on a workspace, so two watchers do not both validate and archive. The hold lives in the producer state folder (beside the workspace, see producer-state.ts), so nothing the consumer deletes in the workspace admits a second producer. A hold left by a dead process on this host is taken over; one held by a live process, or by another host, is refused.

Race-free takeover without ever removing someone else's hold: holds are numbered generations, created exclusively. Whoever sees the highest generation N dead (or released) tries to create N+1; link(2) lets exactly one of them have it, and the others look again and find a live holder. A hold is only ever deleted by its owner or by the holder of a higher generation, and the highest one is never deleted (a release marks it instead), so generation numbers never go down and a slow acquirer that creates a stale, lower number sees the higher one when it checks, and withdraws.
*/
export async function acquireProducerHold(workspace: string): Promise<() => Promise<void>> {
	const directory = await ensureProducerStateDirectory(workspace);
	const token = randomBytes(8).toString('hex');
	const record: HoldRecord = {pid: process.pid, pid_start: processStartTicks(process.pid), host: os.hostname(), started_at: isoTimestamp(), token};
	for (let attempt = 0; attempt < 100; attempt++) {
		const generations = await holdGenerations(directory);
		const top = generations.at(-1) ?? 0;
		if (top > 0) {
			const holder = await readHold(holdFilePath(workspace, top));
			if (holder === undefined) {
				// Deleted since the listing (a lower generation being cleaned up): look again.
				continue;
			}

			refuseLiveHolder(holder, workspace);
		}

		const mine = top + 1;
		if (!(await createExclusive(holdFilePath(workspace, mine), `${JSON.stringify(record)}\n`))) {
			continue;
		}

		const after = await holdGenerations(directory);
		if (after.at(-1)! > mine) {
			// We created a number someone had already passed: theirs counts. Withdraw and look again.
			await fsp.rm(holdFilePath(workspace, mine), {force: true});
			continue;
		}

		for (const generation of after.filter(generation => generation < mine)) {
			await fsp.rm(holdFilePath(workspace, generation), {force: true});
		}

		return async () => {
			const file = holdFilePath(workspace, mine);
			const current = await readHold(file);
			if (current?.token === token && !current.released) {
				// Marked, not deleted: the highest generation must stay so numbers never go down.
				await writeJsonAtomic(file, {...current, released: true}).catch((error: unknown) => {
					// The state folder is gone when the workspace was archived and removed: nothing left to release.
					if (errnoCode(error) !== 'ENOENT') {
						throw error;
					}
				});
			}
		};
	}

	throw new HandoffError('could not take the producer hold (it kept changing)', exitCode.usage, workspace);
}

/** The hold that counts now (the highest generation), or undefined when there is none; a released one says so. */
export async function currentProducerHold(workspace: string): Promise<HoldRecord | undefined> {
	let generations: number[];
	try {
		generations = await holdGenerations(producerStateDirectory(workspace));
	} catch {
		return undefined;
	}

	const top = generations.at(-1);
	return top === undefined ? undefined : readHold(holdFilePath(workspace, top));
}

function refuseLiveHolder(holder: HoldRecord, workspace: string): void {
	if (holder.released || holder.pid === undefined) {
		return;
	}

	if (holder.host !== undefined && holder.host !== os.hostname()) {
		throw new HandoffError(`is being watched from host ${holder.host} (pid ${holder.pid})`, exitCode.usage, workspace);
	}

	if (!isStaleClaim({pid: holder.pid, host: holder.host, pidStart: holder.pid_start})) {
		throw new HandoffError(`is already being watched by handoff (pid ${holder.pid}); quit that one first`, exitCode.usage, workspace);
	}
}

/** The hold in `file`, undefined when it is gone; an unreadable one counts as abandoned (holds are written whole, so only damage makes one). */
async function readHold(file: string): Promise<HoldRecord | undefined> {
	try {
		const text = await readTextFile(file, {maxBytes: 4096});
		return text === undefined ? undefined : (JSON.parse(text) as HoldRecord);
	} catch {
		return {};
	}
}

/** The start time of a process in clock ticks since boot (Linux, /proc/<pid>/stat field 22), to tell a reused pid from the original. */
export function processStartTicks(pid: number): number | undefined {
	try {
		const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
		// The command name (field 2) may hold spaces and parentheses: count fields after its closing parenthesis.
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		const ticks = Number(fields[19]);
		return Number.isFinite(ticks) ? ticks : undefined;
	} catch {
		return undefined;
	}
}

/**
Whether a `.lock` claim was left by a consumer process that is gone: same host (or no host given, as in the seed's bare pid), and the pid is not running, or is running but started at another time (a reused pid). A claim from another host, or without a pid, is never called stale.
*/
export function isStaleClaim(claim: {pid?: number; host?: string; pidStart?: number}): boolean {
	if (claim.pid === undefined || (claim.host !== undefined && claim.host !== os.hostname())) {
		return false;
	}

	if (!isProcessAlive(claim.pid)) {
		return true;
	}

	const started = claim.pidStart === undefined ? undefined : processStartTicks(claim.pid);
	return started !== undefined && started !== claim.pidStart;
}
