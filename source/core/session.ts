import path from 'node:path';
import {isDeepStrictEqual} from 'node:util';
import {setTimeout as delay} from 'node:timers/promises';
import {archiveWorkspace} from './archive.js';
import {describeError, errorStack, ignoreExpected, isExpectedError} from './errors.js';
import {coalesce} from './coalesce.js';
import {syncFileAccess} from './file-access.js';
import {watchWorkspace, type FolderWatch} from './folder-watch.js';
import {failHandoff, rejectResult} from './completion.js';
import type {Manifest} from './manifest.js';
import {acquireProducerHold, isStaleClaim} from './hold.js';
import {ContractGuard, openProducerRecord, recordRejection, recordedContract} from './producer-record.js';
import {writeMetadata} from './metadata.js';
import {layout} from './paths.js';
import {ProgressTail} from './progress.js';
import {addAnswer, type AnswerOptions} from './questions.js';
import {checkResult} from './result.js';
import {SnapshotReader, defaultStallAfterMs, settleMs, type SnapshotOptions} from './snapshot-reader.js';
import type {SchemaSource} from './validation.js';
import {terminalStates, type Outcome, type ProgressLine, type SessionSource, type SessionState, type WorkspaceSnapshot} from './snapshot.js';
import {writeStatus} from './status.js';
import {removeStaleTemporaryFiles} from './temporary-files.js';
import {isoTimestamp} from './time.js';
import {WorkspacePresence} from './workspace-presence.js';
import {describeExit, type ConsumerExit} from './launched-tool.js';
import {canResume, launchMatrix, type LaunchTool} from './launch-matrix.js';
import type {Metadata} from './metadata.js';

/** What resumes a launched tool's session: its id, and the question and answer the resumed prompt carries. */
export type ResumeRequest = {sessionId: string; questionId: string; answer: string};

export type SessionOptions = SnapshotOptions & {
	resultsDirectory?: string;
	/** Keep the workspace after archiving. */
	keep?: boolean;
	/** Poll instead of using file events: for file systems that send none (some network and container mounts). */
	usePolling?: boolean;
	/** How many progress lines are kept for display. */
	progressLimit?: number;
	/** Open a long progress.txt at its last lines within this many bytes (a screen), instead of reading it all from the top (wait prints every line). */
	progressTailBytes?: number;
	/** How often to look at what sends no file event (default heartbeatMs); for tests. */
	heartbeatMs?: number;
};

/**
How often the session looks at what sends no file event: whether the claimant's process is still running, and whether the workspace is still at its path (a parent folder renamed). File changes come from events and time-based states (timed out, stalled) from a timer set for the moment they fall due, so at rest this look costs a system call or two, and the workspace is read again only when it finds a change. When polling (--poll) it reads the whole workspace instead, as polling catches no other way what its interval missed.
*/
const heartbeatMs = 5000;
/** The longest setTimeout takes; a later deadline is looked at again when this runs out. */
const maxTimerMs = 2 ** 31 - 1;
/** How long a valid result waits for a launched tool that is still running to end and send its last event (tokens, cost). */
const launchedReportGraceMs = 5000;


/**
Watches one workspace as its producer: keeps a live SessionState for views, and when the consumer signals, validates, retries, fails or archives. Holds the producer hold (see hold.ts) while open.

The manifest, the schema and the retries used come from the producer record (producer-record.ts), never from input/ or shared/ as the consumer may have left them: a changed contract is reported as a problem and refused.
*/
export class HandoffSession implements SessionSource {
	static async open(workspace: string, options: SessionOptions = {}): Promise<HandoffSession> {
		const record = await openProducerRecord(workspace);
		const {manifest, schema} = recordedContract(record);
		return new HandoffSession(workspace, manifest, schema, new ContractGuard(workspace, record), options);
	}

