/**
The consumer side of the protocol, in one place: claim, progress, partial results, questions and the wait for their answers, done and fail. The consumer commands, the demo's consumer and (later) an MCP server call these; they only parse their input and print what comes back.
*/
import {watch, type FSWatcher} from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import {failHandoff} from './completion.js';
import {HandoffError, abortingSignal, errnoCode, exitCode, signalExitCode} from './errors.js';
import {withFileLock} from './file-lock.js';
import {readManifest} from './manifest.js';
import {writeMetadata} from './metadata.js';
import {layout} from './paths.js';
import {readAnswerEntries, readQuestions, readReceipts} from './questions.js';
import {checkResult, loadResultSchema, partialPathFor} from './result.js';
import {createExclusive, defaultMaxBytes, parseJson, readTextFile, writeFileAtomic, writeJsonAtomic} from './safe-io.js';
import {compileSchema, describeErrors, formatSchemaError} from './schema-validator.js';
import type {Question, Receipt} from './snapshot.js';
import {claimText, parseClaim, parseStatusWord, writeStatus} from './status.js';
import {isoTimestamp, parseTime} from './time.js';
import {checkJson, checkSchema, type JsonCheck} from './validation.js';

/** Who the consumer is, for `.lock` and metadata.json. A `pid` makes the claim judgeable (stale when that process is gone): only for a consumer that lives as long as its work, like the demo's. */
export type ConsumerIdentity = {tool?: string; model?: string; pid?: number};

/** Claims the task: `.lock` created exclusively, then status RUNNING. Refused when the hand-off has finished or is claimed already (naming the claim). */
export async function claimTask(workspace: string, who: ConsumerIdentity): Promise<{claimedAt: string}> {
	for (const signal of [layout.done, layout.error]) {
		if (await exists(path.join(workspace, signal))) {
			throw new HandoffError(`This hand-off has already finished (${signal} exists)`, exitCode.usage);
		}
	}

	const now = new Date();
	if (!(await createExclusive(path.join(workspace, layout.lock), claimText(who.tool, who.pid, now)))) {
		const claim = parseClaim((await readTextFile(path.join(workspace, layout.lock), {name: layout.lock, maxBytes: 4096})) ?? '');
		// The same tool claiming again is the same consumer coming back (a launched session resumed with an answer
		// reads the instructions from the top): it carries on. A claim that names a live process stays exclusive.
		if (who.tool !== undefined && who.tool !== '' && claim.tool === who.tool && claim.pid === undefined) {
			return {claimedAt: claim.claimedAt ?? isoTimestamp(now)};
		}

		const holder = [claim.tool, claim.host, claim.pid && `pid ${claim.pid}`].filter(Boolean).join(', ');
		throw new HandoffError(`This hand-off is already claimed${claim.claimedAt ? ` since ${claim.claimedAt}` : ''}${holder ? ` (${holder})` : ''}`, exitCode.usage, layout.lock);
	}

	await writeStatus(workspace, 'RUNNING');
	return {claimedAt: isoTimestamp(now)};
}

// In progress.ts, so that the `progress` command, which agents run most often, loads only that.
export {reportProgress} from './progress.js';

/**
Publishes a partial result to output/<stem>.partial.json, atomically, once it parses as JSON (under the 10 MB limit). `schemaCheck` says how far it already matches the result schema (checked in the validation worker), when there is one.
*/
export async function publishPartial(workspace: string, json: string | Buffer, name = 'the partial result'): Promise<{file: string; schemaCheck?: JsonCheck}> {
	if (Buffer.byteLength(json) > defaultMaxBytes) {
		throw new HandoffError('The partial result is over the 10 MB limit', exitCode.usage);
	}

	const text = typeof json === 'string' ? json : json.toString('utf8');
	const value = parseJson(text, name);
	const manifest = await readManifest(workspace);
	const file = partialPathFor(manifest.result.path);
	await writeJsonAtomic(path.join(workspace, file), value);
	const schema = await loadResultSchema(workspace, manifest);
	return schema ? {file, schemaCheck: await checkJson(text, {name: file, schema})} : {file};
}

