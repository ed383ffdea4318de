import {render} from 'ink-testing-library';
import {afterEach, expect, test, vi} from 'vitest';
import type {ListEntry} from '../../source/core/listing.js';
import {ListApp, type ListIntent} from '../../source/ui/list-app.js';
import {keys, settled, until} from './helpers.js';

const entries: ListEntry[] = [
	{kind: 'workspace', name: 'a_1', path: '/h/workspaces/a_1', task: 'analyze-spec', state: 'waiting', time: Date.now() - 5000, pendingQuestions: 2},
	{kind: 'pipeline', name: 'dazzle_1', path: '/h/pipelines/dazzle_1', task: 'dazzle (1/3 stages)', state: 'failed', time: Date.now() - 60_000, pendingQuestions: 0},
	{kind: 'archive', name: 'b_1', path: '/h/results/b_1', task: 'old-task', state: 'archived', time: Date.now() - 3_600_000, pendingQuestions: 0},
];

test('the list shows every entry with state, kind, age and questions; arrows choose, Enter opens, q quits', async () => {
	const intents: ListIntent[] = [];
	let instance!: ReturnType<typeof render>;
	await settled(() => {
		instance = render(<ListApp entries={entries} directory="/h" onIntent={intent => intents.push(intent)} />);
	});
	const frame = (): string => instance.lastFrame() ?? '';
	const chosen = (state: string) => (): void => {
		expect(frame()).toMatch(new RegExp(`▸ ${state}`));
	};

	const press = async (key: string, effect: () => void): Promise<void> => {
		await settled(() => instance.stdin.write(key));
		await until(effect);
	};

	await until(() => {
		expect(frame()).toContain('3 in /h');
	});
	expect(frame()).toMatch(/▸ waiting for an answer\s+workspace\s+<1m\s+2\s+analyze-spec/);
	expect(frame()).toMatch(/failed\s+pipeline\s+1m\s+dazzle \(1\/3 stages\)/);
	expect(frame()).toMatch(/archived\s+archive\s+1h 00m\s+old-task/);
	await press(keys.down, chosen('failed'));
	await press(keys.down, chosen('archived'));
	// The last entry stays chosen.
	await press(keys.down, chosen('archived'));
	await press(keys.up, chosen('failed'));
	await press(keys.enter, () => {
		expect(intents).toEqual([{type: 'open', entry: entries[1]}]);
	});
	await press('q', () => {
		expect(intents.at(-1)).toEqual({type: 'quit'});
	});
	instance.unmount();
});

afterEach(() => {
	vi.useRealTimers();
});

test('at rest the list draws nothing: an age in view changes once a minute, when its own minute turns, and rows out of view start no redraw', async () => {
	const start = Date.UTC(2026, 0, 1, 12);
	// Only the clock of the screen is faked (timers and Date); React and Ink run as ever.
	vi.useFakeTimers({toFake: ['setTimeout', 'clearTimeout', 'Date'], now: start});
	const hours = (count: number): number => count * 3_600_000;
	const many: ListEntry[] = [
		// Turns from "<1m" to "1m" 40 s from the start.
		{kind: 'workspace', name: 'new_1', path: '/h/workspaces/new_1', task: 'new-task', state: 'running', time: start - 20_000, pendingQuestions: 0},
		// Each an exact number of hours old: all turn 60 s from the start, together.
		...Array.from({length: 28}, (_, index): ListEntry => ({kind: 'workspace', name: `old_${index}`, path: `/h/workspaces/old_${index}`, task: `old-task-${index}`, state: 'stalled', time: start - hours(index + 1), pendingQuestions: 0})),
		// Out of view (the list shows about 18 rows of 24): turns 10 s from the start, unseen.
		{kind: 'archive', name: 'last_1', path: '/h/results/last_1', task: 'last-task', state: 'archived', time: start - hours(40) - 50_000, pendingQuestions: 0},
	];
	let instance!: ReturnType<typeof render>;
	await settled(() => {
		instance = render(<ListApp entries={many} directory="/h" onIntent={() => undefined} />);
	});
	const frame = (): string => instance.lastFrame() ?? '';
	const advance = async (milliseconds: number): Promise<void> => settled(() => {
		vi.advanceTimersByTime(milliseconds);
	});

	expect(frame()).toMatch(/▸ running\s+workspace\s+<1m\s+new-task/);
	expect(frame()).toMatch(/stalled\s+workspace\s+1h 00m\s+old-task-0 /);
	expect(frame()).not.toContain('last-task');
	const drawn = instance.frames.length;
	// Past the unseen row's turn, and up to just before the first row's: not one frame.
	await advance(39_000);
	expect(instance.frames).toHaveLength(drawn);
	expect(frame()).toMatch(/▸ running\s+workspace\s+<1m\s+new-task/);
	// The first row turns: one frame, which shows it.
	await advance(1500);
	expect(instance.frames).toHaveLength(drawn + 1);
	expect(frame()).toMatch(/▸ running\s+workspace\s+1m\s+new-task/);
	expect(frame()).toMatch(/stalled\s+workspace\s+1h 00m\s+old-task-0 /);
	// The rows of whole hours turn together: one more frame.
	await advance(20_000);
	expect(instance.frames).toHaveLength(drawn + 2);
	expect(frame()).toMatch(/stalled\s+workspace\s+1h 01m\s+old-task-0 /);
	// Up to just before the first row turns again, 100 s from the start.
	await advance(39_000);
	expect(instance.frames).toHaveLength(drawn + 2);
	await advance(1000);
	expect(instance.frames).toHaveLength(drawn + 3);
	expect(frame()).toMatch(/▸ running\s+workspace\s+2m\s+new-task/);

	// Scrolled into view, the row that turned unseen shows its age as of now.
	for (const _ of many) {
		await settled(() => instance.stdin.write(keys.down));
	}

	expect(frame()).toMatch(/▸ archived\s+archive\s+40h 02m\s+last-task/);
	instance.unmount();
});
