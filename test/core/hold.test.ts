import {fork, type ChildProcess} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {afterAll, beforeAll, beforeEach, describe, expect, test} from 'vitest';
import {HandoffError} from '../../source/core/errors.js';
import {acquireProducerHold, currentProducerHold, holdFilePath, isProcessAlive, isStaleClaim, processStartTicks, type HoldRecord} from '../../source/core/hold.js';
import {producerStateDirectory} from '../../source/core/producer-state.js';
import {deadPid, exited, startNode, useTempDirectories, waitFor} from './helpers.js';

/** A racer process: loads the built hold module, then takes the hold of each workspace it is sent and says whether it won. Winners keep theirs. */
const racerScript = fileURLToPath(new URL('../fixtures/hold-racer.mjs', import.meta.url));
const typeScriptHooks = fileURLToPath(new URL('../terminal/fixtures/ts-register.mjs', import.meta.url));

const temporaryDirectory = useTempDirectories();
let workspace: string;
beforeEach(async () => {
	// A folder inside the temp folder, so that its producer state folder (beside it) is cleaned up with it.
	workspace = path.join(await temporaryDirectory(), 'ws');
	fs.mkdirSync(workspace);
});

/** Plants a hold as a producer would have left it, at `generation`. */
const plantHold = (record: Record<string, unknown>, generation = 1): void => {
	fs.mkdirSync(producerStateDirectory(workspace), {recursive: true});
	fs.writeFileSync(holdFilePath(workspace, generation), `${JSON.stringify(record)}\n`);
};

const holder = async (): Promise<HoldRecord> => (await currentProducerHold(workspace))!;

describe('acquireProducerHold', () => {
	test('takes a hold in the producer state folder, beside the workspace and never in it; release marks it released', async () => {
		const release = await acquireProducerHold(workspace);
		expect(await holder()).toMatchObject({pid: process.pid, host: os.hostname()});
		expect(fs.readdirSync(workspace)).toEqual([]);
		expect(fs.existsSync(holdFilePath(workspace, 1))).toBe(true);
		await release();
		expect(await holder()).toMatchObject({pid: process.pid, released: true});
		// Released: the next one takes the next generation.
		const again = await acquireProducerHold(workspace);
		expect(fs.readdirSync(producerStateDirectory(workspace))).toEqual([path.basename(holdFilePath(workspace, 2))]);
		await again();
	});

	test('deleting everything in the workspace does not admit a second producer', async () => {
		const release = await acquireProducerHold(workspace);
		fs.rmSync(workspace, {recursive: true});
		fs.mkdirSync(workspace);
		await expect(acquireProducerHold(workspace)).rejects.toThrow(`is already being watched by handoff (pid ${process.pid})`);
		await release();
	});

	test('refuses while a live process holds it, naming the pid, and leaves its hold alone', async () => {
		const child = await startNode('setInterval(() => {}, 1000)');
		plantHold({pid: child.pid, host: os.hostname(), started_at: '2025-11-21T23:30:00Z'});
		const error = await acquireProducerHold(workspace).catch((error_: unknown) => error_);
		expect(error).toBeInstanceOf(HandoffError);
		expect((error as Error).message).toContain(`is already being watched by handoff (pid ${child.pid})`);
		expect((await holder()).pid).toBe(child.pid);

		// Once that process is gone, the hold is taken over.
		child.kill('SIGKILL');
		await exited(child);
		const release = await acquireProducerHold(workspace);
		expect((await holder()).pid).toBe(process.pid);
		await release();
	});

	test('refuses a second hold from this same process', async () => {
		const release = await acquireProducerHold(workspace);
		await expect(acquireProducerHold(workspace)).rejects.toThrow(`pid ${process.pid}`);
		await release();
	});

	test('takes over the hold of a process that has exited, and cleans up the generations below its own', async () => {
		const pid = deadPid();
		expect(isProcessAlive(pid)).toBe(false);
		plantHold({pid, host: os.hostname()}, 7);
		plantHold({pid, host: os.hostname()}, 6);
		const release = await acquireProducerHold(workspace);
		expect((await holder()).pid).toBe(process.pid);
		expect(fs.readdirSync(producerStateDirectory(workspace))).toEqual([path.basename(holdFilePath(workspace, 8))]);
		await release();
	});

	test.skipIf(processStartTicks(process.pid) === undefined)('a reused pid (alive, but started at another time) counts as gone', async () => {
		const ticks = processStartTicks(process.pid)!;
		plantHold({pid: process.pid, pid_start: ticks + 1, host: os.hostname()});
		const release = await acquireProducerHold(workspace);
		expect((await holder()).pid_start).toBe(ticks);
		await release();
	});

	test('an unreadable hold (damaged, since holds are written whole) counts as abandoned', async () => {
		plantHold({pid: process.pid}, 3);
		fs.writeFileSync(holdFilePath(workspace, 3), '{"pid": ');
		const release = await acquireProducerHold(workspace);
		expect(fs.readdirSync(producerStateDirectory(workspace))).toEqual([path.basename(holdFilePath(workspace, 4))]);
		await release();
	});

	test('a hold from another host is refused even if the pid is free here', async () => {
		plantHold({pid: deadPid(), host: 'some-other-host'});
		await expect(acquireProducerHold(workspace)).rejects.toThrow('is being watched from host some-other-host');
		expect((await holder()).host).toBe('some-other-host');
	});

	test('release leaves alone a hold that now belongs to someone else', async () => {
		const release = await acquireProducerHold(workspace);
		const child = await startNode('setInterval(() => {}, 1000)');
		plantHold({pid: child.pid, host: os.hostname()}, 1);
		await release();
		expect(await holder()).toEqual({pid: child.pid, host: os.hostname()});
	});

	test('two acquirers at once in one process: exactly one gets the hold', async () => {
		for (let round = 0; round < 20; round++) {
			const results = await Promise.allSettled([acquireProducerHold(workspace), acquireProducerHold(workspace)]);
			const won = results.filter(result => result.status === 'fulfilled');
			expect(won, `round ${round}`).toHaveLength(1);
			expect((await holder()).pid).toBe(process.pid);
			await (won[0] as PromiseFulfilledResult<() => Promise<void>>).value();
			expect((await holder()).released).toBe(true);
		}
	});
});