export type NewQuestion = {text: string; options?: string[]; id?: string; schema?: unknown; strict?: boolean};
/** `created` is false when the same question had been asked already: asking is idempotent. */
export type AskedQuestion = {id: string; created: boolean};

const newQuestionsSchema = {
	type: 'array',
	items: {
		type: 'object',
		required: ['text'],
		additionalProperties: false,
		properties: {
			text: {type: 'string', minLength: 1},
			options: {type: 'array', items: {type: 'string'}},
			id: {type: 'string', minLength: 1, maxLength: 200},
			schema: {type: 'object'},
			strict: {type: 'boolean'},
		},
	},
};
/** Compiled on first use: only `ask --file` needs it, and every command start pays for a compile. */
let validateNewQuestions: ReturnType<typeof compileSchema> | undefined;

/** The questions of a file given to `ask --file`: `{"questions": [...]}` or the array alone, each `{text, options?, id?, schema?, strict?}`. */
export function parseNewQuestions(value: unknown, name: string): NewQuestion[] {
	const list = typeof value === 'object' && value !== null && !Array.isArray(value) && 'questions' in value ? value.questions : value;
	validateNewQuestions ??= compileSchema(newQuestionsSchema);
	if (!validateNewQuestions(list)) {
		throw new HandoffError(describeErrors(validateNewQuestions.errors).map(formatSchemaError).join('; '), exitCode.usage, name);
	}

	return list as NewQuestion[];
}

/**
Adds questions to shared/questions.json, all under one lock and in one write, so either all are added or none.

Asking is idempotent, so an agent may run the same command again after a tool time limit killed it: a question with the same text, options, schema and strictness as one already asked (under the same `id`, or when no id is given, under any id) returns the existing id and adds nothing. A different question under an existing id is refused, naming both. A new question without an id gets the first free `q<N>`.
*/
export async function askQuestions(workspace: string, questions: NewQuestion[]): Promise<AskedQuestion[]> {
	if (questions.length === 0) {
		throw new HandoffError('No question to ask', exitCode.usage);
	}

	const asked = questions.map(question => contentOf(question));
	// Compiled outside the lock: a schema may take the worker's whole time limit.
	for (const [index, question] of asked.entries()) {
		if (question.schema !== undefined) {
			const label = questions[index]!.id ?? `question ${index + 1}`;
			// One at a time: the worker runs one check at a time anyway.
			const problem = await checkSchema({name: `the schema of ${label}`, text: JSON.stringify(question.schema)});
			if (problem !== undefined) {
				throw new HandoffError(problem, exitCode.usage);
			}
		}
	}

	const file = path.join(workspace, layout.questions);
	return withFileLock(`${file}.lock`, async () => {
		const all = await readQuestions(workspace);
		const taken = new Set(all.map(question => question.id));
		const added: Question[] = [];
		const results = asked.map((question, index): AskedQuestion => {
			const {id} = questions[index]!;
			// The first question with an id is the one that counts, as the screen shows it.
			const existing = id === undefined ? all.find(candidate => sameQuestion(candidate, question)) : all.find(candidate => candidate.id === id);
			if (existing) {
				if (!sameQuestion(existing, question)) {
					throw new HandoffError(`"${id}" was already asked as ${JSON.stringify(existing.text)}${describeDifference(existing, question)}; this asks ${JSON.stringify(question.text)} under the same id. Ask it with another --id, or ask the same question to get its id again`, exitCode.usage, layout.questions);
				}

				return {id: existing.id, created: false};
			}

			let newId = id;
			for (let n = all.length + 1; newId === undefined; n++) {
				newId = taken.has(`q${n}`) ? undefined : `q${n}`;
			}

			const question_: Question = {id: newId, ...question, asked_at: isoTimestamp()};
			all.push(question_);
			added.push(question_);
			taken.add(newId);
			return {id: newId, created: true};
		});
		if (added.length > 0) {
			await writeJsonAtomic(file, {questions: all});
		}

		return results;
	});
}

