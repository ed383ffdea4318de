import {describe, expect, test} from 'vitest';
import {statusClock} from '../../source/ui/components/status-pane.js';
import {makeSnapshot} from './helpers.js';

const minute = 60_000;
const hour = 60 * minute;
const time = Date.UTC(2026, 0, 1, 12, 0, 0, 250);

describe('the status pane clock runs only while a time on screen changes', () => {
	test('no deadline: the next change is the next whole minute since created (or claimed)', () => {
		const snapshot = makeSnapshot({createdAt: time - (5 * minute) - 10_000, claimedAt: undefined, deadline: undefined});
		expect(statusClock(snapshot, undefined)(time)).toBe(time + minute - 10_000);
	});

	test('in the last ten minutes the time left changes every second, on its own second boundary', () => {
		const snapshot = makeSnapshot({createdAt: time - 1000, deadline: time + (9 * minute) + 400});
		expect(statusClock(snapshot, undefined)(time)).toBe(time + 400);
	});

	test('before its last ten minutes the time left changes once a minute, down to 10m 00s, then every second', () => {
		const snapshot = makeSnapshot({createdAt: time - 1000, claimedAt: undefined, deadline: time + (30 * minute) + 400});
		expect(statusClock(snapshot, undefined)(time)).toBe(time + 400);
		const atTen = time + (20 * minute) + 400;
		expect(statusClock(snapshot, undefined)(atTen - 1)).toBe(atTen);
		expect(statusClock(snapshot, undefined)(atTen)).toBe(atTen + 1000);
	});

	test('with hours left, the time left changes once a minute', () => {
		const snapshot = makeSnapshot({createdAt: time - 1000, claimedAt: undefined, deadline: time + (3 * hour) + 20_000});
		expect(statusClock(snapshot, undefined)(time)).toBe(time + 20_000);
		// The created-time minute turns later here (59 s away), so the deadline's minute decides.
		expect(statusClock(snapshot, undefined)(time)! - time).toBeLessThanOrEqual(minute);
	});

	test('a finished hand-off and a screen still reading the workspace run no clock at all', () => {
		expect(statusClock(makeSnapshot(), {kind: 'complete', archivePath: '/a', resultPath: '/a/r.json'})(time)).toBeUndefined();
		expect(statusClock(makeSnapshot(), {kind: 'failed', errors: []})(time)).toBeUndefined();
		expect(statusClock(undefined, undefined)(time)).toBeUndefined();
	});

	test('a rejected result being retried keeps the countdown', () => {
		const snapshot = makeSnapshot({deadline: time + 10_000 + 700});
		expect(statusClock(snapshot, {kind: 'retrying', attempt: 1, maxRetries: 2, errors: []})(time)).toBe(time + 700);
	});
});
