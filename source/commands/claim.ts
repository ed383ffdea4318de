import fs from 'node:fs';
import path from 'node:path';
import {HandoffError, exitCode} from '../core/errors.js';
import {layout} from '../core/paths.js';
import {createExclusive, readTextFile} from '../core/safe-io.js';
import {claimText, parseClaim, writeStatus} from '../core/status.js';
import {locateWorkspace} from '../core/workspace.js';
import {printLine, type CommandContext} from './io.js';

export type ConsumerFlags = {workspace?: string; tool?: string};

/** Claims the task for the consumer: `.lock` (created exclusively) and status RUNNING. */
export async function claimCommand(context: CommandContext<ConsumerFlags>): Promise<number> {
	const workspace = locateWorkspace(context.flags.workspace, context.environment, context.cwd);
	for (const signal of [layout.done, layout.error]) {
		if (fs.existsSync(path.join(workspace, signal))) {
			throw new HandoffError(`This hand-off has already finished (${signal} exists)`, exitCode.usage);
		}
	}

	const tool = context.flags.tool ?? context.environment.HANDOFF_TOOL;
	if (!(await createExclusive(path.join(workspace, layout.lock), claimText(tool, undefined)))) {
		const claim = parseClaim((await readTextFile(path.join(workspace, layout.lock), {name: layout.lock, maxBytes: 4096})) ?? '');
		const who = [claim.tool, claim.host, claim.pid && `pid ${claim.pid}`].filter(Boolean).join(', ');
		throw new HandoffError(`This hand-off is already claimed${claim.claimedAt ? ` since ${claim.claimedAt}` : ''}${who ? ` (${who})` : ''}`, exitCode.usage, layout.lock);
	}

	await writeStatus(workspace, 'RUNNING');
	printLine(context.stderr, `Claimed ${workspace}`);
	return 0;
}
