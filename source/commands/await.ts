/*
STAND-IN (branch h11). `handoff await` is H10's (issue 9 contract): when merging, take H10's command and drop this file. Just enough of the contract (bounded wait, heartbeat lines, exit 75 with the command to run again) for the instructions' tests on this branch.
*/
import path from 'node:path';
import {awaitAnswers} from '../core/consumer.js';
import {exitCode} from '../core/errors.js';
import {handoffCommandLine} from '../core/instructions.js';
import {locateWorkspace} from '../core/workspace.js';
import {printJson, printLine, positiveNumber, usageError, type CommandContext} from './io.js';
import type {ConsumerFlags} from './claim.js';

/** "Still waiting: run the same command again" (sysexits EX_TEMPFAIL). */
const stillOpen = 75;

export async function awaitCommand(context: CommandContext<ConsumerFlags & {for?: number; json: boolean}>, command: string[], argv: string[]): Promise<number> {
	const ids = context.input;
	if (ids.length === 0) {
		throw usageError('Give the question ids: handoff await q1 --for 50');
	}

	const workspace = locateWorkspace(context.flags.workspace, context.environment, context.cwd);
	const seconds = positiveNumber(context.flags.for, 'for') ?? 50;
	const outcome = await awaitAnswers(workspace, ids, {
		forMs: seconds * 1000,
		onHeartbeat(waitedMs) {
			printLine(context.stderr, `handoff: still waiting for an answer to ${ids.join(', ')} (${Math.round(waitedMs / 1000)} s of ${seconds} s)`);
		},
	});
	if (outcome.kind === 'ended') {
		printLine(context.stderr, `handoff: stopped waiting: ${outcome.reason}`);
		return exitCode.failed;
	}

	if (outcome.kind === 'pending') {
		// The command as it was run, in the absolute form, with the workspace made absolute so it runs from any folder.
		const again = context.flags.workspace === undefined ? [...argv, '--workspace', workspace] : argv.map(word => (word === context.flags.workspace ? path.resolve(context.cwd, word) : word));
		printLine(context.stderr, `handoff: ${outcome.pending.join(', ')} ${outcome.pending.length === 1 ? 'is' : 'are'} still open; run the same command again to keep waiting: ${handoffCommandLine(again, command)}`);
		return stillOpen;
	}

	const answers = Object.fromEntries(outcome.answers.map(({id, answer}) => [id, answer]));
	if (context.flags.json) {
		printJson(context.stdout, {answers});
	} else if (ids.length === 1) {
		const [only] = outcome.answers;
		printLine(context.stdout, typeof only!.answer === 'string' ? only!.answer : JSON.stringify(only!.answer), {multiline: true});
	} else {
		printJson(context.stdout, answers);
	}

	return exitCode.complete;
}
