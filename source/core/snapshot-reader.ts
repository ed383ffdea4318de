import path from 'node:path';
import {HandoffError, asFileProblem, errnoCode} from './errors.js';
import {asyncFileAccess, type FileAccess} from './file-access.js';
import type {Manifest} from './manifest.js';
import {layout} from './paths.js';
import {duplicateQuestionProblems, mergeQuestions, parseAnswers, parseQuestions} from './questions.js';
import {parseReceipts} from './receipts.js';
import {loadResultSchema} from './result.js';
import {folderRefusal, isTemporaryName, parseJson, readRegularFile, readTextFile} from './safe-io.js';
import {isStaleClaim} from './hold.js';
import {terminalStates, type Answer, type FileProblem, type PartialResult, type Question, type QuestionView, type Receipt, type WorkspaceSnapshot} from './snapshot.js';
import {deriveState, parseClaim, parseStatusWord} from './status.js';
import {parseTime} from './time.js';
import {checkJson, type SchemaSource} from './validation.js';

/** How long a file that does not parse may stay so before it is reported: a non-atomic writer is usually done by then. */
export const settleMs = 1000;
export const defaultStallAfterMs = 5 * 60 * 1000;
const maxSignalBytes = 64 * 1024;

export type SnapshotOptions = {
	stallAfterMs?: number;
	/** Overrides the manifest's constraints.timeout_seconds. */
	timeoutSeconds?: number;
	/** Whether to read and check the partial result (default true); a one-off listing does not show it. */
	partial?: boolean;
	/** Whether to read who holds the claim in .lock (default true); a listing shows only whether there is one. */
	claim?: boolean;
	/** The file system calls to make (asynchronous unless told otherwise): a one-off listing makes them synchronously. */
	access?: FileAccess;
};

export type SnapshotReaderOptions = SnapshotOptions & {
	/** Reports a contract in input/ the consumer changed (the producer record's ContractGuard). */
	contract?: {problems(): Promise<FileProblem[]>};
	/** The result schema to judge partial results by (the recorded one), instead of reading input/. */
	resultSchema?: {schema: SchemaSource | undefined};
};

/**
Keeps the last good value of a file the other side rewrites. A read that fails to parse is retried quietly until it has stayed bad for `settleMs`; refusals that are not a torn write (a symlink, an oversized file) are reported at once.
*/
class SettlingValue<T> {
	value: T | undefined;
	private badSince: number | undefined;
	/** The outcome for a file version (inode, size, times) that has been read: an unchanged file is not read again. */
	private cached: {version: string; outcome: Outcome} | undefined;

	async refresh(read: () => Promise<T | undefined>, now: number, version?: string): Promise<Outcome> {
		if (version !== undefined && this.cached?.version === version) {
			return this.cached.outcome;
		}

		const outcome = await this.readNow(read, now);
		// A torn file is read again until it settles, whatever its version says.
		this.cached = version === undefined || outcome.unsettled || this.badSince !== undefined ? undefined : {version, outcome};
		return outcome;
	}

	private async readNow(read: () => Promise<T | undefined>, now: number): Promise<Outcome> {
		try {
			this.value = await read();
			this.badSince = undefined;
			return {unsettled: false};
		} catch (error) {
			if (!(error instanceof HandoffError)) {
				throw error;
			}

			const torn = /not valid JSON|must |missing required|unexpected field/.test(error.message);
			if (!torn) {
				return {problem: error.message, unsettled: false};
			}

			this.badSince ??= now;
			return now - this.badSince >= settleMs ? {problem: error.message, unsettled: false} : {unsettled: true};
		}
	}
}

type Outcome = {problem?: string; unsettled: boolean};

type Entry = {name: string; relativePath: string; mtimeMs: number; isDirectory: boolean; version: string};

