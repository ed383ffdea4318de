import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {HandoffError, errnoCode, exitCode} from './errors.js';
import {layout} from './paths.js';
import {createExclusive, readTextFile} from './safe-io.js';
import {isoTimestamp} from './time.js';

type HoldRecord = {pid?: number; host?: string; started_at?: string};

export function isProcessAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		// EPERM: it exists but belongs to someone else.
		return errnoCode(error) === 'EPERM';
	}
}

/**
Takes the producer's exclusive hold on a workspace (`.handoff-producer`, never the consumer's `.lock`), so two watchers do not both validate and archive. A hold left by a dead process on this host is taken over; one held by a live process, or by another host, is refused.
*/
export async function acquireProducerHold(workspace: string): Promise<() => Promise<void>> {
	const file = path.join(workspace, layout.producerHold);
	const record = `${JSON.stringify({pid: process.pid, host: os.hostname(), started_at: isoTimestamp()})}\n`;
	for (let attempt = 0; attempt < 3; attempt++) {
		if (await createExclusive(file, record)) {
			return async () => {
				const current = await readHold(file);
				if (current?.pid === process.pid) {
					await fsp.rm(file, {force: true});
				}
			};
		}

		const holder = await readHold(file);
		if (holder?.pid !== undefined) {
			if (holder.host !== undefined && holder.host !== os.hostname()) {
				throw new HandoffError(`is being watched from host ${holder.host} (pid ${holder.pid})`, exitCode.usage, workspace);
			}

			if (isProcessAlive(holder.pid)) {
				throw new HandoffError(`is already being watched by handoff (pid ${holder.pid}); quit that one first`, exitCode.usage, workspace);
			}
		}

		await fsp.rm(file, {force: true});
	}

	throw new HandoffError(`could not take ${layout.producerHold}`, exitCode.usage, workspace);
}

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