type QuestionContent = Pick<Question, 'text' | 'options' | 'schema' | 'strict'>;

/** What makes two questions the same: text, options, schema and strictness (no options is the same as an empty list, not strict the same as strict: false). */
function contentOf(question: NewQuestion): QuestionContent {
	if (typeof question.text !== 'string' || question.text.trim() === '') {
		throw new HandoffError('The question text is empty', exitCode.usage);
	}

	if (question.id !== undefined && (question.id === '' || question.id.length > 200)) {
		throw new HandoffError('A question id must have 1 to 200 characters', exitCode.usage);
	}

	const options = question.options ?? [];
	if (question.strict === true && options.length === 0) {
		throw new HandoffError(`"${question.text}": a strict question needs options to choose from`, exitCode.usage);
	}

	if (question.schema !== undefined && (typeof question.schema !== 'object' || question.schema === null || Array.isArray(question.schema))) {
		throw new HandoffError(`"${question.text}": the schema must be a JSON object`, exitCode.usage);
	}

	return {
		text: question.text,
		...(options.length > 0 ? {options} : {}),
		...(question.schema === undefined ? {} : {schema: question.schema}),
		...(question.strict === true ? {strict: true} : {}),
	};
}

function sameQuestion(existing: Question, asked: QuestionContent): boolean {
	return existing.text === asked.text
		&& canonicalJson(existing.options ?? []) === canonicalJson(asked.options ?? [])
		&& canonicalJson(existing.schema ?? null) === canonicalJson(asked.schema ?? null)
		&& (existing.strict === true) === (asked.strict === true);
}

/** For a refusal whose texts are equal: which other part differs. */
function describeDifference(existing: Question, asked: QuestionContent): string {
	if (existing.text !== asked.text) {
		return '';
	}

	const parts = [
		canonicalJson(existing.options ?? []) === canonicalJson(asked.options ?? []) ? undefined : 'options',
		canonicalJson(existing.schema ?? null) === canonicalJson(asked.schema ?? null) ? undefined : 'schema',
		(existing.strict === true) === (asked.strict === true) ? undefined : 'strictness',
	].filter(Boolean);
	return ` with other ${parts.join(' and ')}`;
}

/** JSON with object keys sorted, so that two schemas written in another key order compare equal. */
function canonicalJson(value: unknown): string {
	return JSON.stringify(value, (_key, inner: unknown) => (typeof inner === 'object' && inner !== null && !Array.isArray(inner)
		? Object.fromEntries(Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : (a > b ? 1 : 0))))
		: inner));
}

export type AwaitOutcome =
	/** Every id answered, in the order asked for; receipts recorded. */
	| {kind: 'answered'; answers: Array<{id: string; answer: unknown}>}
	/** `forMs` ran out: `pending` are still open; `answered` were answered meanwhile (no receipt: they were not delivered). */
	| {kind: 'pending'; pending: string[]; answered: Array<{id: string; answer: unknown}>}
	/** The hand-off ended (canceled, failed, complete, timed out, removed) before every answer came. */
	| {kind: 'ended'; reason: string};

export type AwaitOptions = {
	/** How long to wait at most. */
	forMs: number;
	/** How often onHeartbeat is called while waiting (default 15 s). */
	heartbeatMs?: number;
	onHeartbeat?: (waitedMs: number) => void;
	/** Called once, when the first look found the answers missing and the wait begins. */
	onWaiting?: () => void;
	/** Aborting ends the wait with a HandoffError whose code is 128 + the signal's number (the abort reason names the signal; SIGINT by default). */
	signal?: AbortSignal;
};

export const defaultHeartbeatMs = 15_000;
/** Slow safety net under the file events, for file systems whose watch events go missing, and the pace of the checks for an ended hand-off. */
const recheckMs = 1000;

