import {failTask} from '../core/consumer.js';
import {locateWorkspace} from '../core/workspace.js';
import {printLine, usageError, type CommandContext} from './io.js';
import type {ConsumerFlags} from './claim.js';

/** Signals failure: metadata.json with the error, `.error` holding the message (the seed reads it as text), status FAILED. */
export async function failCommand(context: CommandContext<ConsumerFlags & {model?: string}>): Promise<number> {
	const message = context.input.join(' ').trim();
	if (message === '') {
		throw usageError('Say what went wrong: handoff fail "the spec file is empty"');
	}

	const workspace = locateWorkspace(context.flags.workspace, context.environment, context.cwd);
	await failTask(workspace, message, {tool: context.flags.tool ?? context.environment.HANDOFF_TOOL, model: context.flags.model});
	printLine(context.stderr, `Signalled failure in ${workspace}`);
	return 0;
}
