import {exitCode, signalExitCode, type EndingSignal, type ExitCode} from './errors.js';
import type {Outcome} from './snapshot.js';

/** The one-object summary `--json` prints at the end, for producer programs. */
export type Summary = {
	state: 'complete' | 'failed' | 'timed-out' | 'canceled' | 'interrupted';
	exit_code: ExitCode;
	workspace: string;
	task: string;
	/** Where the record went, on success. */
	archive?: string;
	/** The archived result file, on success. */
	result?: string;
	errors: string[];
};

export function exitCodeFor(outcome: Outcome | undefined): ExitCode {
	switch (outcome?.kind) {
		case 'complete': {
			return exitCode.complete;
		}

		case 'failed': {
			return exitCode.failed;
		}

		case 'timed-out': {
			return exitCode.timedOut;
		}

		default: {
			return exitCode.interrupted;
		}
	}
}

export function summarize(outcome: Outcome | undefined, workspace: string, task: string): Summary {
	const base = {workspace, task, exit_code: exitCodeFor(outcome)};
	switch (outcome?.kind) {
		case 'complete': {
			return {...base, state: 'complete', archive: outcome.archivePath, result: outcome.resultPath, errors: []};
		}

		case 'failed':
		case 'timed-out': {
			return {...base, state: outcome.kind, errors: outcome.errors};
		}

		case 'canceled': {
			return {...base, state: 'canceled', errors: []};
		}

		default: {
			return {...base, state: 'interrupted', errors: []};
		}
	}
}

/** A watch a signal ended exits 128 + the signal's number (SIGTERM 143, SIGHUP 129), not the 130 of q. */
export function interruptedBy(summary: Summary, signal: EndingSignal | undefined): Summary {
	return signal !== undefined && summary.state === 'interrupted' ? {...summary, exit_code: signalExitCode[signal]} : summary;
}

/** The lines left in the scrollback (stderr) once a hand-off ends. */
export function summaryLines(summary: Summary): string[] {
	switch (summary.state) {
		case 'complete': {
			return [`handoff: complete; archived to ${summary.archive}`];
		}

		case 'interrupted': {
			return [`handoff: stopped watching; the workspace is as it was: ${summary.workspace}`, `  resume with: handoff watch ${summary.workspace}`];
		}

		case 'canceled': {
			return [`handoff: canceled; the workspace is kept: ${summary.workspace}`];
		}

		default: {
			return [`handoff: ${summary.state}; the workspace is kept: ${summary.workspace}`, ...summary.errors.map(error => `  ${error}`)];
		}
	}
}
