import {spawn} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {beforeEach, describe, expect, test} from 'vitest';
import {HandoffError} from '../../source/core/errors.js';
import {breakLock, inspectLock, withFileLock} from '../../source/core/file-lock.js';
import {processStartTicks} from '../../source/core/hold.js';
import {deadPid, exited, mkfifo, settlesWithin, startNode, useTempDirectories} from './helpers.js';

const temporaryDirectory = useTempDirectories();
let directory: string;
let lockFile: string;
beforeEach(async () => {
	directory = await temporaryDirectory();
	lockFile = path.join(directory, 'answers.json.lock');
});

/** Takes the lock and reports how long that took and what the lock held while it was ours. */
async function take(waitMs?: number): Promise<{waitedMs: number; held: Record<string, unknown>}> {
	const started = Date.now();
	return withFileLock(lockFile, async () => Promise.resolve({waitedMs: Date.now() - started, held: JSON.parse(fs.readFileSync(lockFile, 'utf8')) as Record<string, unknown>}), waitMs);
}

const trials = process.env.HANDOFF_SLOW_TESTS === '1' ? 400 : 100;
const hasProcStart = processStartTicks(process.pid) !== undefined;

describe('withFileLock', () => {
	test('holds a record of who holds it, and removes the lock afterwards, also when fn throws', async () => {
		const {held} = await take();
		expect(held).toMatchObject({pid: process.pid, host: os.hostname()});
		expect(typeof held.token).toBe('string');
		expect(held.pid_start).toBe(processStartTicks(process.pid));
		expect(fs.existsSync(lockFile)).toBe(false);
		await expect(withFileLock(lockFile, async () => Promise.reject(new Error('inside')))).rejects.toThrow('inside');
		expect(fs.readdirSync(directory)).toEqual([]);
	});

	test.each([
		['our record', (pid: number) => JSON.stringify({pid, host: os.hostname(), pid_start: 1, token: 'x'})],
		['a record without host', (pid: number) => JSON.stringify({pid})],
		['a bare pid, as older versions wrote', (pid: number) => `${pid}\n`],
	])('a lock left by a process that died (%s) is broken at once, however fresh', async (_name, content) => {
		fs.writeFileSync(lockFile, content(deadPid()));
		const {waitedMs, held} = await take();
		expect(held.pid).toBe(process.pid);
		// Before: it waited for the lock to be 10 s old.
		expect(waitedMs).toBeLessThan(500);
		expect(fs.readdirSync(directory)).toEqual([]);
	});

	test.skipIf(!hasProcStart)('a lock whose pid now belongs to another process (start time differs) is broken at once', async () => {
		fs.writeFileSync(lockFile, JSON.stringify({pid: process.pid, host: os.hostname(), pid_start: processStartTicks(process.pid)! - 1}));
		expect((await take()).waitedMs).toBeLessThan(500);
	});

	test('a live holder is waited for: the lock is taken the moment it is released, and waiting is capped', async () => {
		const holder = await startNode('setInterval(() => {}, 1000)');
		fs.writeFileSync(lockFile, JSON.stringify({pid: holder.pid, host: os.hostname(), pid_start: processStartTicks(holder.pid!)}));
		const error = await take(300).catch((error_: unknown) => error_);
		expect(error).toBeInstanceOf(HandoffError);
		expect((error as Error).message).toBe(`${lockFile}: is held by pid ${holder.pid}; try again`);
		expect(fs.existsSync(lockFile)).toBe(true);

		const waiting = take(5000);
		setTimeout(() => {
			fs.rmSync(lockFile);
		}, 200);
		const {waitedMs} = await waiting;
		expect(waitedMs).toBeGreaterThanOrEqual(150);
		expect(waitedMs).toBeLessThan(1500);
		holder.kill('SIGKILL');
		await exited(holder);
	});

	test('a holder killed while holding is recovered at once by the next writer', async () => {
		const holder = await startNode('setInterval(() => {}, 1000)');
		fs.writeFileSync(lockFile, JSON.stringify({pid: holder.pid, host: os.hostname(), pid_start: processStartTicks(holder.pid!)}));
		const waiting = take(5000);
		setTimeout(() => holder.kill('SIGKILL'), 150);
		const {waitedMs} = await waiting;
		expect(waitedMs).toBeGreaterThanOrEqual(100);
		expect(waitedMs).toBeLessThan(1000);
	});

	test('a lock from another host is waited for while fresh, and broken once 10 s old', async () => {
		fs.writeFileSync(lockFile, JSON.stringify({pid: 1, host: 'elsewhere.example'}));
		await expect(take(200)).rejects.toThrow('is held by pid 1 on host elsewhere.example; try again');
		const old = new Date(Date.now() - 11_000);
		fs.utimesSync(lockFile, old, old);
		expect((await take(200)).waitedMs).toBeLessThan(200);
	});

	test.each([
		['garbage', () => fs.writeFileSync(lockFile, 'not a lock \u001B[31m')],
		['an empty file', () => fs.writeFileSync(lockFile, '')],
		['pid 0 (a process group)', () => fs.writeFileSync(lockFile, '{"pid": 0}')],
		['pid -1 (every process)', () => fs.writeFileSync(lockFile, '{"pid": -1}')],
		['a huge file', () => fs.writeFileSync(lockFile, 'x'.repeat(1024 * 1024))],
		['a symlink to a file outside', () => {
			fs.writeFileSync(path.join(directory, 'outside.txt'), `${process.pid}\n`);
			fs.symlinkSync(path.join(directory, 'outside.txt'), lockFile);
		}],
		['a dangling symlink', () => fs.symlinkSync(path.join(directory, 'nowhere'), lockFile)],
		['a FIFO', () => mkfifo(lockFile)],
	])('a lock file that is not a lock (%s) neither hangs nor crashes: it is broken after a second', async (_name, plant) => {
		plant();
		const {waitedMs, held} = await settlesWithin(take(5000), 4000, 'taking a planted lock');
		expect(held.pid).toBe(process.pid);
		expect(waitedMs).toBeGreaterThanOrEqual(900);
		expect(waitedMs).toBeLessThan(2500);
		// Only the link itself went: what it pointed at is untouched.
		if (fs.existsSync(path.join(directory, 'outside.txt'))) {
			expect(fs.readFileSync(path.join(directory, 'outside.txt'), 'utf8')).toBe(`${process.pid}\n`);
		}

		expect(fs.readdirSync(directory).filter(name => name !== 'outside.txt')).toEqual([]);
	});

	test('a lock file rewritten with garbage all the time neither hangs nor crashes: taken, or refused once the wait is over', async () => {
		const writer = setInterval(() => {
			fs.writeFileSync(lockFile, `garbage ${Math.random()}`);
		}, 5);
		try {
			const started = Date.now();
			const outcome = await settlesWithin(withFileLock(lockFile, async () => Promise.resolve('taken'), 3000).catch((error: unknown) => error), 5000, 'taking a churning lock');
			expect(outcome === 'taken' || (outcome instanceof HandoffError && outcome.message.endsWith('is held by a file that is not a lock; try again'))).toBe(true);
			expect(Date.now() - started).toBeLessThan(4000);
		} finally {
			clearInterval(writer);
		}
	});

	test('a folder in its place is reported after the wait, never removed', async () => {
		fs.mkdirSync(lockFile);
		fs.writeFileSync(path.join(lockFile, 'keep'), 'x');
		await expect(take(1500)).rejects.toThrow('is held by a folder in its place (remove it); try again');
		expect(fs.readFileSync(path.join(lockFile, 'keep'), 'utf8')).toBe('x');
	});

	test('a waiter that judged a dead lock leaves alone the lock another writer took meanwhile', async () => {
		fs.writeFileSync(lockFile, JSON.stringify({pid: deadPid(), host: os.hostname()}));
		const judged = await inspectLock(lockFile);
		expect(judged.verdict).toBe('gone');
		// Another writer breaks the dead lock and takes it, before our waiter acts on its judgement.
		await withFileLock(lockFile, async () => {
			const ours = fs.readFileSync(lockFile, 'utf8');
			expect(await breakLock(lockFile, (judged as {identity: string}).identity, Date.now() + 1000)).toBe(false);
			expect(fs.readFileSync(lockFile, 'utf8')).toBe(ours);
		});
		// The judged one itself, still in place, is broken.
		fs.writeFileSync(lockFile, JSON.stringify({pid: deadPid(), host: os.hostname()}));
		const again = await inspectLock(lockFile);
		expect(await breakLock(lockFile, (again as {identity: string}).identity, Date.now() + 1000)).toBe(true);
		expect(fs.readdirSync(directory)).toEqual([]);
	});

	test(`${trials} trials: writers racing to break the same dead lock never hold it together, and none is lost`, async () => {
		const dead = deadPid();
		for (let trial = 0; trial < trials; trial++) {
			fs.writeFileSync(lockFile, JSON.stringify({pid: dead, host: os.hostname()}));
			let inside = 0;
			let most = 0;
			let count = 0;
			await Promise.all(Array.from({length: 5}, async () => {
				// Staggered, so that some judge the dead lock just as another has replaced it with its own.
				for (let tick = Math.floor(Math.random() * 40); tick > 0; tick--) {
					await new Promise(resolve => {
						setImmediate(resolve);
					});
				}

				return withFileLock(lockFile, async () => {
				inside++;
				most = Math.max(most, inside);
				await new Promise(resolve => {
					setImmediate(resolve);
				});
				count++;
				inside--;
			});
			}));
			expect(most, `trial ${trial}`).toBe(1);
			expect(count).toBe(5);
			expect(fs.readdirSync(directory)).toEqual([]);
		}
	}, 180_000);
});