	readonly finished: Promise<Outcome>;
	private state: SessionState = {progress: []};
	private readonly listeners = new Set<() => void>();
	private readonly progressListeners = new Set<(lines: ProgressLine[]) => void>();
	private readonly reader: SnapshotReader;
	private readonly tail: ProgressTail;
	private watch: FolderWatch | undefined;
	private clock: NodeJS.Timeout | undefined;
	private heartbeat: NodeJS.Timeout | undefined;
	private releaseHold: (() => Promise<void>) | undefined;
	private presence: WorkspacePresence | undefined;
	// A progress file that cannot be read only costs lines; a bug there, or any failed refresh, ends the session with the reason.
	// Each read of the tail is followed by a read of the snapshot (the file's change moves its activity time, or makes it a problem), started once the new lines' frame is queued: the line reaches the screen without the snapshot's reads racing it.
	private readonly tailing = coalesce(async () => {
		try {
			await this.readProgress(false);
		} finally {
			setImmediate(() => {
				this.refreshing.schedule();
			});
		}
	}, {
		more: async () => this.tail.hasBacklog(),
		onError: error => {
			if (!isExpectedError(error)) {
				this.settleOnError(error);
			}
		},
	});
	private readonly refreshing = coalesce(async () => this.refresh(), {stopped: () => this.closed || this.settled, onError: error => this.settleOnError(error)});
	private settled = false;
	private closed = false;
	/** Set once the workspace is being archived: nothing reads it any more. */
	private stopClock = false;
	/** Why the tail last stopped (a progress.txt that is a link, say), as told in the progress pane. */
	private progressRefusal: string | undefined;
	/** Whether the progress pane was told that the top of a long progress.txt was skipped. */
	private skipNoted = false;
	/** What a launched tool's stream told about itself (tool, version, model, session, tokens, cost), for metadata.json. */
	private execution: NonNullable<Metadata['execution']> = {};
	/** Set once a launched consumer has ended: a result rejected after that has nobody left to fix it. */
	private launchedExit: ConsumerExit | undefined;
	/** How to resume the launched tool's session with an answer, when its row can (set by the launcher). */
	private resumer: ((resume: ResumeRequest) => Promise<void>) | undefined;
	/** The questions whose answer has resumed the tool already. */
	private readonly resumedFor = new Set<string>();
	/** Resolves when the launched tool now running has ended: its stream's last event carries tokens and cost. */
	private launchedRunning: Promise<void> | undefined;
	/** The open question a launched tool ended on: its answer resumes the tool's session. */
	private parked: {questionId: string; sessionId: string; tool: string} | undefined;
	private resolveFinished!: (outcome: Outcome) => void;

	private constructor(
		readonly workspace: string,
		readonly manifest: Manifest,
		private readonly schema: SchemaSource | undefined,
		contract: ContractGuard,
		private readonly options: SessionOptions,
	) {
		this.reader = new SnapshotReader(workspace, manifest, {...options, contract, resultSchema: {schema}});
		// The tail's few calls made synchronously: a line's way to the screen skips four thread-pool round trips (ProgressTailOptions.access says why this cannot block).
		this.tail = new ProgressTail(path.join(workspace, layout.progress), {startWithin: options.progressTailBytes, access: syncFileAccess});
		this.finished = new Promise(resolve => {
			this.resolveFinished = resolve;
		});
	}

	getState = (): SessionState => this.state;

	subscribe = (listener: () => void): (() => void) => {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	};

	/** Every new progress line, in order, as it arrives. */
	onProgress(listener: (lines: ProgressLine[]) => void): () => void {
		this.progressListeners.add(listener);
		return () => this.progressListeners.delete(listener);
	}

