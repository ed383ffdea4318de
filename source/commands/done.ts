import fs from 'node:fs';
import path from 'node:path';
import {exitCode} from '../core/errors.js';
import {readManifest} from '../core/manifest.js';
import {writeMetadata} from '../core/metadata.js';
import {layout} from '../core/paths.js';
import {checkResult} from '../core/result.js';
import {writeFileAtomic, readTextFile} from '../core/safe-io.js';
import {parseClaim, writeStatus} from '../core/status.js';
import {isoTimestamp} from '../core/time.js';
import {locateWorkspace} from '../core/workspace.js';
import {printLine, type CommandContext} from './io.js';
import type {ConsumerFlags} from './claim.js';

/**
Validates the result, and only when it is valid writes metadata.json, status COMPLETE and `.done`. Otherwise prints every error with its JSON path, for the consumer to fix, and exits 1 with no `.done`.
*/
export async function doneCommand(context: CommandContext<ConsumerFlags & {model?: string}>): Promise<number> {
	const workspace = locateWorkspace(context.flags.workspace, context.environment, context.cwd);
	const manifest = await readManifest(workspace);
	const check = await checkResult(workspace, manifest);
	if (!check.valid) {
		printLine(context.stderr, `The result is not valid yet; nothing was signalled. Fix ${check.errors.length === 1 ? 'this' : `these ${check.errors.length} errors`} and run done again:`);
		for (const error of check.errors) {
			printLine(context.stderr, `  ${error}`);
		}

		return exitCode.failed;
	}

	await writeMetadata(workspace, {
		status: 'complete',
		startedAt: await claimTime(workspace),
		execution: {tool: context.flags.tool ?? context.environment.HANDOFF_TOOL, model: context.flags.model},
		result: {output_file: check.file, size_bytes: check.sizeBytes ?? 0, valid: true},
	});
	await writeStatus(workspace, 'COMPLETE');
	await writeFileAtomic(path.join(workspace, layout.done), `${isoTimestamp()}\n`);
	printLine(context.stderr, `The result ${check.file} is valid; signalled completion.`);
	return 0;
}

/** When the consumer claimed the task: from `.lock`'s JSON, else when `.lock` was written (the seed's bare-pid form). */
async function claimTime(workspace: string): Promise<string | undefined> {
	const lockFile = path.join(workspace, layout.lock);
	const text = await readTextFile(lockFile, {name: layout.lock, maxBytes: 4096}).catch(() => undefined);
	if (text === undefined) {
		return undefined;
	}

	return parseClaim(text).claimedAt ?? isoTimestamp((await fs.promises.lstat(lockFile)).mtime);
}
