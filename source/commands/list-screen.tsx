import {render} from 'ink';
import type {ListEntry} from '../core/listing.js';
import {enterAlternateScreen, installRestoreHandlers} from '../terminal/screen.js';
import {ListApp} from '../ui/list-app.js';

/** Shows the full-screen list and resolves with the entry the person opened, or undefined when they quit. */
export async function chooseEntry(entries: ListEntry[], directory: string): Promise<ListEntry | undefined> {
	const restore = enterAlternateScreen(process.stdout, process.stdin);
	const uninstall = installRestoreHandlers(restore);
	let instance: ReturnType<typeof render> | undefined;
	try {
		return await new Promise<ListEntry | undefined>(resolve => {
			instance = render(<ListApp entries={entries} directory={directory} onIntent={intent => resolve(intent.type === 'open' ? intent.entry : undefined)} />, {patchConsole: false, exitOnCtrlC: false});
		});
	} finally {
		instance?.unmount();
		restore();
		uninstall();
	}
}
