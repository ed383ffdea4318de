import {readArchiveRecord} from '../core/archive-record.js';
import {exitCode} from '../core/errors.js';
import {renderScreen, type Screen} from '../terminal/render-screen.js';
import {enterAlternateScreen, installRestoreHandlers} from '../terminal/screen.js';
import {chooseTerminal} from '../terminal/tty.js';
import {ArchiveView, archiveLines} from '../ui/components/archive-view.js';
import {printJson, printLine, type CommandContext} from './io.js';

/**
`watch` on an archive: shows the record (result, answers, progress, metadata) and changes nothing: no hold, no session, no status or metadata written. Full screen on a terminal, plain lines without one. Exits 0, or 1 when a file no longer matches archive.json.
*/
export async function showArchive(archive: string, context: CommandContext<{json: boolean}>): Promise<number> {
	const record = await readArchiveRecord(archive);
	const code = record.altered.length === 0 ? exitCode.complete : exitCode.failed;
	const terminal = chooseTerminal({stdin: process.stdin, stdout: process.stdout, env: context.environment});
	if (terminal.kind === 'none') {
		for (const line of archiveLines(record)) {
			printLine(context.stderr, line.text);
		}
	} else {
		await viewOnScreen(record, terminal);
	}

	if (context.flags.json || !(context.stdout as NodeJS.WriteStream).isTTY) {
		printJson(context.stdout, {state: 'archived', exit_code: code, archive, task: record.task, record_state: record.state ?? null, altered: record.altered});
	}

	return code;
}

async function viewOnScreen(record: Awaited<ReturnType<typeof readArchiveRecord>>, terminal: Exclude<ReturnType<typeof chooseTerminal>, {kind: 'none'}>): Promise<void> {
	let screen: Screen | undefined;
	const restore = enterAlternateScreen(terminal.stdout, terminal.stdin);
	const uninstall = installRestoreHandlers(restore, {
		onResume() {
			screen?.redrawAll();
		},
	});

	try {
		await new Promise<void>(resolve => {
			screen = renderScreen(
				<ArchiveView
					record={record}
					onIntent={intent => {
						if (intent.type === 'suspend') {
							// Raw mode keeps Ctrl+Z from the terminal driver: send the signal job control would have.
							process.kill(process.pid, 'SIGTSTP');
							return;
						}

						resolve();
					}}
				/>,
				{stdin: terminal.stdin, terminal: terminal.stdout},
			);
		});
	} finally {
		screen?.unmount();
		restore();
		uninstall();
		terminal.close();
	}
}