/**
Waits for the answers to `ids`, at most `forMs`. Safe to end at any moment: it only reads questions.json, answers.json and the status, and writes receipts once every answer is there, so a wait that a tool's time limit kills loses nothing, and an answer given while nobody waited is delivered by the next call. Woken by file events on shared/, with a recheck every second.
*/
export async function awaitAnswers(workspace: string, ids: string[], options: AwaitOptions): Promise<AwaitOutcome> {
	const wanted = [...new Set(ids)];
	if (wanted.length === 0) {
		throw new HandoffError('Give the id of a question to wait for', exitCode.usage);
	}

	const questions = await readQuestions(workspace);
	const unknown = wanted.filter(id => !questions.some(question => question.id === id));
	if (unknown.length > 0) {
		const known = questions.map(question => question.id).join(', ') || 'none';
		throw new HandoffError(`No question with id ${unknown.map(id => `"${id}"`).join(', ')} in ${layout.questions} (asked: ${known})`, exitCode.usage);
	}

	const manifest = await readManifest(workspace);
	const created = parseTime(manifest.createdAt);
	const deadline = created === undefined || manifest.timeoutSeconds === undefined ? undefined : created + (manifest.timeoutSeconds * 1000);
	const started = Date.now();
	const {signal} = options;
	// An event during a look is remembered, so the next wait does not sleep through it.
	let woken = false;
	const remember = (): void => {
		woken = true;
	};

	let wake: () => void = remember;
	let watcher: FSWatcher | undefined;
	try {
		watcher = watch(path.join(workspace, layout.shared), () => {
			wake();
		});
		watcher.on('error', () => undefined);
	} catch {
		// No events (shared/ missing, or no watch support): the recheck alone.
	}

	const heartbeat = options.onHeartbeat === undefined ? undefined : setInterval(() => {
		options.onHeartbeat!(Date.now() - started);
	}, options.heartbeatMs ?? defaultHeartbeatMs);
	const onAbort = (): void => {
		wake();
	};

	signal?.addEventListener('abort', onAbort);
	let waiting = false;
	try {
		for (;;) {
			throwIfAborted(signal);
			woken = false;
			// A bad answers.json is the producer's to fix (a seed producer may write it by hand): no answers yet, not the end of the wait.
			const answers = await readAnswerEntries(workspace).catch((error: unknown) => {
				if (error instanceof HandoffError) {
					return [];
				}

				throw error;
			});
			const byId = new Map(answers.map(entry => [entry.id, entry.answer]));
			const answered = wanted.filter(id => byId.has(id)).map(id => ({id, answer: byId.get(id)}));
			if (answered.length === wanted.length) {
				await recordReceipts(workspace, wanted);
				return {kind: 'answered', answers: answered};
			}

			const reason = await endedReason(workspace, deadline);
			if (reason !== undefined) {
				return {kind: 'ended', reason};
			}

			const remaining = options.forMs - (Date.now() - started);
			if (remaining <= 0) {
				return {kind: 'pending', pending: wanted.filter(id => !byId.has(id)), answered};
			}

			throwIfAborted(signal);
			if (!waiting) {
				waiting = true;
				options.onWaiting?.();
			}

			if (woken) {
				woken = false;
				continue;
			}

			await new Promise<void>(resolve => {
				const timer = setTimeout(done, Math.min(recheckMs, remaining));
				function done(): void {
					clearTimeout(timer);
					wake = remember;
					resolve();
				}

				wake = done;
			});
		}
	} finally {
		watcher?.close();
		clearInterval(heartbeat);
		signal?.removeEventListener('abort', onAbort);
	}
}

function throwIfAborted(signal: AbortSignal | undefined): void {
	if (signal?.aborted) {
		const name = abortingSignal(signal);
		throw new HandoffError(`stopped waiting (${name}); the question and any answer are kept, so run the same command again`, signalExitCode[name]);
	}
}

