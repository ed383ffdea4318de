import {Worker} from 'node:worker_threads';
import type {SchemaError} from './schema-validator.js';

/**
Checks JSON from the other side (the result, a partial result) against the producer's schema in a worker thread with a time limit, so that nothing the consumer writes can stall the main thread: a schema `pattern` can take exponential time on a crafted string (`^(a+)+$` against 30 `a`s and a `!`), `uniqueItems` is quadratic, and parsing 10 MB takes a while. A check that runs out of time ends the worker and counts as invalid.
*/

/** A JSON Schema as the producer wrote it, with the file it came from for messages. */
export type SchemaSource = {name: string; text: string};

/** How long one check may run before it is ended and counted as invalid. */
export const validationTimeLimitMs = 5000;

/** The worker's heap: a 10 MB result (the read limit) of ordinary objects parses and validates in well under this; millions of schema errors do not fit, and count as invalid. */
const workerHeapMb = 256;

/** How long an idle worker is kept for the next check (partial results often come in runs) before it is ended. */
const workerIdleMs = 2000;

/** How much of a partial result is kept for display: the first lines, each cut to a length no terminal shows whole. */
export const partialDisplayLimits = {maxLines: 2000, maxLineLength: 500};

/** Schema errors passed back per check; a result with thousands of errors gets the first ones and a count. */
const maxErrors = 100;

export type WorkerRequest =
	| {id: number; type: 'compile'; schema: SchemaSource}
	| {id: number; type: 'check'; name: string; data: string | Uint8Array; schema?: SchemaSource; format?: typeof partialDisplayLimits; maxErrors: number};

export type FormattedLines = {lines: string[]; totalLines: number};

export type WorkerReply =
	| ({id: number; type: 'lines'} & FormattedLines)
	| {id: number; type: 'done'; errors: SchemaError[]; errorCount: number}
	| {id: number; type: 'refused'; message: string; torn: boolean};

export type JsonCheck = {
	/** Why the JSON could not be checked at all, as one line naming the file: not JSON, nested too deep, out of time or memory. */
	problem?: string;
	/** The problem is a parse error, as a file caught halfway through a write gives. */
	torn?: boolean;
	/** The time limit ran out: checking again would only take as long. */
	outOfTime?: boolean;
	/** The first schema errors (up to 100); empty when valid. */
	errors: SchemaError[];
	/** How many schema errors there were in all. */
	errorCount: number;
	/** With `format`: the value pretty-printed, cut to partialDisplayLimits. Present even when validation then ran out of time. */
	formatted?: FormattedLines;
};

export type CheckOptions = {
	/** How the data is named in messages, usually its workspace-relative path. */
	name: string;
	schema?: SchemaSource;
	/** Also pretty-print the value for display (partial results). */
	format?: boolean;
	timeLimitMs?: number;
	/** Whether the process stays alive until the check is done (default true). A background check (a partial result) does not hold up exit. */
	keepAlive?: boolean;
};

/** Parses `data` as JSON (depth-limited) and validates it against `schema`, off the main thread and within the time limit. Never throws for bad data. */
export async function checkJson(data: string | Uint8Array, options: CheckOptions): Promise<JsonCheck> {
	const timeLimitMs = options.timeLimitMs ?? validationTimeLimitMs;
	return checker.run(
		id => ({id, type: 'check', name: options.name, data, schema: options.schema, format: options.format ? partialDisplayLimits : undefined, maxErrors}),
		options.name,
		timeLimitMs,
		`validation did not finish in ${formatSeconds(timeLimitMs)} (a schema pattern may be too slow)`,
		options.keepAlive ?? true,
	);
}

/** Whether the schema parses and compiles, within the time limit: undefined when it does, else the problem as one line naming the file. */
export async function checkSchema(schema: SchemaSource, timeLimitMs = validationTimeLimitMs): Promise<string | undefined> {
	const check = await checker.run(
		id => ({id, type: 'compile', schema}),
		schema.name,
		timeLimitMs,
		`compiling the schema did not finish in ${formatSeconds(timeLimitMs)}`,
		true,
	);
	return check.problem;
}

function formatSeconds(milliseconds: number): string {
	return `${Number((milliseconds / 1000).toFixed(1))} s`;
}

/** Where the worker's code is: dist/core/validation-worker.js, one level below dist/ as every built chunk is; the test runner loads this module from source, and the worker then runs the build. */
function workerUrl(): URL {
	return import.meta.url.endsWith('.ts') ? new URL('../../dist/core/validation-worker.js', import.meta.url) : new URL('../core/validation-worker.js', import.meta.url);
}

type Job = {
	request: WorkerRequest;
	name: string;
	timeLimitMs: number;
	timeoutMessage: string;
	keepAlive: boolean;
	formatted?: FormattedLines;
	resolve: (check: JsonCheck) => void;
};

