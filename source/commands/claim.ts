import {claimTask} from '../core/consumer.js';
import {locateWorkspace} from '../core/workspace.js';
import {printLine, type CommandContext} from './io.js';

export type ConsumerFlags = {workspace?: string; tool?: string};

/** Claims the task for the consumer: `.lock` (created exclusively) and status RUNNING. */
export async function claimCommand(context: CommandContext<ConsumerFlags>): Promise<number> {
	const workspace = locateWorkspace(context.flags.workspace, context.environment, context.cwd);
	await claimTask(workspace, {tool: context.flags.tool ?? context.environment.HANDOFF_TOOL});
	printLine(context.stderr, `Claimed ${workspace}`);
	return 0;
}