describe('racing for a dead producer\'s hold from separate processes', () => {
	const racerCount = 3;
	let racers: ChildProcess[] = [];
	const replies = new Map<ChildProcess, Array<{won: boolean; message?: string}>>();
	beforeAll(async () => {
		racers = Array.from({length: racerCount}, () => fork(racerScript, [], {execArgv: ['--import', typeScriptHooks], stdio: ['ignore', 'ignore', 'inherit', 'ipc']}));
		for (const racer of racers) {
			replies.set(racer, []);
			racer.on('message', message => {
				replies.get(racer)!.push(message as {won: boolean});
			});
		}

		// Each racer says it is ready once it has loaded the hold module.
		await waitFor(() => racers.every(racer => replies.get(racer)!.length > 0), 20_000, 'the racers to start');
		for (const racer of racers) {
			replies.get(racer)!.length = 0;
		}
	});
	afterAll(() => {
		for (const racer of racers) {
			racer.kill('SIGKILL');
		}
	});

	const trials = process.env.HANDOFF_SLOW_TESTS === '1' ? 1000 : 300;
	test(`${trials} trials of ${racerCount} processes taking over a dead holder's hold: exactly one wins each time`, async () => {
		const base = await temporaryDirectory();
		const dead = deadPid();
		for (let trial = 0; trial < trials; trial++) {
			workspace = path.join(base, `ws${trial}`);
			fs.mkdirSync(workspace);
			plantHold({pid: dead, host: os.hostname()}, 1 + (trial % 3));
			for (const racer of racers) {
				racer.send({workspace});
			}

			await waitFor(() => racers.every(racer => replies.get(racer)!.length > 0), 20_000, `trial ${trial}`, 1);
			const results = racers.map(racer => replies.get(racer)!.shift()!);
			const winners = results.filter(result => result.won);
			expect(winners, `trial ${trial}: ${JSON.stringify(results)}`).toHaveLength(1);
			for (const loser of results.filter(result => !result.won)) {
				expect(loser.message).toMatch(/is already being watched by handoff \(pid \d+\)/);
			}

			// The winner is the one the hold names.
			const winnerPid = racers[results.findIndex(result => result.won)]!.pid;
			expect((await holder()).pid, `trial ${trial}`).toBe(winnerPid);
		}
	}, 300_000);
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
