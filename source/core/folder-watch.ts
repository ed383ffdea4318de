import fs from 'node:fs';
import path from 'node:path';
import {layout} from './paths.js';

export type FolderWatch = {close(): Promise<void>};

/** Called with the workspace-relative path that changed (possibly just a folder name). */
export type ChangeListener = (relativePath: string) => void;

// input/ too: the producer wrote it, but a consumer that changes the manifest or schema there is reported (producer-record.ts), on the event rather than at the next heartbeat.
const watchedFolders = ['', layout.shared, layout.output, layout.input] as const;

/**
Reports changes in the workspace root, shared/, output/ and input/.

The normal path is one inotify/FSEvents watch per folder through fs.watch: every append and every rename arrives within a millisecond or two. We measured chokidar here first: it throttles a folder's re-scan to once a second and drops a file's second change within 5 ms, which delayed atomic (rename) updates by up to a second. chokidar's polling mode remains the fallback, for file systems that send no events (some network and container mounts) or when watches run out.
*/
export async function watchWorkspace(workspace: string, onChange: ChangeListener, options: {usePolling?: boolean} = {}): Promise<FolderWatch> {
	if (!options.usePolling) {
		try {
			return watchWithEvents(workspace, onChange);
		} catch {
			// No events on this file system, or no watches left: poll instead.
		}
	}

	return watchByPolling(workspace, onChange);
}

function watchWithEvents(workspace: string, onChange: ChangeListener): FolderWatch {
	const watchers = new Map<string, fs.FSWatcher>();
	const watchFolder = (folder: string): void => {
		if (watchers.has(folder)) {
			return;
		}

		const watcher = fs.watch(path.join(workspace, folder), (_event, name) => {
			const relativePath = folder === '' ? String(name ?? '') : `${folder}/${name ?? ''}`;
			if (folder === '') {
				// shared/ or output/ may be created (or re-created) after we started.
				tryWatchMissing();
			}

			onChange(relativePath);
		});
		watcher.on('error', () => {
			// The folder went away; a later root event puts the watch back if it returns.
			watcher.close();
			watchers.delete(folder);
		});
		watchers.set(folder, watcher);
	};

	const tryWatchMissing = (): void => {
		for (const folder of watchedFolders.slice(1)) {
			try {
				watchFolder(folder);
			} catch {}
		}
	};

	watchFolder('');
	tryWatchMissing();
	return {
		async close() {
			for (const watcher of watchers.values()) {
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
		async close() {
			await watcher.close();
		},
	};
}
