import {addAnswer} from '../core/questions.js';
import {checkWorkspace} from '../core/workspace.js';
import {printLine, usageError, type CommandContext} from './io.js';

/** Answers a consumer's question by id; a number picks that option. */
export async function answerCommand(context: CommandContext<{force: boolean}>): Promise<number> {
	const [workspaceArgument, id, ...words] = context.input;
	if (workspaceArgument === undefined || id === undefined || words.length === 0) {
		throw usageError('Usage: handoff answer <workspace> <id> <answer>');
	}

	const workspace = checkWorkspace(workspaceArgument);
	const answer = await addAnswer(workspace, id, words.join(' '), {force: context.flags.force});
	printLine(context.stderr, `Answered ${answer.id}: ${answer.answer}`);
	return 0;
}
