import {render} from 'ink';
import type {ListEntry} from '../core/listing.js';
import {enterAlternateScreen, installRestoreHandlers} from '../terminal/screen.js';
import {Redraw} from '../ui/components/redraw.js';
import {ListApp} from '../ui/list-app.js';

/** Shows the full-screen list and resolves with the entry the person opened, or undefined when they quit. `initialPath` is chosen first (the entry just left). */
export async function chooseEntry(entries: ListEntry[], directory: string, initialPath?: string): Promise<ListEntry | undefined> {
	const redrawListeners = new Set<() => void>();
	const restore = enterAlternateScreen(process.stdout, process.stdin);
	const uninstall = installRestoreHandlers(restore, {
		onResume() {
			for (const listener of redrawListeners) {
				listener();
			}
		},
	});
	const redrawRequests = (listener: () => void): (() => void) => {
		redrawListeners.add(listener);
		return () => redrawListeners.delete(listener);
	};

	let instance: ReturnType<typeof render> | undefined;
	try {
		return await new Promise<ListEntry | undefined>(resolve => {
			instance = render(
				<Redraw requests={redrawRequests}>
					<ListApp
						entries={entries}
						directory={directory}
						initialPath={initialPath}
						onIntent={intent => {
							if (intent.type === 'suspend') {
								// Raw mode keeps Ctrl+Z from the terminal driver: send the signal job control would have.
								process.kill(process.pid, 'SIGTSTP');
								return;
							}

							resolve(intent.type === 'open' ? intent.entry : undefined);
						}}
					/>
				</Redraw>,
				{patchConsole: false, exitOnCtrlC: false},
			);
		});
	} finally {
		instance?.unmount();
		restore();
		uninstall();
	}
}
