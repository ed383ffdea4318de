import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {beforeEach, describe, expect, test} from 'vitest';
import {HandoffError} from '../../source/core/errors.js';
import {acquireProducerHold, isProcessAlive, isStaleClaim, processStartTicks} from '../../source/core/hold.js';
import {layout} from '../../source/core/paths.js';
import {deadPid, exited, startNode, useTempDirectories} from './helpers.js';

const temporaryDirectory = useTempDirectories();
let workspace: string;
let holdFile: string;
beforeEach(async () => {
	workspace = await temporaryDirectory();
	holdFile = path.join(workspace, layout.producerHold);
});

const plantHold = (record: Record<string, unknown>): void => {
	fs.writeFileSync(holdFile, `${JSON.stringify(record)}\n`);
};

const holder = (): {pid?: number; host?: string} => JSON.parse(fs.readFileSync(holdFile, 'utf8')) as {pid?: number; host?: string};

describe('acquireProducerHold', () => {
	test('takes .handoff-producer, never the consumer\'s .lock; release removes it', async () => {
		const release = await acquireProducerHold(workspace);
		expect(layout.producerHold).not.toBe(layout.lock);
		expect(holder()).toMatchObject({pid: process.pid, host: os.hostname()});
		expect(fs.existsSync(path.join(workspace, layout.lock))).toBe(false);
		await release();
		expect(fs.existsSync(holdFile)).toBe(false);
	});

	test('refuses while a live process holds it, naming the pid, and leaves its hold alone', async () => {
		const child = await startNode('setInterval(() => {}, 1000)');
		plantHold({pid: child.pid, host: os.hostname(), started_at: '2025-11-21T23:30:00Z'});
		const error = await acquireProducerHold(workspace).catch((error_: unknown) => error_);
		expect(error).toBeInstanceOf(HandoffError);
		expect((error as Error).message).toContain(`is already being watched by handoff (pid ${child.pid})`);
		expect(holder().pid).toBe(child.pid);

		// Once that process is gone, the hold is taken over.
		child.kill('SIGKILL');
		await exited(child);
		const release = await acquireProducerHold(workspace);
		expect(holder().pid).toBe(process.pid);
		await release();
	});

	test('refuses a second hold from this same process', async () => {
		const release = await acquireProducerHold(workspace);
		await expect(acquireProducerHold(workspace)).rejects.toThrow(`pid ${process.pid}`);
		await release();
	});

	test('takes over the hold of a process that has exited', async () => {
		const pid = deadPid();
		expect(isProcessAlive(pid)).toBe(false);
		plantHold({pid, host: os.hostname()});
		const release = await acquireProducerHold(workspace);
		expect(holder().pid).toBe(process.pid);
		await release();
		expect(fs.existsSync(holdFile)).toBe(false);
	});

	test('a hold from another host is refused even if the pid is free here', async () => {
		plantHold({pid: deadPid(), host: 'some-other-host'});
		await expect(acquireProducerHold(workspace)).rejects.toThrow('is being watched from host some-other-host');
		expect(holder().host).toBe('some-other-host');
	});

	test('release leaves alone a hold that now belongs to someone else', async () => {
		const release = await acquireProducerHold(workspace);
		const child = await startNode('setInterval(() => {}, 1000)');
		plantHold({pid: child.pid, host: os.hostname()});
		await release();
		expect(holder().pid).toBe(child.pid);
	});

	test('two acquirers at once: exactly one gets the hold', async () => {
		for (let round = 0; round < 20; round++) {
			const results = await Promise.allSettled([acquireProducerHold(workspace), acquireProducerHold(workspace)]);
			const won = results.filter(result => result.status === 'fulfilled');
			expect(won, `round ${round}`).toHaveLength(1);
			expect(holder().pid).toBe(process.pid);
			await (won[0] as PromiseFulfilledResult<() => Promise<void>>).value();
			expect(fs.existsSync(holdFile)).toBe(false);
		}
	});
});

describe('stale claims', () => {
	test('a claim by a live process on this host is not stale; by a gone one it is', async () => {
		expect(isStaleClaim({pid: process.pid, host: os.hostname()})).toBe(false);
		expect(isStaleClaim({pid: deadPid()})).toBe(true);
		expect(isStaleClaim({pid: deadPid(), host: os.hostname()})).toBe(true);
	});

	test('a claim from another host, or without a pid, is never stale', () => {
		expect(isStaleClaim({pid: deadPid(), host: 'elsewhere'})).toBe(false);
		expect(isStaleClaim({})).toBe(false);
	});

	const ticks = processStartTicks(process.pid);
	test.skipIf(ticks === undefined)('a reused pid (same pid, another start time) is stale (needs process start times from /proc)', () => {
		expect(isStaleClaim({pid: process.pid, pidStart: ticks!})).toBe(false);
		expect(isStaleClaim({pid: process.pid, pidStart: ticks! + 1})).toBe(true);
	});
});