	async start(): Promise<void> {
		this.releaseHold = await acquireProducerHold(this.workspace);
		// Temp files of our writers that were killed mid-write: never the consumer's activity, never archived, so gone now.
		await removeStaleTemporaryFiles(this.workspace).catch(() => undefined);
		const {workspace} = this;
		this.presence = await WorkspacePresence.open(workspace);
		this.watch = await watchWorkspace(
			workspace,
			relativePath => {
				if (relativePath === layout.progress) {
					// The tail reads the snapshot again after the line (see `tailing`).
					this.tailing.schedule();
					return;
				}

				// shared/ itself changed (made, replaced): a progress.txt in it may have been written before its watch began.
				if (relativePath === layout.shared) {
					this.tailing.schedule();
				}

				this.refreshing.schedule();
			},
			// A seed manifest's schema may sit outside input/: its folder is watched too, so a changed contract is reported when it changes.
			{usePolling: this.options.usePolling, folders: this.manifest.schemaPath === undefined ? [] : [path.posix.dirname(this.manifest.schemaPath)].filter(folder => folder !== '.')},
		);
		this.heartbeat = setInterval(() => {
			this.lookForSilentChanges().catch((error: unknown) => {
				this.settleOnError(error);
			});
		}, this.options.heartbeatMs ?? heartbeatMs);
		this.heartbeat.unref();
		this.tailing.schedule();
		this.refreshing.schedule();
		await this.refreshing.idle();
	}

	/** Shows lines that are not from progress.txt (a launched tool's output) among the progress. */
	addOutput(lines: ProgressLine[]): void {
		this.publishProgress(lines);
	}

	/** Keeps what a launched tool said about its run; it goes into output/metadata.json under `execution`. */
	recordExecution(execution: Record<string, unknown>): void {
		this.execution = {...this.execution, ...execution};
	}

	toolStarted(exited: Promise<void>): void {
		this.launchedRunning = exited;
		exited.then(() => {
			if (this.launchedRunning === exited) {
				this.launchedRunning = undefined;
			}
		}, () => undefined);
	}

	/** Lets a launched tool that ends while a question is open be resumed with the answer instead of failing the hand-off. */
	allowResume(resumer: (resume: ResumeRequest) => Promise<void>, tool: LaunchTool): void {
		if (canResume(tool)) {
			this.resumer = resumer;
		}
	}

	/**
	A launched consumer ended. If it had already signalled (.done or .error), its own signal decides. If another live consumer holds the claim, the hand-off carries on with it. Otherwise the hand-off fails now, with the exit code and stderr tail, instead of waiting for the deadline.
	*/
	async consumerExited(exit: ConsumerExit): Promise<void> {
		this.refreshing.schedule();
		await this.refreshing.idle();
		const {snapshot} = this.state;
		this.launchedExit = exit;
		if (this.settled || this.closed || !snapshot || snapshot.signals.done || snapshot.signals.error || terminalStates.has(snapshot.state)) {
			return;
		}

		// An agent that asked and stopped: the answer resumes its session, so the hand-off waits for the person.
		// An answer it never picked up (given while it was ending) counts as open too: it resumes at once.
		const open = snapshot.questions.find(question => question.answer === undefined) ?? snapshot.questions.find(question => !question.receipt);
		const sessionId = this.execution.session_id;
		// Each question resumes the tool once: a resumed session that ends again without picking up its answer would
		// otherwise be resumed again and again.
		if (this.resumer && open && !this.resumedFor.has(open.id) && typeof sessionId === 'string' && sessionId !== '') {
			const tool = launchMatrix[exit.tool].binary;
			this.parked = {questionId: open.id, sessionId, tool};
			this.addOutput([{message: `${tool} exited while ${open.id} is open; answering will resume its session`, source: 'handoff'}]);
			await this.resumeOnAnswer(snapshot);
			return;
		}

		const message = describeExit(exit);
		const {claim} = snapshot;
		if (snapshot.signals.lock && claim && !claim.stale && claim.tool !== exit.claimTool) {
			this.addOutput([{message: `${message}; ${claim.tool ?? 'another consumer'} holds the claim, so the hand-off goes on`, source: 'handoff'}]);
			return;
		}

		// A result sent back for a retry is the reason the tool left undone: say both.
		const {outcome} = this.state;
		const errors = [...(outcome?.kind === 'retrying' ? outcome.errors : []), message];
		await failHandoff(this.workspace, 'consumer_exited', errors);
		await this.flushProgress();
		this.settle({kind: 'failed', errors});
	}

