import os from 'node:os';
import path from 'node:path';
import {layout} from './paths.js';
import {processStartTicks} from './hold.js';
import {writeFileAtomic} from './safe-io.js';
import {isoTimestamp} from './time.js';
import type {Claim, DerivedState, StatusWord} from './snapshot.js';

export const statusWords: readonly StatusWord[] = ['PENDING', 'RUNNING', 'COMPLETE', 'FAILED', 'CANCELED'];

/** The first word of status.txt, upper-cased; the seed's example file carries `# comments` after it. Anything else is undefined. */
export function parseStatusWord(text: string | undefined): StatusWord | undefined {
	const word = text?.trim().split(/\s+/)[0]?.toUpperCase();
	if (word === 'CANCELLED') {
		return 'CANCELED';
	}

	return statusWords.find(candidate => candidate === word);
}

export async function writeStatus(workspace: string, word: StatusWord): Promise<void> {
	await writeFileAtomic(path.join(workspace, layout.status), `${word}\n`);
}

/** Reads `.lock`: our JSON claim, or the bare pid the seed's `acquire_lock` writes. */
export function parseClaim(text: string): Claim {
	const trimmed = text.trim();
	if (/^\d+$/.test(trimmed)) {
		return {pid: Number(trimmed)};
	}

	try {
		const value = JSON.parse(trimmed) as Record<string, unknown>;
		return {
			claimedAt: typeof value.claimed_at === 'string' ? value.claimed_at : undefined,
			pid: typeof value.pid === 'number' ? value.pid : undefined,
			pidStart: typeof value.pid_start === 'number' ? value.pid_start : undefined,
			host: typeof value.host === 'string' ? value.host : undefined,
			tool: typeof value.tool === 'string' ? value.tool : undefined,
		};
	} catch {
		return {};
	}
}

export function claimText(tool: string | undefined, pid: number | undefined, date = new Date()): string {
	const pidStart = pid === undefined ? undefined : processStartTicks(pid);
	return `${JSON.stringify({claimed_at: isoTimestamp(date), host: os.hostname(), pid, pid_start: pidStart, tool})}\n`;
}

export type StateInputs = {
	status?: StatusWord;
	lock: boolean;
	done: boolean;
	error: boolean;
	/** Progress, questions or output written: the consumer is at work even if it never claimed. */
	hasActivity: boolean;
	pendingQuestions: number;
	lastActivityAt?: number;
	deadline?: number;
	/** No file activity for this long while running reads as stalled. */
	stallAfterMs: number;
	now: number;
};

export type DerivedStatus = {state: DerivedState; inconsistencies: string[]};

/**
The precedence rules of docs/protocol.md: the signal files `.done` and `.error` win over status.txt; both present is an inconsistency and reads as failed (nothing gets archived on a contradiction); then status.txt's COMPLETE, FAILED and CANCELED; then the clock; then the consumer's activity.
*/
export function deriveState(inputs: StateInputs): DerivedStatus {
	const inconsistencies: string[] = [];
	const {status} = inputs;
	if (inputs.done && inputs.error) {
		inconsistencies.push(`${layout.done} and ${layout.error} are both present; treating the hand-off as failed`);
		return {state: 'failed', inconsistencies};
	}

	if (inputs.done) {
		if (status === 'FAILED' || status === 'CANCELED') {
			inconsistencies.push(`${layout.done} is present but ${layout.status} says ${status}; ${layout.done} wins`);
		}

		return {state: 'complete', inconsistencies};
	}

	if (inputs.error) {
		if (status === 'COMPLETE') {
			inconsistencies.push(`${layout.error} is present but ${layout.status} says COMPLETE; ${layout.error} wins`);
		}

		return {state: 'failed', inconsistencies};
	}

	switch (status) {
		case 'COMPLETE': {
			return {state: 'complete', inconsistencies};
		}

		case 'FAILED': {
			return {state: 'failed', inconsistencies};
		}

		case 'CANCELED': {
			return {state: 'canceled', inconsistencies};
		}

		default:
	}

	if (inputs.deadline !== undefined && inputs.now >= inputs.deadline) {
		return {state: 'timed-out', inconsistencies};
	}

	if (!inputs.lock && status !== 'RUNNING' && !inputs.hasActivity) {
		return {state: 'not-started', inconsistencies};
	}

	if (inputs.pendingQuestions > 0) {
		return {state: 'waiting', inconsistencies};
	}

	if (inputs.lastActivityAt !== undefined && inputs.now - inputs.lastActivityAt >= inputs.stallAfterMs) {
		return {state: 'stalled', inconsistencies};
	}

	return {state: 'running', inconsistencies};
}

export const stateLabels: Record<DerivedState, string> = {
	'not-started': 'not started',
	running: 'running',
	waiting: 'waiting for an answer',
	stalled: 'stalled',
	complete: 'complete',
	failed: 'failed',
	'timed-out': 'timed out',
	canceled: 'canceled',
};
