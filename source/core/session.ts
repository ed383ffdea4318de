import path from 'node:path';
import {setTimeout as delay} from 'node:timers/promises';
import {archiveWorkspace} from './archive.js';
import {HandoffError} from './errors.js';
import {coalesce} from './coalesce.js';
import {watchWorkspace, type FolderWatch} from './folder-watch.js';
import {failHandoff, readRejections, rejectResult} from './completion.js';
import {readManifest, type Manifest} from './manifest.js';
import {acquireProducerHold} from './hold.js';
import {writeMetadata} from './metadata.js';
import {layout} from './paths.js';
import {ProgressTail} from './progress.js';
import {addAnswer} from './questions.js';
import {checkResult, loadResultSchema} from './result.js';
import {SnapshotReader, settleMs, type SnapshotOptions} from './snapshot-reader.js';
import type {SchemaSource} from './validation.js';
import {terminalStates, type Outcome, type ProgressLine, type SessionSource, type SessionState, type WorkspaceSnapshot} from './snapshot.js';
import {writeStatus} from './status.js';
import {isoTimestamp} from './time.js';
import {describeExit, type ConsumerExit} from './launched-tool.js';
import type {Metadata} from './metadata.js';

export type SessionOptions = SnapshotOptions & {
	resultsDirectory?: string;
	/** Keep the workspace after archiving. */
	keep?: boolean;
	/** Poll instead of using file events: for file systems that send none (some network and container mounts). */
	usePolling?: boolean;
	/** How many progress lines are kept for display. */
	progressLimit?: number;
};

/** Re-derive time-based states (stalled, timed out, elapsed) once a second; file changes come from events, not from this. */
const clockMs = 1000;


/**
Watches one workspace as its producer: keeps a live SessionState for views, and when the consumer signals, validates, retries, fails or archives. Holds `.handoff-producer` while open.
*/
export class HandoffSession implements SessionSource {
	static async open(workspace: string, options: SessionOptions = {}): Promise<HandoffSession> {
		const manifest = await readManifest(workspace);
		// A broken schema is the producer's mistake: report it now (exit 2), not when the result arrives.
		const schema = await loadResultSchema(workspace, manifest);
		return new HandoffSession(workspace, manifest, schema, options);
	}

	readonly finished: Promise<Outcome>;
	private state: SessionState = {progress: []};
	private readonly listeners = new Set<() => void>();
	private readonly progressListeners = new Set<(lines: ProgressLine[]) => void>();
	private readonly reader: SnapshotReader;
	private readonly tail: ProgressTail;
	private watch: FolderWatch | undefined;
	private clock: NodeJS.Timeout | undefined;
	private releaseHold: (() => Promise<void>) | undefined;
	private readonly tailing = coalesce(async () => this.readProgress(false), {more: async () => this.tail.hasBacklog()});
	private readonly refreshing = coalesce(async () => this.refresh(), {stopped: () => this.closed || this.settled});
	private settled = false;
	private closed = false;
	/** What a launched tool's stream told about itself (tool, version, model, session, tokens, cost), for metadata.json. */
	private execution: NonNullable<Metadata['execution']> = {};
	/** Set once a launched consumer has ended: a result rejected after that has nobody left to fix it. */
	private launchedExit: ConsumerExit | undefined;
	private resolveFinished!: (outcome: Outcome) => void;

	private constructor(
		readonly workspace: string,
		readonly manifest: Manifest,
		private readonly schema: SchemaSource | undefined,
		private readonly options: SessionOptions,
	) {
		this.reader = new SnapshotReader(workspace, manifest, options);
		this.tail = new ProgressTail(path.join(workspace, layout.progress));
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
		const {workspace} = this;
		this.watch = await watchWorkspace(
			workspace,
			relativePath => {
				if (relativePath === layout.progress) {
					this.tailing.schedule();
				}

				this.refreshing.schedule();
			},
			{usePolling: this.options.usePolling},
		);
		this.clock = setInterval(() => {
			this.tailing.schedule();
			this.refreshing.schedule();
		}, clockMs);
		this.clock.unref();
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

	async answer(id: string, answer: string): Promise<void> {
		await addAnswer(this.workspace, id, answer);
		this.refreshing.schedule();
	}

	/** Marks the hand-off CANCELED; the next refresh settles the outcome. */
	async cancel(): Promise<void> {
		await writeStatus(this.workspace, 'CANCELED');
		this.refreshing.schedule();
		await this.refreshing.idle();
	}

	async close(): Promise<void> {
		if (this.closed) {
			return;
		}

		this.closed = true;
		clearInterval(this.clock);
		await this.watch?.close();
		await this.refreshing.idle();
		await this.releaseHold?.();
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
		} catch {
			// A progress file that is a link or a device is reported by the snapshot's problems; the tail simply stops.
			return;
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
		let snapshot: WorkspaceSnapshot;
		try {
			snapshot = await this.reader.read();
		} catch (error) {
			// The workspace vanished or became unreadable under us.
			this.settle({kind: 'failed', errors: [`${this.workspace}: ${(error as Error).message}`]});
			return;
		}

		this.update({snapshot});
		if (this.reader.unsettled) {
			setTimeout(() => this.refreshing.schedule(), settleMs / 4).unref();
		}

		await this.react(snapshot);
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
			const used = (await readRejections(workspace)).length;
			if (this.launchedExit) {
				check = {...check, errors: [...check.errors, describeExit(this.launchedExit, 'after handing back this result, so nobody is left to fix it')]};
			} else if (used < manifest.maxRetries) {
				await rejectResult(workspace, check.errors, used + 1, manifest.maxRetries);
				this.update({outcome: {kind: 'retrying', attempt: used + 1, maxRetries: manifest.maxRetries, errors: check.errors}});
				return;
			}

			await failHandoff(workspace, 'validation_error', check.errors);
			await this.flushProgress();
			this.settle({kind: 'failed', errors: check.errors});
			return;
		}

		try {
			await this.flushProgress();
			// status.txt is only informational here: a shared/ the consumer swapped for a link must not block a valid result.
			await writeStatus(workspace, 'COMPLETE').catch((error: unknown) => {
				if (!(error instanceof HandoffError)) {
					throw error;
				}
			});
			await writeMetadata(workspace, {
				status: 'complete',
				startedAt: snapshot.claimedAt === undefined ? undefined : isoTimestamp(new Date(snapshot.claimedAt)),
				result: {output_file: check.file, size_bytes: check.sizeBytes ?? 0, valid: true},
				execution: this.execution,
			});
			// Stop watching before the folder is removed under the watcher.
			clearInterval(this.clock);
				await this.watch?.close();
			await this.releaseHold?.();
			this.releaseHold = undefined;
			const {archivePath} = await archiveWorkspace(workspace, manifest, {resultsDirectory: this.options.resultsDirectory, keep: this.options.keep});
			this.settle({kind: 'complete', archivePath, resultPath: path.join(archivePath, manifest.result.path)});
		} catch (error) {
			this.settle({kind: 'failed', errors: [`archiving failed: ${(error as Error).message}; the workspace is kept`]});
		}
	}

	private async flushProgress(): Promise<void> {
		await this.tailing.idle();
		await this.readProgress(true);
	}

	private settle(outcome: Outcome): void {
		if (this.settled) {
			return;
		}

		this.settled = true;
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

function unique(values: string[]): string[] {
	return [...new Set(values.map(value => value.trim()))];
}
