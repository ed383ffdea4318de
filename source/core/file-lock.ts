import fsp from 'node:fs/promises';
import {setTimeout as delay} from 'node:timers/promises';
import {HandoffError, errnoCode} from './errors.js';
import {createExclusive} from './safe-io.js';

/** A lock older than this is assumed left by a crashed writer; the critical sections it guards take milliseconds. */
const staleAfterMs = 10_000;

/**
Runs `fn` while holding `lockFile` (created with O_EXCL), so read-modify-write cycles on a shared JSON file by two of our processes do not lose each other's entries.
*/
export async function withFileLock<T>(lockFile: string, fn: () => Promise<T>, waitMs = 5000): Promise<T> {
	const started = Date.now();
	for (;;) {
		if (await createExclusive(lockFile, `${process.pid}\n`)) {
			break;
		}

		const age = await lockAge(lockFile);
		if (age !== undefined && age > staleAfterMs) {
			await fsp.rm(lockFile, {force: true});
			continue;
		}

		if (Date.now() - started > waitMs) {
			throw new HandoffError('is held by another writer; try again', undefined, lockFile);
		}

		await delay(10 + Math.random() * 20);
	}

	try {
		return await fn();
	} finally {
		await fsp.rm(lockFile, {force: true});
	}
}

async function lockAge(lockFile: string): Promise<number | undefined> {
	try {
		const stat = await fsp.lstat(lockFile);
		return Date.now() - stat.mtimeMs;
	} catch (error) {
		if (errnoCode(error) === 'ENOENT') {
			return 0;
		}

		throw error;
	}
}
