import fsp from 'node:fs/promises';
import path from 'node:path';
import {ignoreExpected} from './errors.js';
import {handoffCommandLine} from './instructions.js';
import {layout} from './paths.js';
import {appendProgress} from './progress.js';
import {parseJson, readTextFile, writeFileAtomic, writeJsonAtomic} from './safe-io.js';
import {writeMetadata, type MetadataFields} from './metadata.js';
import {writeStatus} from './status.js';
import {isoTimestamp} from './time.js';

/** Every rejected result, oldest first: its length is how many retries have been used, across restarts of the watcher. */
export const rejectionsFile = 'shared/rejections.json';

type Rejection = {at: string; errors: string[]};

export async function readRejections(workspace: string): Promise<Rejection[]> {
	try {
		const text = await readTextFile(path.join(workspace, rejectionsFile), {name: rejectionsFile});
		const value = text === undefined ? undefined : (parseJson(text, rejectionsFile) as {rejections?: unknown});
		return Array.isArray(value?.rejections) ? (value.rejections as Rejection[]) : [];
	} catch {
		return [];
	}
}

/**
Sends an invalid result back: withdraws `.done`, sets the status back to RUNNING, and writes the reasons to shared/rejection.md, which the instructions tell the consumer to read before it tries again.
*/
export async function rejectResult(workspace: string, errors: string[], attempt: number, maxRetries: number): Promise<void> {
	const rejections = [...(await readRejections(workspace)), {at: isoTimestamp(), errors}];
	await writeJsonAtomic(path.join(workspace, rejectionsFile), {rejections});
	const text = [
		`# Result rejected (attempt ${attempt} of ${maxRetries} retries)`,
		'',
		'The result did not pass validation. Fix every error below, write the result again, then signal completion again with this command (it checks the result first):',
		'',
		`    ${handoffCommandLine(['done', '--workspace', workspace])}`,
		'',
		'Without commands: create the empty file `.done` again.',
		'',
		...errors.map(error => `- ${error}`),
		'',
	].join('\n');
	await writeFileAtomic(path.join(workspace, layout.rejection), text);
	await fsp.rm(path.join(workspace, layout.done), {force: true});
	await writeStatus(workspace, 'RUNNING');
	// Only a note for whoever reads the progress: the rejection itself is written above. A progress.txt that is a FIFO or a link must not stop the retry.
	await appendProgress(workspace, `handoff: result rejected (${errors.length} error${errors.length === 1 ? '' : 's'}); see ${layout.rejection}`).catch(ignoreExpected);
}

/**
Marks a hand-off failed: metadata.json with the errors, `.error` holding them as text (the seed reads it so), `.done` withdrawn and status FAILED. The producer does this for an invalid result with no retries left, and the consumer's `handoff fail` (failTask) the same way.
*/
export async function failHandoff(workspace: string, type: string, errors: string[], fields: Pick<MetadataFields, 'execution' | 'startedAt'> = {}): Promise<void> {
	await writeMetadata(workspace, {...fields, status: 'failed', errors: errors.map(message => ({type, message}))});
	await writeFileAtomic(path.join(workspace, layout.error), `${errors.join('\n')}\n`);
	await fsp.rm(path.join(workspace, layout.done), {force: true});
	await writeStatus(workspace, 'FAILED');
}
