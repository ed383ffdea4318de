import {render, type Instance} from 'ink';
import type React from 'react';
import {ScreenWriter, type TerminalOutput} from './screen-writer.js';

export type Screen = {
	instance: Instance;
	/** The frame on screen, whole. */
	readonly frame: string;
	/** Clears the terminal and draws the current frame in full (after fg, the alternate screen comes back empty). */
	redrawAll(): void;
	/** Unmounts the app (its last frame is drawn) and stops drawing. */
	unmount(): void;
};

/**
Renders a full-screen app on the terminal through a ScreenWriter: Ink lays out and writes whole frames (its debug mode, which has no throttle, so a change after a quiet spell is drawn at once), and only the rows that changed reach the terminal.
*/
export function renderScreen(node: React.ReactElement, {stdin, terminal}: {stdin: NodeJS.ReadStream; terminal: TerminalOutput}): Screen {
	const writer = new ScreenWriter(terminal);
	const instance = render(node, {
		stdin,
		stdout: writer as unknown as NodeJS.WriteStream,
		stderr: terminal as NodeJS.WriteStream,
		patchConsole: false,
		exitOnCtrlC: false,
		debug: true,
	});
	return {
		instance,
		get frame() {
			return writer.frame;
		},
		redrawAll() {
			writer.redrawAll();
		},
		unmount() {
			instance.unmount();
			writer.close();
		},
	};
}
