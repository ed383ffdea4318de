import {createHandoff} from '../core/create.js';
import type {CommandContext} from './io.js';
import {newWorkspaceOptions, type NewFlags} from './new.js';
import {checkLaunch} from './launch.js';
import {promptTool, showHandoff, type ScreenFlags} from './watch.js';

/** `handoff run`: `new`, then the prompt on the clipboard and the full-screen watch. */
export async function runCommand(context: CommandContext<NewFlags & ScreenFlags>, command: string[]): Promise<number> {
	const launch = context.flags.launch ? await checkLaunch(promptTool(context.flags.tool), context.environment, context.flags.mcp) : undefined;
	const {workspace} = await createHandoff(newWorkspaceOptions(context, command));
	return showHandoff(workspace, context, {copyPrompt: !launch, launch});
}
