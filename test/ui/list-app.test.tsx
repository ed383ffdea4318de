import {render} from 'ink-testing-library';
import {expect, test} from 'vitest';
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
	expect(frame()).toMatch(/▸ waiting for an answer\s+workspace\s+5s\s+2\s+analyze-spec/);
	expect(frame()).toMatch(/failed\s+pipeline\s+1m 00s\s+dazzle \(1\/3 stages\)/);
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
