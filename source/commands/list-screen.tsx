import type {ListEntry} from '../core/listing.js';
import {renderScreen, type Screen} from '../terminal/render-screen.js';
import {enterAlternateScreen, installRestoreHandlers} from '../terminal/screen.js';
import {ListApp} from '../ui/list-app.js';

/** Shows the full-screen list and resolves with the entry the person opened, or undefined when they quit. `initialPath` is chosen first (the entry just left). */
export async function chooseEntry(entries: ListEntry[], directory: string, initialPath?: string): Promise<ListEntry | undefined> {
	let screen: Screen | undefined;
	const restore = enterAlternateScreen(process.stdout, process.stdin);
	const uninstall = installRestoreHandlers(restore, {
		onResume() {
			screen?.redrawAll();
		},
	});

	try {
		return await new Promise<ListEntry | undefined>(resolve => {
			screen = renderScreen(
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
				/>,
				{stdin: process.stdin, terminal: process.stdout},
			);
		});
	} finally {
		screen?.unmount();
		restore();
		uninstall();
	}
}
