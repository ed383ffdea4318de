import type {Manifest} from './manifest.js';
import type {SchemaError} from './schema-validator.js';

/**
The states a person cares about, derived from the files (see docs/protocol.md, "State precedence").
*/
export type DerivedState =
	| 'not-started'
	| 'running'
	| 'waiting'
	| 'stalled'
	| 'complete'
	| 'failed'
	| 'timed-out'
	| 'canceled';

export const terminalStates: ReadonlySet<DerivedState> = new Set(['complete', 'failed', 'timed-out', 'canceled']);

/** The words of `shared/status.txt`. */
export type StatusWord = 'PENDING' | 'RUNNING' | 'COMPLETE' | 'FAILED' | 'CANCELED';

export type Question = {
	id: string;
	text: string;
	options?: string[];
	/** Optional JSON Schema for a typed free-text answer (like MCP elicitation). */
	schema?: unknown;
	/** The answer must be one of `options`; otherwise a question with options also takes a free-text answer. */
	strict?: boolean;
	asked_at?: string;
	[key: string]: unknown;
};

export type Answer = {
	id: string;
	answer: string;
	answered_at?: string;
	[key: string]: unknown;
};

/** An entry of shared/receipts.json: the consumer read the answer to `id` at `read_at`. */
export type Receipt = {id: string; read_at: string};

/** `receipt` is set once the consumer has picked up the current answer (a receipt older than a replaced answer does not count). */
export type QuestionView = Question & {answer?: Answer; receipt?: Receipt};

export type ProgressLine = {
	/** The `[YYYY-MM-DD HH:MM:SS]` stamp when the line has one. */
	time?: string;
	message: string;
	/** Set for output of a tool we launched (`--launch`), which is shown but not part of progress.txt. */
	source?: string;
};

/** A file from the other side that is unreadable and has stayed so: named, with the problem. */
export type FileProblem = {file: string; message: string};

/** The consumer's `.lock`: JSON from `handoff claim`, or a bare pid as the seed's `acquire_lock` writes. */
export type Claim = {
	claimedAt?: string;
	pid?: number;
	/** The pid's start time (Linux clock ticks), so a reused pid is not mistaken for the claimant. */
	pidStart?: number;
	host?: string;
	tool?: string;
	/** The claimant process is gone (see isStaleClaim). */
	stale?: boolean;
};

export type PartialResult = {
	/** Workspace-relative path of the newest `output/*.partial.json`. */
	file: string;
	/** The value pretty-printed, cut to the first lines (see partialDisplayLimits): a big partial is never held or drawn whole. */
	lines: string[];
	/** How many lines the whole value has when pretty-printed. */
	totalLines: number;
	/** Whether it already satisfies the result schema; undefined when there is no schema. */
	valid?: boolean;
	/** The first schema errors; a check that ran out of time is one error at the pointer ''. */
	errors: SchemaError[];
	/** How many schema errors there are in all (errors holds the first 100). */
	errorCount: number;
	updatedAt: number;
};

export type WorkspaceSnapshot = {
	/** Absolute path. */
	workspace: string;
	name: string;
	manifest: Manifest;
	state: DerivedState;
	/** The word in shared/status.txt, if any. */
	status?: StatusWord;
	signals: {lock: boolean; done: boolean; error: boolean};
	claim?: Claim;
	/** The text of `.error`. */
	errorMessage?: string;
	/** Signals that disagree, for example `.done` and `.error` both present. */
	inconsistencies: string[];
	/** Epoch milliseconds. */
	createdAt?: number;
	claimedAt?: number;
	lastActivityAt?: number;
	/** When the manifest's timeout runs out, epoch milliseconds. */
	deadline?: number;
	/** Pending questions first, in the order asked, then answered ones. */
	questions: QuestionView[];
	pendingQuestions: number;
	partial?: PartialResult;
	/** output/metadata.json as the consumer wrote it. */
	metadata?: unknown;
	problems: FileProblem[];
};

/** How a watched hand-off ended, or that it is going round again after a rejected result. */
export type Outcome =
	/** `warnings`: what could not be tidied up once the record was safe (the workspace not removed, say). */
	| {kind: 'complete'; archivePath: string; resultPath: string; warnings?: string[]}
	| {kind: 'retrying'; attempt: number; maxRetries: number; errors: string[]}
	| {kind: 'failed'; errors: string[]}
	| {kind: 'timed-out'; errors: string[]}
	/** `errors` says what could not be done on the way out (status.txt left unmarked, say). */
	| {kind: 'canceled'; errors?: string[]}
	/** A bug in handoff, not a verdict on the hand-off: the workspace is left as it was. `stack` is shown only with HANDOFF_DEBUG=1. */
	| {kind: 'internal-error'; errors: string[]; stack?: string};

/** Everything a view of a running hand-off shows. */
export type SessionState = {
	snapshot?: WorkspaceSnapshot;
	/** The progress tail, oldest first, capped in length. */
	progress: ProgressLine[];
	outcome?: Outcome;
};

/** A read-only live view of a hand-off, shaped for React's useSyncExternalStore. */
/** React's useSyncExternalStore calls these unbound, so they are function properties (arrows), not methods. */
export type SessionSource = {
	getState: () => SessionState;
	subscribe: (listener: () => void) => () => void;
};
