import {HandoffError, endingSignals, exitCode, type EndingSignal} from '../core/errors.js';
import {awaitAnswers, defaultHeartbeatMs} from '../core/consumer.js';
import {shellQuote} from '../core/instructions.js';
import {locateWorkspace} from '../core/workspace.js';
import {printJson, printLine, positiveNumber, usageError, type CommandContext} from './io.js';
import type {ConsumerFlags} from './claim.js';

export type AwaitFlags = ConsumerFlags & {for?: number; json: boolean};

/** How long `await` and `ask --wait` wait when --for is not given: under every agent's shell time limit that the instructions do not set otherwise. */
export const defaultForSeconds = 50;

/** `handoff await <id>... [--for SECONDS] [--json]`: waits for the answers, at most --for; exit 75 when time is up, to be run again. */
export async function awaitCommand(context: CommandContext<AwaitFlags>, self: string[]): Promise<number> {
	const ids = context.input;
	if (ids.length === 0) {
		throw usageError('Give the id of the question to wait for: handoff await q1 --for 50');
	}

	const workspace = locateWorkspace(context.flags.workspace, context.environment, context.cwd);
	const forSeconds = forFlag(context.flags.for);
	const rerun = [...self, 'await', ...ids, '--for', String(forSeconds), '--workspace', workspace, ...(context.flags.json ? ['--json'] : [])];
	return waitAndPrint(context, workspace, ids, forSeconds, rerun, `handoff: waiting up to ${forSeconds} s for an answer to ${ids.join(', ')}`);
}

/** The --for flag in seconds (default 50). */
export function forFlag(value: number | undefined): number {
	return positiveNumber(value, 'for') ?? defaultForSeconds;
}

/**
The wait shared by `await` and `ask --wait`: heartbeats on stderr, the answers on stdout (one id: the answer alone, a string as it is and a typed value as JSON; several: a JSON object by id; --json: always `{"answers": {...}}`), exit 75 with the command to run again when time is up, exit 1 when the hand-off ended. SIGINT, SIGTERM and SIGHUP end it with 128 + the signal's number and change nothing.
*/
export async function waitAndPrint(context: CommandContext<{json: boolean}>, workspace: string, ids: string[], forSeconds: number, rerun: string[], startLine: string): Promise<number> {
	const {stdout, stderr} = context;
	const heartbeatMs = Number(context.environment.HANDOFF_HEARTBEAT_MS) > 0 ? Number(context.environment.HANDOFF_HEARTBEAT_MS) : defaultHeartbeatMs;
	const abort = new AbortController();
	const stop = (signal: EndingSignal): void => {
		abort.abort(signal);
	};

	for (const signal of endingSignals) {
		process.on(signal, stop);
	}

	const names = ids.join(', ');
	try {
		const outcome = await awaitAnswers(workspace, ids, {
			forMs: forSeconds * 1000,
			heartbeatMs,
			signal: abort.signal,
			onWaiting() {
				// Said once it waits, with the signal handlers in place: from then on a signal ends the wait in order.
				printLine(stderr, startLine);
			},
			onHeartbeat(waitedMs) {
				printLine(stderr, `handoff: still waiting for an answer to ${names} (${Math.round(waitedMs / 1000)} s of ${forSeconds} s)`);
			},
		});
		if (outcome.kind === 'ended') {
			printLine(stderr, `handoff: ${outcome.reason}; no answer to ${names} will come`);
			return exitCode.failed;
		}

		if (outcome.kind === 'pending') {
			const open = outcome.pending.join(', ');
			printLine(stderr, `handoff: ${open} ${outcome.pending.length === 1 ? 'is' : 'are'} still open; run the same command again to keep waiting: ${rerun.map(word => shellQuote(word)).join(' ')}`);
			return exitCode.stillOpen;
		}

		const answers = outcome.answers;
		if (context.flags.json) {
			printJson(stdout, {answers: Object.fromEntries(answers.map(({id, answer}) => [id, answer]))});
		} else if (answers.length === 1) {
			const {answer} = answers[0]!;
			if (typeof answer === 'string') {
				printLine(stdout, answer, {multiline: true});
			} else {
				printJson(stdout, answer);
			}
		} else {
			printJson(stdout, Object.fromEntries(answers.map(({id, answer}) => [id, answer])));
		}

		return exitCode.complete;
	} catch (error) {
		if (abort.signal.aborted && error instanceof HandoffError) {
			printLine(stderr, `handoff: ${error.message}`);
			return error.code;
		}

		throw error;
	} finally {
		for (const signal of endingSignals) {
			process.off(signal, stop);
		}
	}
}
