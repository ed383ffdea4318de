import path from 'node:path';
import {exitCode} from '../core/errors.js';
import {readManifest} from '../core/manifest.js';
import {layout} from '../core/paths.js';
import {askQuestions} from '../core/consumer.js';
import {waitForAnswer} from '../core/questions.js';
import {readTextFile} from '../core/safe-io.js';
import {parseStatusWord} from '../core/status.js';
import {parseTime} from '../core/time.js';
import {locateWorkspace} from '../core/workspace.js';
import {printLine, positiveNumber, usageError, type CommandContext} from './io.js';
import type {ConsumerFlags} from './claim.js';

export type AskFlags = ConsumerFlags & {option: string[]; id?: string; wait: boolean; timeout?: number};

/**
Adds a question to shared/questions.json and prints its id; with --wait, blocks until the producer answers and prints the answer. The wait ends at --timeout, else at the manifest's deadline (exit 3), or when the hand-off is canceled (exit 1).
*/
export async function askCommand(context: CommandContext<AskFlags>): Promise<number> {
	const text = context.input.join(' ').trim();
	if (text === '') {
		throw usageError('Give the question: handoff ask "Should admins see deleted tickets?" --option Yes --option No');
	}

	const {flags} = context;
	const workspace = locateWorkspace(flags.workspace, context.environment, context.cwd);
	// STAND-IN (branch h11) for H10's ask: idempotent asking through the consumer module, so instructions' commands can be re-run.
	const [question] = await askQuestions(workspace, [{text, options: flags.option, id: flags.id}]);
	if (!flags.wait) {
		printLine(context.stdout, question!.id);
		return 0;
	}

	printLine(context.stderr, `Asked ${question!.id}; waiting for the answer in ${layout.answers}...`);
	const manifest = await readManifest(workspace);
	const created = parseTime(manifest.createdAt);
	const timeoutSeconds = positiveNumber(flags.timeout, 'timeout');
	const timeoutMs = timeoutSeconds === undefined
		? (created !== undefined && manifest.timeoutSeconds !== undefined ? Math.max(0, created + manifest.timeoutSeconds * 1000 - Date.now()) : undefined)
		: timeoutSeconds * 1000;
	const outcome = await waitForAnswer(workspace, question!.id, {
		timeoutMs,
		async stop() {
			const status = parseStatusWord(await readTextFile(path.join(workspace, layout.status), {maxBytes: 4096}).catch(() => undefined));
			return status === 'CANCELED' ? 'the producer canceled this hand-off' : undefined;
		},
	});
	if (outcome === undefined) {
		printLine(context.stderr, `No answer to ${question!.id} in time`);
		return exitCode.timedOut;
	}

	// An answer may carry any extra key (even "stopped"); only the stop callback's value lacks an answer.
	if (!('answer' in outcome)) {
		printLine(context.stderr, `Stopped waiting: ${outcome.stopped}`);
		return exitCode.failed;
	}

	printLine(context.stdout, outcome.answer, {multiline: true});
	return 0;
}