/**
Reads everything a view shows from a workspace's files, remembering the last good value of each. One instance per watched workspace.
*/
export class SnapshotReader {
	private readonly questions = new SettlingValue<Question[]>();
	private readonly answers = new SettlingValue<Answer[]>();
	/** Consumer-written, like questions.json: read with the same care. */
	private readonly receipts = new SettlingValue<Receipt[]>();
	private readonly metadata = new SettlingValue<unknown>();
	private readonly partial = new SettlingValue<PartialResult>();
	/** The check of the newest partial result, running or done. One at a time, in the background: a read never waits for it. */
	private partialCheck: {file: string; version: string; done: Promise<void>; outcome?: Outcome} | undefined;
	private partialSchema: Promise<SchemaSource | undefined> | undefined;
	private partialSchemaProblem: FileProblem | undefined;
	private createdAtFallback: number | undefined;
	/** The last merge of questions, answers and receipts, kept while none of the three changed: a read of an unchanged workspace then returns the same arrays, so comparing snapshots stays cheap with thousands of questions. */
	private merged: {from: [unknown, unknown, unknown]; questions: QuestionView[]; duplicates: string[]} | undefined;
	/** True when some file is mid-settle and the caller should read again shortly. */
	unsettled = false;
	private readonly access: FileAccess;

	constructor(
		readonly workspace: string,
		readonly manifest: Manifest,
		private readonly options: SnapshotReaderOptions = {},
	) {
		this.access = options.access ?? asyncFileAccess;
	}

	private mergedQuestions(): {questions: QuestionView[]; duplicates: string[]} {
		const from: [unknown, unknown, unknown] = [this.questions.value, this.answers.value, this.receipts.value];
		if (!this.merged || from.some((value, index) => value !== this.merged!.from[index])) {
			this.merged = {
				from,
				questions: mergeQuestions(this.questions.value ?? [], this.answers.value ?? [], this.receipts.value ?? []),
				duplicates: duplicateQuestionProblems(this.questions.value ?? []),
			};
		}

		return this.merged;
	}

	async read(now = Date.now()): Promise<WorkspaceSnapshot> {
		const {workspace, manifest, access} = this;
		const problems: FileProblem[] = [];
		let unsettled = false;
		const settle = async <T>(holder: SettlingValue<T>, file: string, read: () => Promise<T | undefined>): Promise<void> => {
			// A file its folder's listing did not show is not there: reading it would only find that out.
			const outcome = await holder.refresh(versions.has(file) ? read : async () => undefined, now, versions.get(file));
			unsettled ||= outcome.unsettled;
			if (outcome.problem) {
				problems.push({file, message: outcome.problem.replace(`${file}: `, '')});
			}
		};

		// shared/ or output/ swapped for a link would have us read files from anywhere: report it and read nothing there.
		// One that is gone (mid-swap, or removed) is reported too, and what was read from it before is kept.
		const linked = await unusableFolders(workspace, problems, access);
		const [shared, output, root] = await Promise.all([
			linked.has(layout.shared) ? [] : listEntries(workspace, layout.shared, access),
			linked.has(layout.output) ? [] : listEntries(workspace, layout.output, access),
			// Of the workspace folder only the signal files count.
			listEntries(workspace, '', access, rootSignals),
		]);
		const has = (name: string): boolean => root.some(entry => entry.name === name);
		const versions = new Map([...shared, ...output].map(entry => [entry.relativePath, entry.version]));

		await Promise.all([
			linked.has(layout.shared) ? undefined : settle(this.questions, layout.questions, async () => readJson(workspace, layout.questions, access, parseQuestions)),
			linked.has(layout.shared) ? undefined : settle(this.answers, layout.answers, async () => readJson(workspace, layout.answers, access, parseAnswers)),
			linked.has(layout.shared) ? undefined : settle(this.receipts, layout.receipts, async () => readJson(workspace, layout.receipts, access, parseReceipts)),
			linked.has(layout.output) ? undefined : settle(this.metadata, layout.metadata, async () => readJson(workspace, layout.metadata, access, value => value)),
		]);

		const newestPartial = this.options.partial === false ? undefined : output
			// Links and devices are kept here so that reading them reports the refusal.
			.filter(entry => !entry.isDirectory && entry.name.endsWith('.partial.json'))
			.sort((a, b) => b.mtimeMs - a.mtimeMs)[0];
		if (newestPartial) {
			const outcome = this.checkPartial(newestPartial, now);
			// Still running: show the last good one, and have the caller read again shortly.
			unsettled ||= outcome?.unsettled ?? true;
			if (outcome?.problem) {
				problems.push({file: newestPartial.relativePath, message: outcome.problem.replace(`${newestPartial.relativePath}: `, '')});
			}

			if (this.partialSchemaProblem) {
				problems.push(this.partialSchemaProblem);
			}
		}

		const partial = this.partial.value?.file === newestPartial?.relativePath ? this.partial.value : undefined;

		const [statusText, lockText, errorText] = await Promise.all([
			versions.has(layout.status) ? readSignal(workspace, layout.status, problems, access) : undefined,
			has(layout.lock) && this.options.claim !== false ? readSignal(workspace, layout.lock, problems, access) : undefined,
			has(layout.error) ? readSignal(workspace, layout.error, problems, access) : undefined,
		]);
		const status = parseStatusWord(statusText);
		const parsedClaim = lockText === undefined ? undefined : parseClaim(lockText);
		const claim = parsedClaim && {...parsedClaim, stale: isStaleClaim(parsedClaim)};
		const {questions, duplicates} = this.mergedQuestions();
		problems.push(...duplicates.map(message => ({file: layout.questions, message})));
		const pendingQuestions = questions.filter(question => !question.answer).length;
		const activity = [...shared, ...output, ...root];
		const lastActivityAt = activity.length > 0 ? Math.max(...activity.map(entry => entry.mtimeMs)) : undefined;
		const createdAt = parseTime(manifest.createdAt) ?? (await this.manifestTime());
		const timeoutSeconds = this.options.timeoutSeconds ?? manifest.timeoutSeconds;
		const deadline = createdAt !== undefined && timeoutSeconds !== undefined ? createdAt + timeoutSeconds * 1000 : undefined;
		const lockEntry = root.find(entry => entry.name === layout.lock);
		const {state, inconsistencies} = deriveState({
			status,
			lock: lockEntry !== undefined,
			done: has(layout.done),
			error: has(layout.error),
			hasActivity: shared.some(entry => entry.name !== 'status.txt' && entry.name !== 'answers.json') || output.length > 0,
			pendingQuestions,
			lastActivityAt,
			deadline,
			stallAfterMs: this.options.stallAfterMs ?? defaultStallAfterMs,
			now,
		});

		if (this.options.contract) {
			problems.push(...(await this.options.contract.problems()));
		}

		if (claim?.stale && !terminalStates.has(state)) {
			problems.push({file: layout.lock, message: `stale: the claimant (pid ${claim.pid}) is no longer running; it may have crashed`});
		}

		this.unsettled = unsettled;
		return {
			workspace,
			name: path.basename(workspace),
			manifest,
			state,
			status,
			signals: {lock: lockEntry !== undefined, done: has(layout.done), error: has(layout.error)},
			claim,
			errorMessage: errorText?.trim() || undefined,
			inconsistencies,
			createdAt,
			claimedAt: parseTime(claim?.claimedAt) ?? lockEntry?.mtimeMs,
			lastActivityAt,
			deadline,
			questions,
			pendingQuestions,
			partial,
			metadata: this.metadata.value,
			problems,
		};
	}

