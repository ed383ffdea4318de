import {describeError, exitCode, exitCodeForError, signalExitCode, type EndingSignal, type ExitCode} from './errors.js';
import {handoffCommandLine} from './instructions.js';
import type {Outcome} from './snapshot.js';
import {isWorkspaceGone} from './workspace-presence.js';

/** The one-object summary `--json` prints at the end, for producer programs. */
export type Summary = {
	/** `error`: handoff could not watch the hand-off to an end (see exit_code: 2 an invalid workspace or manifest, 1 a file it could not read or write, 70 an internal error). */
	state: 'complete' | 'failed' | 'timed-out' | 'canceled' | 'interrupted' | 'error';
	exit_code: ExitCode;
	workspace: string;
	task: string;
	/** Where the record went, on success. */
	archive?: string;
	/** The archived result file, on success. */
	result?: string;
	errors: string[];
	/** On success: what could not be tidied up once the record was safe (the workspace not removed, say). */
	warnings?: string[];
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

		case 'internal-error': {
			return exitCode.internal;
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
			return {...base, state: 'complete', archive: outcome.archivePath, result: outcome.resultPath, errors: [], ...(outcome.warnings ? {warnings: outcome.warnings} : {})};
		}

		case 'failed':
		case 'timed-out': {
			return {...base, state: outcome.kind, errors: outcome.errors};
		}

		case 'canceled': {
			return {...base, state: 'canceled', errors: outcome.errors ?? []};
		}

		case 'internal-error': {
			return {...base, state: 'error', errors: outcome.errors};
		}

		default: {
			return {...base, state: 'interrupted', errors: []};
		}
	}
}

/** The summary of a watch that an error stopped before the hand-off had an outcome (an invalid workspace, an unwritable file, a bug). */
export function errorSummary(error: unknown, workspace: string, task: string): Summary {
	return {state: 'error', exit_code: exitCodeForError(error), workspace, task, errors: [describeError(error, workspace)]};
}

/** A watch a signal ended exits 128 + the signal's number (SIGTERM 143, SIGHUP 129), not the 130 of q. */
export function interruptedBy(summary: Summary, signal: EndingSignal | undefined): Summary {
	return signal !== undefined && summary.state === 'interrupted' ? {...summary, exit_code: signalExitCode[signal]} : summary;
}

/** The command an interrupted watch suggests: its label and the handoff arguments that continue the work. */
export type ResumeHint = {label: string; args: string[]; command?: string[]};

/**
The lines left in the scrollback (stderr) once a hand-off ends. An interrupted watch suggests one command: by default watching the workspace again; `null` when the caller prints its own (a pipeline says `pipeline resume`).
*/
export function summaryLines(summary: Summary, resume: ResumeHint | null = {label: 'resume with', args: ['watch', summary.workspace]}): string[] {
	switch (summary.state) {
		case 'complete': {
			return [`handoff: complete; archived to ${summary.archive}`, ...(summary.warnings ?? []).map(warning => `  ${warning}`)];
		}

		case 'interrupted': {
			const hint = resume ? [`  ${resume.label}: ${handoffCommandLine(resume.args, resume.command)}`] : [];
			return [`handoff: stopped watching; the workspace is as it was: ${summary.workspace}`, ...hint];
		}

		case 'canceled': {
			return [`handoff: canceled; the workspace is kept: ${summary.workspace}`, ...summary.errors.map(error => `  ${error}`)];
		}

		case 'error': {
			return summary.exit_code === exitCode.internal
				? [`handoff: ${summary.errors.join('; ')}; this is a bug in handoff (HANDOFF_DEBUG=1 shows where); the workspace is as it was: ${summary.workspace}`]
				: summary.errors.map(error => `handoff: ${error}`);
		}

		default: {
			const where = isWorkspaceGone(summary.errors) ? '' : `; the workspace is kept: ${summary.workspace}`;
			return [`handoff: ${summary.state}${where}`, ...summary.errors.map(error => `  ${error}`)];
		}
	}
}
