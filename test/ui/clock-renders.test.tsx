import {render} from 'ink-testing-library';
import React from 'react';
import {afterEach, expect, test, vi} from 'vitest';
import {App} from '../../source/app.js';
import {FakeSession, keys, makeSnapshot, settled, until} from './helpers.js';

/** How often each pane component was rendered: a render of the screen around the status pane renders them again. */
const renders = vi.hoisted(() => ({panes: 0}));

vi.mock('../../source/ui/components/scroll-pane.js', async importOriginal => {
	const original = await importOriginal<typeof import('../../source/ui/components/scroll-pane.js')>();
	const CountedScrollPane = (props: React.ComponentProps<typeof original.ScrollPane>): React.JSX.Element => {
		renders.panes++;
		return <original.ScrollPane {...props} />;
	};

	return {...original, ScrollPane: CountedScrollPane};
});

const mounted: Array<ReturnType<typeof render>> = [];
afterEach(() => {
	for (const instance of mounted.splice(0)) {
		instance.unmount();
	}
});

/** The app on `session`, unmounted after the test; `frame` is what it shows now. */
async function mountApp(session: FakeSession): Promise<{instance: ReturnType<typeof render>; frame: () => string}> {
	let instance!: ReturnType<typeof render>;
	await settled(() => {
		instance = render(<App source={session} onIntent={() => undefined} />);
	});
	mounted.push(instance);
	return {instance, frame: () => instance.lastFrame() ?? ''};
}

const timeLeft = (frame: string): string | undefined => /(\d+m \d\ds) left/.exec(frame)?.[1];

test('in a deadline\'s last ten minutes the time left changes every second, and only the status pane draws again for it', async () => {
	const session = new FakeSession({snapshot: makeSnapshot({deadline: Date.now() + (9 * 60_000) + 500}), progress: [{message: 'Reading the spec'}]});
	const {frame} = await mountApp(session);
	await until(() => {
		expect(frame()).toContain('Reading the spec');
		expect(timeLeft(frame())).toBeDefined();
	});
	// Progress, partial result and questions: three panes on the screen, each rendered at least once.
	expect(renders.panes).toBeGreaterThanOrEqual(3);
	const before = renders.panes;
	const first = timeLeft(frame());
	await until(() => {
		expect(timeLeft(frame())).not.toBe(first);
	}, 2500);
	const second = timeLeft(frame());
	await until(() => {
		expect(timeLeft(frame())).not.toBe(second);
	}, 2500);
	// Two ticks of the clock on screen, and not one render of the panes.
	expect(renders.panes).toBe(before);

	// The panes do draw again when what they show changes: the count above can move.
	await settled(() => {
		session.set({progress: [{message: 'Reading the spec'}, {message: 'Checking the schema'}]});
	});
	await until(() => {
		expect(frame()).toContain('Checking the schema');
	});
	expect(renders.panes).toBeGreaterThan(before);
}, 15_000);

test('the status detail view opens on the time now, though no clock ran for it while it was closed', async () => {
	// Claimed 59 s ago: the minute turns a moment after the screen opens, and no deadline counts seconds.
	const session = new FakeSession({snapshot: makeSnapshot({claimedAt: Date.now() - 60_000 + 1000, deadline: undefined})});
	const {instance, frame} = await mountApp(session);
	await until(() => {
		expect(frame()).toContain('claude-code, laptop just now');
	});
	// The status pane's own clock turns the minute.
	await until(() => {
		expect(frame()).toContain('1m ago');
	}, 3000);
	await settled(() => instance.stdin.write(keys.shiftTab));
	await settled(() => instance.stdin.write('v'));
	await until(() => {
		expect(frame()).toContain('Status');
		expect(frame()).toContain('1m ago');
		expect(frame()).not.toContain('just now');
	}, 500);
}, 15_000);