/** Why the hand-off can no longer answer, or undefined while it can. */
async function endedReason(workspace: string, deadline: number | undefined): Promise<string | undefined> {
	try {
		await fsp.lstat(path.join(workspace, layout.manifest));
	} catch (error) {
		if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') {
			return 'the workspace was removed';
		}

		throw error;
	}

	const status = parseStatusWord(await readTextFile(path.join(workspace, layout.status), {maxBytes: 4096}).catch(() => undefined));
	if (status === 'CANCELED') {
		return 'the producer canceled this hand-off';
	}

	if (status === 'FAILED' || (await exists(path.join(workspace, layout.error)))) {
		return 'this hand-off has failed';
	}

	if (status === 'COMPLETE' || (await exists(path.join(workspace, layout.done)))) {
		return 'this hand-off is complete';
	}

	if (deadline !== undefined && Date.now() > deadline) {
		return `the task's time ran out at ${isoTimestamp(new Date(deadline))}`;
	}

	return undefined;
}

/**
Records in shared/receipts.json that the consumer has read the answers to `ids` (the first read of each is kept), atomically under `shared/receipts.json.lock`. Only the consumer side writes it, so answers.json stays the producer's; the producer reads it to show an answer as picked up.
*/
export async function recordReceipts(workspace: string, ids: string[]): Promise<Receipt[]> {
	const file = path.join(workspace, layout.receipts);
	return withFileLock(`${file}.lock`, async () => {
		const receipts = await readReceipts(workspace);
		const known = new Set(receipts.map(receipt => receipt.id));
		const readAt = isoTimestamp();
		const added = [...new Set(ids)].filter(id => !known.has(id)).map(id => ({id, read_at: readAt}));
		if (added.length === 0) {
			return receipts;
		}

		const all = [...receipts, ...added];
		await writeJsonAtomic(file, {receipts: all});
		return all;
	});
}

/**
Validates the result against the schema, and only when it is valid writes metadata.json, status COMPLETE and `.done`. An invalid result signals nothing and returns every error (`<file>: <pointer>: <message>`), for the consumer to fix.
*/
export async function completeTask(workspace: string, who: ConsumerIdentity): Promise<{valid: true; file: string} | {valid: false; errors: string[]}> {
	const manifest = await readManifest(workspace);
	const check = await checkResult(workspace, manifest);
	if (!check.valid) {
		return {valid: false, errors: check.errors};
	}

	await writeMetadata(workspace, {
		status: 'complete',
		startedAt: await claimTime(workspace),
		execution: executionOf(who),
		result: {output_file: check.file, size_bytes: check.sizeBytes ?? 0, valid: true},
	});
	await writeStatus(workspace, 'COMPLETE');
	await writeFileAtomic(path.join(workspace, layout.done), `${isoTimestamp()}\n`);
	return {valid: true, file: check.file};
}

/** Signals failure: metadata.json with the reason, `.error` holding it (the seed reads it as text), status FAILED. */
export async function failTask(workspace: string, reason: string, who: ConsumerIdentity): Promise<void> {
	if (reason.trim() === '') {
		throw new HandoffError('Say what went wrong: the reason is empty', exitCode.usage);
	}

	await failHandoff(workspace, 'consumer_error', [reason], {startedAt: await claimTime(workspace), execution: executionOf(who)});
}

function executionOf(who: ConsumerIdentity): {tool?: string; model?: string} {
	return {tool: who.tool, model: who.model};
}

/** When the consumer claimed the task: from `.lock`'s JSON, else when `.lock` was written (the seed's bare-pid form). */
async function claimTime(workspace: string): Promise<string | undefined> {
	const lockFile = path.join(workspace, layout.lock);
	const text = await readTextFile(lockFile, {name: layout.lock, maxBytes: 4096}).catch(() => undefined);
	if (text === undefined) {
		return undefined;
	}

	return parseClaim(text).claimedAt ?? isoTimestamp((await fsp.lstat(lockFile)).mtime);
}

async function exists(file: string): Promise<boolean> {
	try {
		await fsp.lstat(file);
		return true;
	} catch {
		return false;
	}
}
