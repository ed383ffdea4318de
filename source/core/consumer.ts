/*
STAND-IN (branch h11). The real source/core/consumer.ts is H10's (issue 9 contract): when merging, take H10's module and drop this file. Only `askQuestions` and `awaitAnswers`, with the contract's signatures, so the demo consumer, `ask` and `await` run on this branch.
*/
import fs from 'node:fs/promises';
import path from 'node:path';
import {setTimeout as delay} from 'node:timers/promises';
import {HandoffError, exitCode} from './errors.js';
import {withFileLock} from './file-lock.js';
import {layout} from './paths.js';
import {readAnswers, readQuestions} from './questions.js';
import {parseJson, readTextFile, writeJsonAtomic} from './safe-io.js';
import type {Question} from './snapshot.js';
import {parseStatusWord} from './status.js';
import {isoTimestamp} from './time.js';

export type NewQuestion = {text: string; options?: string[]; id?: string; schema?: unknown; strict?: boolean};
export type AskedQuestion = {id: string; created: boolean};

export const receiptsFile = 'shared/receipts.json';

/** Two questions are the same when text, options, schema and strict agree. */
function sameQuestion(existing: Question, asked: NewQuestion): boolean {
	return existing.text === asked.text
		&& JSON.stringify(existing.options ?? []) === JSON.stringify(asked.options ?? [])
		&& JSON.stringify(existing.schema) === JSON.stringify(asked.schema)
		&& Boolean(existing.strict) === Boolean(asked.strict);
}

/** Adds the questions not asked yet, all under one lock; the same question asked again returns its id and adds nothing. */
export async function askQuestions(workspace: string, questions: NewQuestion[]): Promise<AskedQuestion[]> {
	for (const question of questions) {
		if (question.text.trim() === '') {
			throw new HandoffError('The question text is empty', exitCode.usage);
		}
	}

	const file = path.join(workspace, layout.questions);
	return withFileLock(`${file}.lock`, async () => {
		const existing = await readQuestions(workspace);
		const all = [...existing];
		const asked: AskedQuestion[] = [];
		for (const question of questions) {
			const byId = question.id === undefined ? undefined : all.find(candidate => candidate.id === question.id);
			if (byId) {
				if (!sameQuestion(byId, question)) {
					throw new HandoffError(`The id "${byId.id}" is already used by ${JSON.stringify(byId.text)}; ${JSON.stringify(question.text)} needs another id`, exitCode.usage, layout.questions);
				}

				asked.push({id: byId.id, created: false});
				continue;
			}

			const same = question.id === undefined ? all.find(candidate => sameQuestion(candidate, question)) : undefined;
			if (same) {
				asked.push({id: same.id, created: false});
				continue;
			}

			const ids = new Set(all.map(candidate => candidate.id));
			let id = question.id;
			for (let n = all.length + 1; id === undefined; n++) {
				id = ids.has(`q${n}`) ? undefined : `q${n}`;
			}

			all.push({
				id,
				text: question.text,
				...(question.options && question.options.length > 0 ? {options: question.options} : {}),
				...(question.schema === undefined ? {} : {schema: question.schema}),
				...(question.strict ? {strict: true} : {}),
				asked_at: isoTimestamp(),
			});
			asked.push({id, created: true});
		}

		if (all.length > existing.length) {
			await writeJsonAtomic(file, {questions: all});
		}

		return asked;
	});
}

export type AwaitOutcome =
	| {kind: 'answered'; answers: Array<{id: string; answer: unknown}>}
	| {kind: 'pending'; pending: string[]; answered: Array<{id: string; answer: unknown}>}
	| {kind: 'ended'; reason: string};

/** Why the hand-off is over for the consumer, or undefined while it runs. */
async function endedReason(workspace: string): Promise<string | undefined> {
	try {
		await fs.stat(path.join(workspace, layout.manifest));
	} catch {
		return 'the workspace was removed';
	}

	const status = parseStatusWord(await readTextFile(path.join(workspace, layout.status), {maxBytes: 4096}).catch(() => undefined));
	if (status === 'CANCELED') {
		return 'the producer canceled this hand-off';
	}

	if (status === 'FAILED' || status === 'COMPLETE') {
		return `the hand-off is ${status.toLowerCase()}`;
	}

	return undefined;
}

/** Records that the consumer read these answers (first read kept), in its own file. */
async function recordReceipts(workspace: string, ids: string[]): Promise<void> {
	const file = path.join(workspace, receiptsFile);
	await withFileLock(`${file}.lock`, async () => {
		let receipts: Array<{id: string; read_at: string}> = [];
		try {
			const value = parseJson((await readTextFile(file, {name: receiptsFile})) ?? '{}', receiptsFile) as {receipts?: unknown};
			receipts = Array.isArray(value.receipts) ? (value.receipts as typeof receipts) : [];
		} catch {}

		const missing = ids.filter(id => !receipts.some(receipt => receipt.id === id));
		if (missing.length > 0) {
			await writeJsonAtomic(file, {receipts: [...receipts, ...missing.map(id => ({id, read_at: isoTimestamp()}))]});
		}
	});
}

/** Waits at most `forMs` for every id to be answered; safe to kill at any moment (it only reads answers.json and writes receipts). */
export async function awaitAnswers(workspace: string, ids: string[], options: {forMs: number; heartbeatMs?: number; onHeartbeat?: (waitedMs: number) => void; signal?: AbortSignal}): Promise<AwaitOutcome> {
	const started = Date.now();
	const heartbeat = options.onHeartbeat === undefined ? undefined : setInterval(() => options.onHeartbeat!(Date.now() - started), options.heartbeatMs ?? 15_000);
	try {
		for (;;) {
			const answers = await readAnswers(workspace).catch(() => []);
			const answered = ids.flatMap(id => {
				const found = answers.find(answer => answer.id === id);
				return found ? [{id, answer: found.answer}] : [];
			});
			if (answered.length === ids.length) {
				await recordReceipts(workspace, ids);
				return {kind: 'answered', answers: answered};
			}

			const ended = await endedReason(workspace);
			if (ended !== undefined) {
				return {kind: 'ended', reason: ended};
			}

			const left = started + options.forMs - Date.now();
			if (left <= 0 || options.signal?.aborted) {
				return {kind: 'pending', pending: ids.filter(id => !answered.some(answer => answer.id === id)), answered};
			}

			await delay(Math.min(200, left), undefined, {signal: options.signal}).catch(() => undefined);
		}
	} finally {
		clearInterval(heartbeat);
	}
}