const fileLockModule = fileURLToPath(new URL('../../source/core/file-lock.ts', import.meta.url));
const typeScriptHooks = fileURLToPath(new URL('../terminal/fixtures/ts-register.mjs', import.meta.url));

/** A child that takes the lock `rounds` times; inside, it checks no live process is inside too (a marker holding the pid inside), adds one to a counter slowly, and logs the round. */
function contender(rounds: number, files: {marker: string; counter: string; log: string}): ReturnType<typeof spawn> {
	const code = `
		import fs from 'node:fs';
		import {withFileLock} from ${JSON.stringify(fileLockModule)};
		const {marker, counter, log} = ${JSON.stringify(files)};
		const alive = pid => { try { process.kill(pid, 0); return true; } catch { return false; } };
		for (let round = 0; round < ${rounds}; round++) {
			await withFileLock(${JSON.stringify(lockFile)}, async () => {
				const other = fs.existsSync(marker) ? Number(fs.readFileSync(marker, 'utf8')) : 0;
				if (other > 0 && alive(other)) {
					throw new Error('overlap with ' + other);
				}

				fs.writeFileSync(marker, String(process.pid));
				const value = Number(fs.readFileSync(counter, 'utf8'));
				await new Promise(resolve => setTimeout(resolve, Math.random() * 3));
				// Written whole (temp and rename): a victim killed mid-write must not leave the count empty, which would read as 0.
				fs.writeFileSync(counter + '.tmp', String(value + 1));
				fs.renameSync(counter + '.tmp', counter);
				fs.appendFileSync(log, process.pid + '\\n');
				fs.rmSync(marker);
			}, 20000);
		}
	`;
	return spawn(process.execPath, ['--import', typeScriptHooks, '--input-type=module', '-e', code], {stdio: ['ignore', 'ignore', 'pipe']});
}

