import {act} from 'react';
import {vi} from 'vitest';
import {normalizeManifest} from '../../source/core/manifest.js';
import type {SessionSource, SessionState, WorkspaceSnapshot} from '../../source/core/snapshot.js';

export function makeSnapshot(patch: Partial<WorkspaceSnapshot> = {}): WorkspaceSnapshot {
	const manifest = normalizeManifest({task: 'analyze-spec', created_at: new Date(Date.now() - 65_000).toISOString(), outputs: {result: 'output/analysis.json', schema: 'input/schema.json'}, constraints: {timeout_seconds: 600}});
	const questions = patch.questions ?? [];
	return {
		workspace: '/tmp/ws/analyze-spec_20250101_000000_1',
		name: 'analyze-spec_20250101_000000_1',
		manifest,
		state: 'running',
		signals: {lock: true, done: false, error: false},
		claim: {tool: 'claude-code', host: 'laptop'},
		inconsistencies: [],
		createdAt: Date.now() - 65_000,
		deadline: Date.now() + 535_000,
		pendingQuestions: questions.filter(question => !question.answer).length,
		problems: [],
		...patch,
		questions,
	};
}

/** An in-memory SessionSource the test drives by hand. */
export class FakeSession implements SessionSource {
	private state: SessionState;
	private readonly listeners = new Set<() => void>();

	constructor(state: Partial<SessionState> = {}) {
		this.state = {progress: [], snapshot: makeSnapshot(), ...state};
	}

	getState = (): SessionState => this.state;

	subscribe = (listener: () => void): (() => void) => {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	};

	set(patch: Partial<SessionState>): void {
		this.state = {...this.state, ...patch};
		for (const listener of this.listeners) {
			listener();
		}
	}
}

/**
Waits until `check` stops throwing (an expect that holds), polling every few ms: the frame is read when Ink has drawn it, not after a guessed sleep. Fails with the check's last error after `timeoutMs`.
*/
export async function until(check: () => void, timeoutMs = 3000): Promise<void> {
	await vi.waitFor(check, {timeout: timeoutMs, interval: 5});
}

/**
Runs `action` (a key press, a session change, a resize) inside React's act(): when it resolves, React has rendered and run every effect the action caused. Ink subscribes key handlers in effects, so without this the next key could meet the handler of the frame before (a fixed sleep only made that unlikely).
*/
export async function settled(action: () => void): Promise<void> {
	// Only inside act: timer updates of the app's own (the clock) outside it would each print a warning.
	const environment = globalThis as {IS_REACT_ACT_ENVIRONMENT?: boolean};
	environment.IS_REACT_ACT_ENVIRONMENT = true;
	try {
		await act(async () => {
			action();
		});
	} finally {
		environment.IS_REACT_ACT_ENVIRONMENT = false;
	}
}

export const keys = {
	up: '\u001B[A',
	down: '\u001B[B',
	tab: '\t',
	shiftTab: '\u001B[Z',
	enter: '\r',
	escape: '\u001B',
	pageUp: '\u001B[5~',
	pageDown: '\u001B[6~',
};

/** A small value as the validation worker formats a partial result for display. */
export function formattedLines(value: unknown): {lines: string[]; totalLines: number} {
	const lines = JSON.stringify(value, null, 2).split('\n');
	return {lines, totalLines: lines.length};
}