	/** Resolves once the partial result check that is running (if any) is done; a read after it shows its outcome. */
	async partialChecked(): Promise<void> {
		await this.partialCheck?.done;
	}

	/** The outcome of the newest partial's check, starting one when none runs for this version: undefined while it runs. */
	private checkPartial(entry: Entry, now: number): Outcome | undefined {
		const current = this.partialCheck;
		if (current && !current.outcome) {
			return undefined;
		}

		if (current?.outcome && current.file === entry.relativePath && current.version === entry.version && !current.outcome.unsettled) {
			return current.outcome;
		}

		const check: NonNullable<SnapshotReader['partialCheck']> = {file: entry.relativePath, version: entry.version, done: Promise.resolve()};
		check.done = this.partial.refresh(async () => this.readPartial(entry), now, entry.version).then(
			outcome => {
				check.outcome = outcome;
			},
			(error: unknown) => {
				check.outcome = {problem: `could not be read (${(error as Error).message})`, unsettled: false};
			},
		);
		this.partialCheck = check;
		return undefined;
	}

	/**
Parses, validates and formats one version of a partial result in the validation worker: the main thread never holds the whole value, only the first lines to show. A parse error is thrown as a torn write (it settles); a check out of time keeps the lines and counts as invalid.
*/
	private async readPartial(entry: Entry): Promise<PartialResult | undefined> {
		const buffer = await readRegularFile(path.join(this.workspace, entry.relativePath), {name: entry.relativePath, access: this.access});
		if (buffer === undefined) {
			return undefined;
		}

		this.partialSchema ??= (this.options.resultSchema ? Promise.resolve(this.options.resultSchema.schema) : loadResultSchema(this.workspace, this.manifest)).catch((error: unknown) => {
			this.partialSchemaProblem = {file: this.manifest.schemaPath ?? 'schema', message: (error as Error).message};
			return undefined;
		});
		const schema = await this.partialSchema;
		// A partial check never keeps the process alive: nobody waits for it to exit.
		const check = await checkJson(buffer, {name: entry.relativePath, schema, format: true, keepAlive: false});
		if (check.problem !== undefined && !check.formatted) {
			throw new HandoffError(check.problem);
		}

		const errors = check.problem === undefined ? check.errors : [{pointer: '', message: check.problem.replace(`${entry.relativePath}: `, '')}];
		return {
			file: entry.relativePath,
			lines: check.formatted?.lines ?? [],
			totalLines: check.formatted?.totalLines ?? 0,
			valid: schema ? errors.length === 0 : undefined,
			errors,
			errorCount: check.problem === undefined ? check.errorCount : 1,
			updatedAt: entry.mtimeMs,
		};
	}