	async answer(id: string, answer: string, options: AnswerOptions = {}): Promise<void> {
		await addAnswer(this.workspace, id, answer, options);
		this.refreshing.schedule();
	}

	/** Marks the hand-off CANCELED; the next refresh settles the outcome. The person's cancel stands even when status.txt cannot be written (shared/ read-only or a link): the outcome says the consumer was not told. */
	async cancel(): Promise<void> {
		try {
			await writeStatus(this.workspace, 'CANCELED');
		} catch (error) {
			await this.refreshing.idle();
			if (!isExpectedError(error)) {
				this.settleOnError(error);
				return;
			}

			this.settle({kind: 'canceled', errors: [`${layout.status} could not be set to CANCELED, so the consumer was not told: ${describeError(error, this.workspace)}`]});
			return;
		}

		this.refreshing.schedule();
		await this.refreshing.idle();
	}

	async close(): Promise<void> {
		if (this.closed) {
			return;
		}

		this.closed = true;
		this.stopTimers();
		await this.watch?.close();
		await this.refreshing.idle();
		await this.tailing.idle();
		await this.tail.close();
		await this.presence?.close();
		// The workspace may be gone or read-only by now: a hold that cannot be removed is taken over later as a dead process's.
		await this.releaseHold?.().catch(ignoreExpected);
	}

	private update(patch: Partial<SessionState>): void {
		this.state = {...this.state, ...patch};
		for (const listener of this.listeners) {
			listener();
		}
	}

	private async readProgress(final: boolean): Promise<void> {
		let lines: ProgressLine[];
		try {
			lines = await this.tail.read(final);
		} catch (error) {
			// A progress file that is a link, a device or unreadable stops the tail: the pane says why, once, not at every event.
			const refusal = describeError(error, this.workspace);
			if (refusal !== this.progressRefusal) {
				this.progressRefusal = refusal;
				this.publishProgress([{message: refusal, source: 'handoff'}]);
			}

			return;
		}

		this.progressRefusal = undefined;

		if (this.tail.skippedBytes > 0 && !this.skipNoted && lines.length > 0) {
			this.skipNoted = true;
			lines.unshift({message: `the first ${formatBytes(this.tail.skippedBytes)} of ${layout.progress} are not shown`, source: 'handoff'});
		}

		this.publishProgress(lines);
	}

	private publishProgress(lines: ProgressLine[]): void {
		if (lines.length === 0) {
			return;
		}

		const limit = this.options.progressLimit ?? 2000;
		this.update({progress: [...this.state.progress, ...lines].slice(-limit)});
		for (const listener of this.progressListeners) {
			listener(lines);
		}
	}

	private async refresh(): Promise<void> {
		// A removed or moved workspace reads as empty, which would show "not started" forever.
		const gone = await this.presence?.check();
		if (gone !== undefined) {
			this.settle({kind: 'failed', errors: [gone]});
			return;
		}

		const snapshot = await this.reader.read();
		// A read that finds nothing new (an event for a file that ends up as it was, a poll under --poll): only a snapshot that differs reaches the views, so the screen does no work for it.
		if (!isDeepStrictEqual(snapshot, this.state.snapshot)) {
			this.update({snapshot});
		}

		if (this.reader.unsettled) {
			setTimeout(() => this.refreshing.schedule(), settleMs / 4).unref();
		}

		this.setClock(snapshot);

		await this.resumeOnAnswer(snapshot);

		await this.react(snapshot);
	}