/**
One worker, one check at a time, each timed from when it starts. The worker is kept for the next check (a session checks every partial result), does not keep the process alive while idle, and is replaced after a check it could not finish.
*/
class Checker {
	private worker: Worker | undefined;
	private readonly queue: Job[] = [];
	private current: {job: Job; timer: NodeJS.Timeout} | undefined;
	private nextId = 1;
	private idleTimer: NodeJS.Timeout | undefined;

	/** An idle worker is ended after a while: a screen at rest then keeps no second heap (its memory and its garbage collections), and the next check starts a new one. */
	private endWhenIdle(): void {
		clearTimeout(this.idleTimer);
		const idle = this.worker;
		if (!idle) {
			return;
		}

		this.idleTimer = setTimeout(() => {
			if (this.worker === idle && !this.current && this.queue.length === 0) {
				this.worker = undefined;
				idle.terminate().catch(() => undefined);
			}
		}, workerIdleMs);
		this.idleTimer.unref();
	}

	async run(makeRequest: (id: number) => WorkerRequest, name: string, timeLimitMs: number, timeoutMessage: string, keepAlive: boolean): Promise<JsonCheck> {
		return new Promise(resolve => {
			this.queue.push({request: makeRequest(this.nextId++), name, timeLimitMs, timeoutMessage, keepAlive, resolve});
			this.pump();
		});
	}

	/** Boots the worker now, idle and not keeping the process alive, so the first check does not wait for a thread to start; ended like any idle worker if no check comes. */
	warm(): void {
		try {
			this.ensureWorker().unref();
		} catch {
			// The first check starts it again, and reports why it cannot.
			return;
		}

		if (!this.current && this.queue.length === 0) {
			this.endWhenIdle();
		}
	}

	private pump(): void {
		if (this.current) {
			return;
		}

		const job = this.queue.shift();
		if (!job) {
			this.worker?.unref();
			this.endWhenIdle();
			return;
		}

		clearTimeout(this.idleTimer);

		let worker: Worker;
		try {
			worker = this.ensureWorker();
		} catch (error) {
			job.resolve({problem: `${job.name}: could not be checked (${(error as Error).message})`, errors: [], errorCount: 0});
			this.pump();
			return;
		}

		const timer = setTimeout(() => {
			this.finish({problem: `${job.name}: ${job.timeoutMessage}`, outOfTime: true, errors: [], errorCount: 0}, true);
		}, job.timeLimitMs);
		if (job.keepAlive) {
			worker.ref();
		} else {
			worker.unref();
			timer.unref();
		}

		this.current = {job, timer};
		worker.postMessage(job.request);
	}

	private ensureWorker(): Worker {
		if (this.worker) {
			return this.worker;
		}

		const worker = new Worker(workerUrl(), {resourceLimits: {maxOldGenerationSizeMb: workerHeapMb}});
		worker.on('message', (reply: WorkerReply) => {
			const job = this.current?.job;
			if (this.worker !== worker || reply.id !== job?.request.id) {
				return;
			}

			switch (reply.type) {
				case 'lines': {
					job.formatted = {lines: reply.lines, totalLines: reply.totalLines};
					break;
				}

				case 'done': {
					this.finish({errors: reply.errors, errorCount: reply.errorCount}, false);
					break;
				}

				case 'refused': {
					this.finish({problem: reply.message, torn: reply.torn, errors: [], errorCount: 0}, false);
					break;
				}
			}
		});
		const lost = (why: string): void => {
			if (this.worker !== worker) {
				return;
			}

			this.worker = undefined;
			const job = this.current?.job;
			if (job) {
				this.finish({problem: `${job.name}: ${why}`, errors: [], errorCount: 0}, false);
			}
		};

		worker.on('error', error => {
			lost((error as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY' ? `validation ran out of memory (the limit is ${workerHeapMb} MB)` : `could not be checked (${error.message})`);
		});
		worker.on('exit', code => {
			lost(`could not be checked (the checker stopped with code ${code})`);
		});
		this.worker = worker;
		return worker;
	}

	/** Settles the current job; `end` terminates the worker (it is stuck in the check) so that the next job gets a fresh one. */
	private finish(check: JsonCheck, end: boolean): void {
		const current = this.current;
		if (!current) {
			return;
		}

		clearTimeout(current.timer);
		this.current = undefined;
		if (end && this.worker) {
			const stuck = this.worker;
			this.worker = undefined;
			stuck.terminate().catch(() => undefined);
		}

		current.job.resolve({...check, ...(current.job.formatted ? {formatted: current.job.formatted} : {})});
		this.pump();
	}
}

const checker = new Checker();

/** Starts the validation worker ahead of its first check: a screen does it once its first frame is drawn, so that a result that arrives later does not wait for a thread to start. */
export function startValidationWorker(): void {
	checker.warm();
}