describe('withFileLock across processes', () => {
	test('processes killed while holding the lock are recovered at once; the others never overlap or lose a count', async () => {
		const files = {marker: path.join(directory, 'inside'), counter: path.join(directory, 'counter'), log: path.join(directory, 'log')};
		fs.writeFileSync(files.counter, '0');
		fs.writeFileSync(files.log, '');
		const survivors = Array.from({length: 3}, () => contender(40, files));
		const errors: string[] = [];
		for (const child of survivors) {
			child.stderr!.setEncoding('utf8').on('data', (chunk: string) => errors.push(chunk));
		}

		// Victims, one after the other, each killed at a random moment: often inside the lock, leaving the lock file behind.
		const victims = 8;
		for (let victim = 0; victim < victims; victim++) {
			const child = contender(1000, files);
			await new Promise(resolve => {
				setTimeout(resolve, 50 + Math.random() * 150);
			});
			child.kill('SIGKILL');
			await exited(child);
		}

		const started = Date.now();
		const codes = await Promise.all(survivors.map(async child => exited(child)));
		expect(errors.join('')).toBe('');
		expect(codes).toEqual([0, 0, 0]);
		// A left lock cost the survivors nothing like the old 10 s.
		expect(Date.now() - started).toBeLessThan(15_000);
		const rounds = fs.readFileSync(files.log, 'utf8').split('\n').filter(Boolean);
		const survivorRounds = rounds.filter(pid => survivors.some(child => String(child.pid) === pid));
		expect(survivorRounds).toHaveLength(120);
		// No lost update: every logged round counted; a victim killed between counting and logging adds one unlogged count at most.
		const counted = Number(fs.readFileSync(files.counter, 'utf8'));
		expect(counted - rounds.length).toBeGreaterThanOrEqual(0);
		expect(counted - rounds.length).toBeLessThanOrEqual(victims);
	}, 60_000);
});
