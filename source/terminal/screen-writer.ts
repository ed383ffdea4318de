import {EventEmitter} from 'node:events';

const csi = '\u001B[';
/** Synchronized output (DEC mode 2026): a terminal that knows it shows the rows of one update at once; others ignore it. */
const beginUpdate = `${csi}?2026h`;
const endUpdate = `${csi}?2026l`;

/** The terminal the screen is drawn on: the real stdout, or /dev/tty. */
export type TerminalOutput = {
	write(data: string): unknown;
	on(event: 'resize', listener: () => void): unknown;
	off(event: 'resize', listener: () => void): unknown;
	columns?: number;
	rows?: number;
	isTTY?: boolean;
};

/**
The stream Ink draws into, in place of the terminal: Ink (in its debug mode) writes each frame whole, and this writes to the terminal only the rows that differ from what it shows, each at its absolute position.

Ink's own incremental mode moves the cursor relative to where it believes the last frame ended. Once that belief is off by a row (a frame drawn at the old width just after a resize, which the terminal wraps; a character whose width Ink and the terminal count differently), every later frame lands a row off and leaves stale rows behind, as we saw with the borders in tmux. Absolute positions cannot drift, and with autowrap off (screen.ts) a row that is too wide is cut at the edge instead of spilling into the next one. A resize, or redrawAll() (after Ctrl+Z and fg), clears the screen and writes the next frame in full.
*/
export class ScreenWriter extends EventEmitter {
	readonly isTTY = true;
	/** What each row of the terminal shows now, as the frame line written there. */
	private shown: string[] = [];
	private inFull = true;
	private lastFrame = '';
	private closed = false;
	private pending: NodeJS.Immediate | undefined;
	private drawnFrame = '';

	constructor(private readonly terminal: TerminalOutput) {
		super();
		terminal.on('resize', this.onResize);
	}

	/** The frame last drawn, whole (for tests: what a full redraw would show). */
	get frame(): string {
		return this.drawnFrame;
	}

	get columns(): number {
		return this.terminal.columns || 80;
	}

	get rows(): number {
		return this.terminal.rows || 24;
	}

	/**
	Takes one whole frame (Ink's debug mode writes nothing else) and draws it in the next turn of the event loop, with any later frame of this turn. Ink writes a frame during React's commit, before the effects that attach the new key handlers run; drawn at once, a person (or tmux) could see the new screen and press a key that the old handler takes. React queues those effects first, so by then they have run.
	*/
	write(chunk: string | Uint8Array, ...rest: unknown[]): boolean {
		this.lastFrame = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
		this.pending ??= setImmediate(() => {
			this.pending = undefined;
			this.draw(this.lastFrame);
		});
		const callback = rest.find(argument => typeof argument === 'function') as (() => void) | undefined;
		callback?.();
		return true;
	}

	/** Clears the terminal and writes the last frame again in full: the screen came back empty (fg after Ctrl+Z). */
	redrawAll(): void {
		this.inFull = true;
		this.draw(this.lastFrame);
	}

	/** Stops following the terminal's size; later frames are dropped. */
	close(): void {
		this.closed = true;
		clearImmediate(this.pending);
		this.terminal.off('resize', this.onResize);
	}

	private readonly onResize = (): void => {
		this.inFull = true;
		this.emit('resize');
	};

	private draw(frame: string): void {
		if (this.closed) {
			return;
		}

		this.drawnFrame = frame;
		const lines = frame === '' ? [] : frame.split('\n').slice(0, this.rows);
		let output = '';
		if (this.inFull) {
			output = `${csi}H${csi}2J`;
			this.shown = [];
			this.inFull = false;
		}

		const rowCount = Math.max(lines.length, this.shown.length);
		for (let row = 0; row < rowCount; row++) {
			const line = lines[row] ?? '';
			if (line !== (this.shown[row] ?? '')) {
				// Home to the row, erase it, then the line. (Erasing after the line would take its last character when the line fills the row: the cursor stays on the last column.)
				output += `${csi}${row + 1};1H${csi}0m${csi}2K${line}`;
			}
		}

		this.shown = lines;
		if (output !== '') {
			this.terminal.write(this.terminal.isTTY ? `${beginUpdate}${output}${endUpdate}` : output);
		}
	}
}
