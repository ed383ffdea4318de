import {completeTask} from '../core/consumer.js';
import {exitCode} from '../core/errors.js';
import {locateWorkspace} from '../core/workspace.js';
import {printLine, type CommandContext} from './io.js';
import type {ConsumerFlags} from './claim.js';

/**
Validates the result, and only when it is valid writes metadata.json, status COMPLETE and `.done`. Otherwise prints every error with its JSON path, for the consumer to fix, and exits 1 with no `.done`.
*/
export async function doneCommand(context: CommandContext<ConsumerFlags & {model?: string}>): Promise<number> {
	const workspace = locateWorkspace(context.flags.workspace, context.environment, context.cwd);
	const outcome = await completeTask(workspace, {tool: context.flags.tool ?? context.environment.HANDOFF_TOOL, model: context.flags.model});
	if (!outcome.valid) {
		printLine(context.stderr, `The result is not valid yet; nothing was signalled. Fix ${outcome.errors.length === 1 ? 'this' : `these ${outcome.errors.length} errors`} and run done again:`);
		for (const error of outcome.errors) {
			printLine(context.stderr, `  ${error}`);
		}

		return exitCode.failed;
	}

	printLine(context.stderr, `The result ${outcome.file} is valid; signalled completion.`);
	return 0;
}
