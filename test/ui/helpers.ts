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

export const delay = async (milliseconds = 30): Promise<void> => new Promise(resolve => {
	setTimeout(resolve, milliseconds);
});

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
