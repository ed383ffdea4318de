import {describe, expect, test} from 'vitest';
import {coalesce} from '../../source/core/coalesce.js';
import {HandoffError, describeError, exitCode, exitCodeForError, isExpectedError} from '../../source/core/errors.js';
import {waitFor} from './helpers.js';

/** Fails the test if a rejection goes unhandled while `run` runs (vitest would otherwise report it only at the end). */
async function withoutUnhandledRejections(run: () => Promise<void>): Promise<void> {
	const unhandled: unknown[] = [];
	const listener = (reason: unknown): void => {
		unhandled.push(reason);
	};

	process.on('unhandledRejection', listener);
	try {
		await run();
		// Unhandled rejections are reported after a turn of the event loop.
		await new Promise(resolve => {
			setTimeout(resolve, 20);
		});
	} finally {
		process.off('unhandledRejection', listener);
	}

	expect(unhandled).toEqual([]);
}

describe('coalesce', () => {
	test('a job that throws is reported to onError, never as an unhandled rejection, and later runs still happen', async () => {
		await withoutUnhandledRejections(async () => {
			const errors: unknown[] = [];
			let runs = 0;
			const job = coalesce(async () => {
				runs++;
				if (runs === 1) {
					throw new TypeError('first run fails');
				}
			}, {onError: error => errors.push(error)});
			job.schedule();
			await job.idle();
			expect(errors).toEqual([new TypeError('first run fails')]);
			job.schedule();
			await job.idle();
			expect(runs).toBe(2);
			expect(errors).toHaveLength(1);
		});
	});

	test('a request made while a failing run is under way still runs once more', async () => {
		await withoutUnhandledRejections(async () => {
			const errors: unknown[] = [];
			let runs = 0;
			let release!: () => void;
			const job = coalesce(async () => {
				runs++;
				if (runs === 1) {
					await new Promise<void>(resolve => {
						release = resolve;
					});
					throw new Error('boom');
				}
			}, {onError: error => errors.push(error)});
			job.schedule();
			job.schedule();
			await waitFor(() => release !== undefined);
			release();
			await job.idle();
			expect(runs).toBe(2);
			expect(errors).toHaveLength(1);
		});
	});

	test('`more` that throws is reported too and ends the run', async () => {
		await withoutUnhandledRejections(async () => {
			const errors: unknown[] = [];
			const job = coalesce(async () => undefined, {
				more: async () => {
					throw new Error('no backlog answer');
				},
				onError: error => errors.push(error),
			});
			job.schedule();
			await job.idle();
			expect(errors).toEqual([new Error('no backlog answer')]);
		});
	});
});

describe('describing errors', () => {
	test('a file system error: the file relative to the workspace, the system\'s words, the code and the call', () => {
		const error = Object.assign(new Error('EROFS: read-only file system, open \'/ws/shared/status.txt\''), {code: 'EROFS', syscall: 'open', path: '/ws/shared/status.txt', errno: -30});
		expect(isExpectedError(error)).toBe(true);
		expect(describeError(error, '/ws')).toBe('shared/status.txt: read-only file system (EROFS, open)');
		expect(describeError(error)).toBe('/ws/shared/status.txt: read-only file system (EROFS, open)');
		expect(exitCodeForError(error)).toBe(exitCode.failed);
	});

	test('the temp file of an atomic write is named as the file it stands for', () => {
		const error = Object.assign(new Error('EACCES: permission denied, open'), {code: 'EACCES', syscall: 'open', path: '/ws/shared/.status.txt.4242.0a1b2c3d.tmp'});
		expect(describeError(error, '/ws')).toBe('shared/status.txt: permission denied (EACCES, open)');
	});

	test('our own refusal keeps its message and code', () => {
		const error = new HandoffError('is a symlink; refusing to follow it', exitCode.usage, 'shared/');
		expect(describeError(error)).toBe('shared/: is a symlink; refusing to follow it');
		expect(exitCodeForError(error)).toBe(exitCode.usage);
	});

	test('anything else is an internal error (70), named on one line whatever its message holds', () => {
		const error = new TypeError('x is undefined\n    at somewhere (file.js:1:1)');
		expect(isExpectedError(error)).toBe(false);
		expect(describeError(error)).toBe('internal error: TypeError: x is undefined');
		expect(exitCodeForError(error)).toBe(70);
		expect(describeError('a thrown string\nsecond line')).toBe('internal error: a thrown string');
		// An error with a `code` that is not an errno code (a library's own) is not taken for a file system error.
		expect(isExpectedError(Object.assign(new Error('bad'), {code: 'ERR_INVALID_ARG_TYPE'}))).toBe(false);
	});
});
