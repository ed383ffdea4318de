import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {afterEach} from 'vitest';
import {waitUntil} from './cli.js';

/** Whether tmux is installed: the tests that need a real terminal skip, visibly, without it. */
export const hasTmux = (() => {
	try {
		execFileSync('tmux', ['-V'], {stdio: 'ignore'});
		return true;
	} catch {
		return false;
	}
})();

/** Runs what a test registers (killing its tmux servers, mostly) after each test, failed or not. */
export function useCleanups(): Array<() => void> {
	const cleanups: Array<() => void> = [];
	afterEach(() => {
		for (const cleanup of cleanups.splice(0)) {
			cleanup();
		}
	});
	return cleanups;
}

/** A tmux server of our own (its own socket), so tests never touch the person's sessions. */
export class Tmux {
	readonly socket = `handoff-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

	private tmux(...args: string[]): string {
		return execFileSync('tmux', ['-L', this.socket, ...args], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']});
	}

	/** Runs `command` in a fresh session of a fixed size, with CI unset so Ink draws every frame, and NODE_ENV unset (vitest sets it) as in a person's shell. */
	start(command: string, {columns = 120, rows = 40, cwd}: {columns?: number; rows?: number; cwd?: string} = {}): void {
		this.tmux('-f', '/dev/null', 'new-session', '-d', '-s', 'main', '-x', String(columns), '-y', String(rows), ...(cwd ? ['-c', cwd] : []), `env -u CI -u NODE_ENV -u HANDOFF_DIR -u HANDOFF_WORKSPACE TERM=xterm-256color ${command}`);
	}

	screen(): string {
		return this.tmux('capture-pane', '-p', '-t', 'main');
	}

	/** A tmux format about the pane, such as `#{alternate_on}` (1 while the program shows the alternate screen). */
	paneFormat(format: string): string {
		return this.tmux('display-message', '-p', '-t', 'main', format).trim();
	}

	/** Records every byte the program writes to the pane, as written (before tmux interprets it), into `file`. */
	record(file: string): void {
		this.tmux('pipe-pane', '-o', '-t', 'main', `cat >> '${file.replaceAll("'", String.raw`'\''`)}'`);
	}

	/** Resizes the window (and its one pane), as a person dragging the terminal's edge would. */
	resize(columns: number, rows: number): void {
		this.tmux('resize-window', '-t', 'main', '-x', String(columns), '-y', String(rows));
	}

	sendKeys(...keys: string[]): void {
		this.tmux('send-keys', '-t', 'main', ...keys);
	}

	async waitForScreen(text: string | RegExp, timeoutMs = 15_000): Promise<string> {
		return waitUntil<string | undefined>(() => {
			const screen = this.screen();
			return (typeof text === 'string' ? screen.includes(text) : text.test(screen)) ? screen : undefined;
		}, timeoutMs, `${String(text)} on screen`).then(screen => screen!, (error: Error) => {
			throw new Error(`${error.message}\n--- screen ---\n${this.screen()}`);
		});
	}

	kill(): void {
		try {
			this.tmux('kill-server');
		} catch {}

		// tmux leaves its socket file behind.
		fs.rmSync(path.join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`, this.socket), {force: true});
	}
}
