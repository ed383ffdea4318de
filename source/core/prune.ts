import {HandoffError, exitCode} from './errors.js';
import {acquireProducerHold} from './hold.js';
import {describeWorkspace, type ListEntry} from './listing.js';
import {readProducerRecord, recordedIdentity, removeProducerState} from './producer-record.js';
import {finishRemovals, removeTree} from './removal.js';

/** Workspaces whose hand-off has ended without a result: what `ls --prune --ended` may remove. */
export const endedStates: ReadonlySet<string> = new Set(['failed', 'canceled', 'timed-out']);

const dayMs = 24 * 60 * 60 * 1000;

/** What a prune of `days` removes: archives older than that, and with `ended` also ended workspaces created longer ago. */
export function prunable(entries: ListEntry[], days: number, options: {ended?: boolean} = {}, now = Date.now()): ListEntry[] {
	const old = (entry: ListEntry): boolean => entry.time !== undefined && now - entry.time > days * dayMs;
	return entries.filter(entry => old(entry) && (entry.kind === 'archive' || (options.ended === true && entry.kind === 'workspace' && endedStates.has(entry.state))));
}

/** "1 archive and 2 ended workspaces", for the question and the report. */
export function describePrunable(entries: ListEntry[]): string {
	const count = (kind: ListEntry['kind'], one: string, many: string): string | undefined => {
		const number = entries.filter(entry => entry.kind === kind).length;
		return number === 0 ? undefined : `${number} ${number === 1 ? one : many}`;
	};

	return [count('archive', 'archive', 'archives'), count('workspace', 'ended workspace', 'ended workspaces')].filter(Boolean).join(' and ');
}

/**
Removes one listed archive or ended workspace with the safe remover (removal.ts: moved out of reach, walked without following a link). A workspace is removed only under the producer's hold (a watcher at work on it refuses), only if it has still ended, and only if it is still the folder its record names; its producer state goes with it.
*/
export async function removePrunable(entry: ListEntry): Promise<void> {
	if (entry.kind === 'archive') {
		await removeTree(entry.path);
		await finishRemovals(entry.path);
		return;
	}

	const release = await acquireProducerHold(entry.path);
	try {
		const now = await describeWorkspace(entry.path);
		if (!endedStates.has(now.state)) {
			throw new HandoffError(`is ${now.state} now, not ended; it was kept`, exitCode.failed, entry.path);
		}

		const record = await readProducerRecord(entry.path);
		await removeTree(entry.path, record ? recordedIdentity(record) : undefined);
		await finishRemovals(entry.path);
	} finally {
		await release();
	}

	await removeProducerState(entry.path);
}