	/** Sets the timer for the next read that time alone calls for: when the deadline or the stall time falls due. None when neither is ahead. */
	private setClock(snapshot: WorkspaceSnapshot): void {
		clearTimeout(this.clock);
		this.clock = undefined;
		if (this.closed || this.settled || this.stopClock) {
			this.stopTimers();
			return;
		}

		const now = Date.now();
		const stallAfterMs = this.options.stallAfterMs ?? defaultStallAfterMs;
		const due = [snapshot.deadline, snapshot.lastActivityAt === undefined ? undefined : snapshot.lastActivityAt + stallAfterMs]
			.filter((time): time is number => time !== undefined && time > now);
		if (due.length === 0) {
			return;
		}

		this.clock = setTimeout(() => {
			this.tailing.schedule();
			this.refreshing.schedule();
		}, Math.min(maxTimerMs, ...due.map(time => time - now + 5)));
		this.clock.unref();
	}

	/**
	The heartbeat: reads the workspace again only when something that sends no file event changed, the claimant's process ended (a stale claim) or the workspace left its path. Polling (--poll), or a folder the system would not watch (no watches left), reads it whole each time, for what no event reports.
	*/
	private async lookForSilentChanges(): Promise<void> {
		if (this.closed || this.settled || this.stopClock) {
			return;
		}

		const claim = this.state.snapshot?.claim;
		const changed = this.options.usePolling === true
			|| this.watch?.missesEvents() === true
			|| (claim !== undefined && !claim.stale && isStaleClaim(claim))
			|| (await this.presence?.check()) !== undefined;
		if (changed) {
			this.tailing.schedule();
			this.refreshing.schedule();
		}
	}

	private stopTimers(): void {
		clearTimeout(this.clock);
		clearInterval(this.heartbeat);
		this.clock = undefined;
		this.heartbeat = undefined;
	}

	/** Resumes the parked tool's session once its open question has an answer (from the app or `handoff answer`). */
	private async resumeOnAnswer(snapshot: WorkspaceSnapshot): Promise<void> {
		const {parked, resumer} = this;
		const answer = parked && snapshot.questions.find(question => question.id === parked.questionId)?.answer;
		if (!parked || !resumer || !answer || this.settled || this.closed) {
			return;
		}

		this.parked = undefined;
		this.launchedExit = undefined;
		this.resumedFor.add(parked.questionId);
		this.addOutput([{message: `${parked.questionId} is answered; resuming ${parked.tool} session ${parked.sessionId}`, source: 'handoff'}]);
		await resumer({sessionId: parked.sessionId, questionId: parked.questionId, answer: answer.answer});
	}

	private async react(snapshot: WorkspaceSnapshot): Promise<void> {
		switch (snapshot.state) {
			case 'complete': {
				await this.completeOrRetry(snapshot);
				break;
			}

			case 'failed': {
				const metadataErrors = metadataErrorMessages(snapshot.metadata);
				const errors = [snapshot.errorMessage, ...metadataErrors, ...snapshot.inconsistencies].filter((entry): entry is string => Boolean(entry));
				await this.flushProgress();
				this.settle({kind: 'failed', errors: errors.length > 0 ? unique(errors) : ['the consumer reported a failure without a message']});
				break;
			}

			case 'timed-out': {
				const seconds = this.options.timeoutSeconds ?? this.manifest.timeoutSeconds;
				await this.flushProgress();
				this.settle({kind: 'timed-out', errors: [`no result within ${seconds} s (constraints.timeout_seconds); the workspace is kept`]});
				break;
			}

			case 'canceled': {
				this.settle({kind: 'canceled'});
				break;
			}

			default:
		}
	}

