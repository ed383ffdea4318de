import fs from 'node:fs';
import fsp from 'node:fs/promises';
import {errnoCode} from './errors.js';

/** How every message about a vanished workspace begins, so that views do not add "the workspace is kept". */
const gonePrefix = 'the workspace was ';

export function isWorkspaceGone(errors: readonly string[]): boolean {
	return errors.some(error => error.startsWith(gonePrefix));
}

/**
Notices when a watched workspace folder is removed, or moved or renamed away from its path: the files inside then stop changing and every read finds nothing, which would otherwise look like a hand-off that has not started, forever.

A handle on the folder itself tells the two apart: a removed folder has no links left, while a moved one is still there, and on Linux /proc names where it went.
*/
export class WorkspacePresence {
	static async open(workspace: string): Promise<WorkspacePresence> {
		const handle = await fsp.open(workspace, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
		try {
			const stat = await handle.stat();
			return new WorkspacePresence(workspace, handle, stat);
		} catch (error) {
			await handle.close();
			throw error;
		}
	}

	private constructor(
		readonly workspace: string,
		private readonly handle: fsp.FileHandle,
		private readonly original: fs.Stats,
	) {}

	/** Undefined while the folder is still at its path; otherwise what happened to it, for a person. */
	async check(): Promise<string | undefined> {
		try {
			const stat = await fsp.lstat(this.workspace);
			if (stat.ino === this.original.ino && stat.dev === this.original.dev) {
				return undefined;
			}
		} catch (error) {
			if (errnoCode(error) !== 'ENOENT' && errnoCode(error) !== 'ENOTDIR') {
				throw error;
			}
		}

		if ((await this.handle.stat()).nlink === 0) {
			return `${gonePrefix}removed: ${this.workspace}`;
		}

		const now = await this.currentPath();
		return now === undefined
			? `${gonePrefix}moved or renamed: it is no longer at ${this.workspace}`
			: `${gonePrefix}moved or renamed to ${now} (it was ${this.workspace})`;
	}

	async close(): Promise<void> {
		await this.handle.close().catch(() => undefined);
	}

	/** Where the folder is now, where the system can say (Linux). */
	private async currentPath(): Promise<string | undefined> {
		try {
			const target = await fsp.readlink(`/proc/self/fd/${this.handle.fd}`);
			return target.startsWith('/') && !target.endsWith(' (deleted)') ? target : undefined;
		} catch {
			return undefined;
		}
	}
}
