import {HandoffError} from '../core/errors.js';
import {addAnswer} from '../core/questions.js';
import {checkWorkspace} from '../core/workspace.js';
import {printLine, usageError, type CommandContext} from './io.js';

/** Answers a consumer's question by id; a number picks that option. An answer its question does not take is refused with every reason, one per line. */
export async function answerCommand(context: CommandContext<{force: boolean}>): Promise<number> {
	const [workspaceArgument, id, ...words] = context.input;
	if (workspaceArgument === undefined || id === undefined || words.length === 0) {
		throw usageError('Usage: handoff answer <workspace> <id> <answer>');
	}

	const workspace = checkWorkspace(workspaceArgument);
	try {
		const answer = await addAnswer(workspace, id, words.join(' '), {force: context.flags.force});
		printLine(context.stderr, `Answered ${answer.id}: ${answer.answer}`);
		return 0;
	} catch (error) {
		// A typed answer's schema errors are one line each; printLine keeps one line per call.
		if (error instanceof HandoffError && error.message.includes('\n')) {
			for (const line of error.message.split('\n')) {
				printLine(context.stderr, `handoff: ${line}`);
			}

			return error.code;
		}

		throw error;
	}
}