	private async completeOrRetry(snapshot: WorkspaceSnapshot): Promise<void> {
		const {workspace, manifest} = this;
		let check = await checkResult(workspace, manifest, this.schema);
		if (!check.valid && !check.outOfTime) {
			// A consumer that writes the result without a rename may signal a moment before the last bytes land.
			await delay(250);
			check = await checkResult(workspace, manifest, this.schema);
		}

		if (!check.valid) {
			// Counted in the producer record: deleting shared/rejections.json does not give the consumer its retries back.
			const used = (await openProducerRecord(workspace)).retries_used;
			let notSentBack: string | undefined;
			if (this.launchedExit) {
				check = {...check, errors: [...check.errors, describeExit(this.launchedExit, 'after handing back this result, so nobody is left to fix it')]};
			} else if (used < manifest.maxRetries) {
				try {
					const attempt = await recordRejection(workspace);
					await rejectResult(workspace, check.errors, attempt, manifest.maxRetries);
					this.update({outcome: {kind: 'retrying', attempt, maxRetries: manifest.maxRetries, errors: check.errors}});
					return;
				} catch (error) {
					if (!isExpectedError(error)) {
						throw error;
					}

					// Unwritable or linked shared/: the consumer cannot be told to try again, so the retry would wait for nothing.
					notSentBack = `the result could not be sent back for a retry: ${describeError(error, workspace)}`;
				}
			}

			const notRecorded = await failHandoff(workspace, 'validation_error', check.errors).then(
				() => undefined,
				(error: unknown) => {
					if (!isExpectedError(error)) {
						throw error;
					}

					return `the failure could not be fully recorded in the workspace: ${describeError(error, workspace)}`;
				},
			);
			await this.flushProgress();
			this.settle({kind: 'failed', errors: [...check.errors, ...[notSentBack, notRecorded].filter(note => note !== undefined)]});
			return;
		}

		try {
			// A launched tool reports its tokens and cost in the last event of its stream, after the done step: give it a moment to end.
			if (this.launchedRunning) {
				const grace = new AbortController();
				await Promise.race([this.launchedRunning, delay(launchedReportGraceMs, undefined, {signal: grace.signal}).catch(() => undefined)]);
				grace.abort();
			}

			await this.flushProgress();
			// status.txt is only informational here: a shared/ the consumer swapped for a link must not block a valid result.
			await writeStatus(workspace, 'COMPLETE').catch(ignoreExpected);
			await writeMetadata(workspace, {
				status: 'complete',
				startedAt: snapshot.claimedAt === undefined ? undefined : isoTimestamp(new Date(snapshot.claimedAt)),
				result: {output_file: check.file, size_bytes: check.sizeBytes ?? 0, valid: true},
				execution: this.execution,
			});
			// Stop watching before the folder is removed under the watcher. The hold is kept (it is outside the workspace) until the removal is done.
			this.stopClock = true;
			this.stopTimers();
			await this.watch?.close();
			const {archivePath, notRemoved} = await archiveWorkspace(workspace, manifest, {resultsDirectory: this.options.resultsDirectory, keep: this.options.keep});
			this.settle({kind: 'complete', archivePath, resultPath: path.join(archivePath, manifest.result.path), ...(notRemoved ? {warnings: [notRemoved]} : {})});
		} catch (error) {
			if (!isExpectedError(error)) {
				throw error;
			}

			this.settle({kind: 'failed', errors: [`archiving failed: ${describeError(error, workspace)}; the workspace is kept`]});
		}
	}

	private async flushProgress(): Promise<void> {
		await this.tailing.idle();
		await this.readProgress(true);
	}

	/** The one error boundary: whatever a refresh throws ends the session with it as the reason, never as a crash. */
	private settleOnError(error: unknown): void {
		this.settle(isExpectedError(error)
			? {kind: 'failed', errors: [describeError(error, this.workspace)]}
			: {kind: 'internal-error', errors: [describeError(error)], stack: errorStack(error)});
	}

	private settle(outcome: Outcome): void {
		if (this.settled) {
			return;
		}

		this.settled = true;
		this.stopTimers();
		this.update({outcome});
		this.resolveFinished(outcome);
	}
}

function metadataErrorMessages(metadata: unknown): string[] {
	const errors = (metadata as {errors?: unknown} | undefined)?.errors;
	if (!Array.isArray(errors)) {
		return [];
	}

	return errors.map(error => {
		const {message, details} = (error ?? {}) as {message?: unknown; details?: unknown};
		return [message, details].filter(part => typeof part === 'string' && part !== '').join(': ');
	}).filter(message => message !== '');
}

function formatBytes(bytes: number): string {
	return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
}

function unique(values: string[]): string[] {
	return [...new Set(values.map(value => value.trim()))];
}
