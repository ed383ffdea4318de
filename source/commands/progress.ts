import {reportProgress} from '../core/progress.js';
import {locateWorkspace} from '../core/workspace.js';
import {usageError, type CommandContext} from './io.js';
import type {ConsumerFlags} from './claim.js';

/** Appends `[YYYY-MM-DD HH:MM:SS] message` to shared/progress.txt. */
export async function progressCommand(context: CommandContext<ConsumerFlags>): Promise<number> {
	const message = context.input.join(' ');
	if (message.trim() === '') {
		throw usageError('Give the progress message: handoff progress "Reading the spec"');
	}

	await reportProgress(locateWorkspace(context.flags.workspace, context.environment, context.cwd), message);
	return 0;
}