	private async manifestTime(): Promise<number | undefined> {
		if (this.createdAtFallback === undefined) {
			try {
				this.createdAtFallback = (await this.access.lstat(path.join(this.workspace, layout.manifest)))?.mtimeMs;
			} catch {}
		}

		return this.createdAtFallback;
	}
}

async function readJson<T>(workspace: string, relativePath: string, access: FileAccess, parse: (value: unknown, name: string) => T): Promise<T | undefined> {
	const text = await readTextFile(path.join(workspace, relativePath), {name: relativePath, access}).catch((error: unknown) => {
		throw asFileProblem(error, relativePath);
	});
	return text === undefined ? undefined : parse(parseJson(text, relativePath), relativePath);
}

/** Small signal files (.lock, .error, status.txt): read with a small cap; a refusal becomes a problem, not a crash. */
async function readSignal(workspace: string, relativePath: string, problems: FileProblem[], access: FileAccess): Promise<string | undefined> {
	try {
		return await readTextFile(path.join(workspace, relativePath), {name: relativePath, maxBytes: maxSignalBytes, access});
	} catch (thrown) {
		const error = asFileProblem(thrown, relativePath);
		if (error instanceof HandoffError) {
			problems.push({file: relativePath, message: error.message.replace(`${relativePath}: `, '')});
			return '';
		}

		throw error;
	}
}

async function unusableFolders(workspace: string, problems: FileProblem[], access: FileAccess): Promise<Set<string>> {
	const unusable = new Set<string>();
	for (const folder of [layout.shared, layout.output]) {
		try {
			const stat = await access.lstat(path.join(workspace, folder));
			const refusal = stat === undefined ? 'is missing' : folderRefusal(stat);
			if (refusal !== undefined) {
				unusable.add(folder);
				problems.push({file: `${folder}/`, message: refusal});
			}
		} catch {}
	}

	return unusable;
}

/** Our own temp files and write locks are not the other side's activity. */
function isBookkeeping(name: string): boolean {
	return isTemporaryName(name) || (name.endsWith('.lock') && name !== layout.lock);
}

const rootSignals: ReadonlySet<string> = new Set([layout.lock, layout.done, layout.error]);

/** The entries of one folder (those named in `only`, when given) with their lstat times, without following links. */
async function listEntries(workspace: string, relativeDirectory: string, access: FileAccess, only?: ReadonlySet<string>): Promise<Entry[]> {
	const directory = path.join(workspace, relativeDirectory);
	let names: string[];
	try {
		names = await access.readdir(directory);
	} catch (error) {
		if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') {
			return [];
		}

		throw error;
	}

	const entries = await Promise.all(
		names
			.filter(name => (only ? only.has(name) : !isBookkeeping(name)))
			.map(async name => {
				try {
					const stat = await access.lstat(path.join(directory, name));
					if (!stat) {
						return undefined;
					}

					return {
						name,
						relativePath: relativeDirectory ? `${relativeDirectory}/${name}` : name,
						mtimeMs: stat.mtimeMs,
						isDirectory: stat.isDirectory(),
						version: `${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}`,
					};
				} catch {
					return undefined;
				}
			}),
	);
	return entries.filter(entry => entry !== undefined);
}
