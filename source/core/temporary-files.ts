import type fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import {isProcessAlive} from './hold.js';
import {layout} from './paths.js';
import {producerStateDirectory} from './producer-state.js';
import {assertRealFolder, temporaryFileWriter} from './safe-io.js';

/** A temp file of ours older than this is abandoned even when its pid runs (a reused pid, or a writer on another host). */
const abandonedAfterMs = 60_000;
/** Temp files sit beside what they replace; results may be a few folders deep in output/, never this deep. */
const maxDepth = 8;

/**
Removes the temp files our writers left when they were killed (`.<name>.<pid>.<random>.tmp`, see temporaryPathFor): only files with our naming, only regular files, and only when the pid in the name is no longer running on this host or the file is over a minute old. Best effort: a folder that cannot be read is passed over. Returns the removed files, relative to the workspace.
*/
export async function removeStaleTemporaryFiles(workspace: string, now = Date.now()): Promise<string[]> {
	const removed: string[] = [];
	const visit = async (directory: string, depth: number): Promise<void> => {
		let entries: fs.Dirent[];
		try {
			// Only real folders: a shared/ swapped for a link leads elsewhere.
			await assertRealFolder(directory);
			entries = await fsp.readdir(directory, {withFileTypes: true});
		} catch {
			return;
		}

		for (const entry of entries) {
			const file = path.join(directory, entry.name);
			if (entry.isDirectory() && depth < maxDepth) {
				await visit(file, depth + 1);
			} else if (entry.isFile()) {
				if (await removeIfStale(directory, entry.name, now)) {
					removed.push(path.relative(workspace, file));
				}
			}
		}
	};

	await Promise.all([layout.input, layout.output, layout.shared].map(async folder => visit(path.join(workspace, folder), 1)));
	// The workspace root (signal files, the producer hold) and the producer's own state folder, without going down again.
	for (const directory of [workspace, producerStateDirectory(workspace)]) {
		await visit(directory, maxDepth);
	}

	return removed.sort();
}

async function removeIfStale(directory: string, name: string, now: number): Promise<boolean> {
	const pid = temporaryFileWriter(name);
	if (pid === undefined || pid === process.pid) {
		return false;
	}

	const file = path.join(directory, name);
	try {
		const stat = await fsp.lstat(file);
		if (!stat.isFile() || (isProcessAlive(pid) && now - stat.mtimeMs < abandonedAfterMs)) {
			return false;
		}

		await assertRealFolder(directory);
		await fsp.unlink(file);
		return true;
	} catch {
		// Gone already, or not ours to remove: either way nothing to do.
		return false;
	}
}
