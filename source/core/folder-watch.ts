import fs from 'node:fs';
import path from 'node:path';
import {layout} from './paths.js';

export type FolderWatch = {
	/** True while a folder that is there has no watch (fs.watch refused it: no watches left): its changes come to no event, so the owner must read on a timer. */
	missesEvents(): boolean;
	close(): Promise<void>;
};

/** Called with the workspace-relative path that changed (possibly just a folder name). */
export type ChangeListener = (relativePath: string) => void;

// input/ too: the producer wrote it, but a consumer that changes the manifest or schema there is reported (producer-record.ts), on the event rather than at the next heartbeat.
const watchedFolders = ['', layout.shared, layout.output, layout.input] as const;

export type WatchOptions = {
	usePolling?: boolean;
	/** More workspace-relative folders to watch besides these (a seed manifest's schema kept elsewhere, which the producer record compares). */
	folders?: readonly string[];
};

/**
Reports changes in the workspace root, shared/, output/ and input/.

The normal path is one inotify/FSEvents watch per folder through fs.watch: every append and every rename arrives within a millisecond or two. We measured chokidar here first: it throttles a folder's re-scan to once a second and drops a file's second change within 5 ms, which delayed atomic (rename) updates by up to a second. chokidar's polling mode remains the fallback, for file systems that send no events (some network and container mounts) or when watches run out.

Nothing re-reads the workspace on a timer to catch what a watch missed (only a folder left without a watch, see missesEvents, is read on the session's heartbeat), so the watches follow the folders themselves: a watch stays with the folder it was put on (an inode), so a subfolder that is replaced (renamed away, a new one made in its place) or created later is watched afresh when the root reports its name. A folder that is a symlink is not watched (the reader refuses to read through it).
*/
export async function watchWorkspace(workspace: string, onChange: ChangeListener, options: WatchOptions = {}): Promise<FolderWatch> {
	if (!options.usePolling) {
		try {
			return watchWithEvents(workspace, onChange, [...new Set([...watchedFolders, ...(options.folders ?? [])])]);
		} catch {
			// No events on this file system, or no watches left: poll instead.
		}
	}

	return watchByPolling(workspace, onChange);
}

function watchWithEvents(workspace: string, onChange: ChangeListener, folders: readonly string[]): FolderWatch {
	const watchers = new Map<string, {watcher: fs.FSWatcher; identity: string}>();
	const identityOf = (folder: string): string | undefined => {
		try {
			// The workspace's own path may be a link (the presence check judges it); a subfolder that is one is not followed.
			const stat = folder === '' ? fs.statSync(workspace) : fs.lstatSync(path.join(workspace, folder));
			return stat.isDirectory() ? `${stat.dev}:${stat.ino}` : undefined;
		} catch {
			return undefined;
		}
	};

	const stopWatching = (folder: string): void => {
		watchers.get(folder)?.watcher.close();
		watchers.delete(folder);
	};

	/** Watches the folder now at `folder`, unless it is the one watched already; throws when the root cannot be watched. */
	const watchFolder = (folder: string): void => {
		const identity = identityOf(folder);
		const current = watchers.get(folder);
		if (current !== undefined && current.identity === identity) {
			return;
		}

		if (identity === undefined) {
			stopWatching(folder);
			if (folder === '') {
				throw new Error('the workspace folder cannot be watched');
			}

			return;
		}

		const watcher = fs.watch(path.join(workspace, folder), (_event, name) => {
			const relativePath = folder === '' ? String(name ?? '') : `${folder}/${name ?? ''}`;
			if (folder === '') {
				// A subfolder created, re-created or swapped after we started.
				watchSubfolders();
			}

			onChange(relativePath);
		});
		watcher.on('error', () => {
			// The folder went away; a later root event puts the watch back if it returns.
			watcher.close();
			if (watchers.get(folder)?.watcher === watcher) {
				watchers.delete(folder);
			}
		});
		// The new watch first, then the old one closed: no moment without one.
		current?.watcher.close();
		watchers.set(folder, {watcher, identity});
	};

	const watchSubfolders = (): void => {
		for (const folder of folders.filter(folder => folder !== '')) {
			try {
				watchFolder(folder);
			} catch {}
		}
	};

	watchFolder('');
	watchSubfolders();
	return {
		missesEvents() {
			// A folder fs.watch refused (no watches left) is tried again first: once watches are free, its events come again and nothing needs reading whole.
			watchSubfolders();
			return folders.some(folder => {
				const identity = identityOf(folder);
				return identity !== undefined && watchers.get(folder)?.identity !== identity;
			});
		},
		async close() {
			for (const {watcher} of watchers.values()) {
				watcher.close();
			}

			watchers.clear();
		},
	};
}

async function watchByPolling(workspace: string, onChange: ChangeListener): Promise<FolderWatch> {
	// Loaded only for polling: most screens never need it, and each loads faster without it.
	const {default: chokidar} = await import('chokidar');
	const watcher = chokidar.watch(workspace, {
		depth: 1,
		ignoreInitial: true,
		usePolling: true,
		interval: 250,
		ignored: (file: string) => {
			const relative = path.relative(workspace, file);
			return relative === layout.input || relative.startsWith(`${layout.input}${path.sep}`);
		},
	});
	watcher.on('all', (_event, file) => {
		onChange(path.relative(workspace, file).split(path.sep).join('/'));
	});
	watcher.on('error', () => undefined);
	await new Promise<void>(resolve => watcher.once('ready', () => resolve()));
	return {
		// Polling sees every folder, on its own interval.
		missesEvents: () => false,
		async close() {
			await watcher.close();
		},
	};
}
