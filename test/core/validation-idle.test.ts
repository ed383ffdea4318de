import fs from 'node:fs';
import {expect, test} from 'vitest';
import {checkJson, startValidationWorker} from '../../source/core/validation.js';
import {waitFor} from './helpers.js';

const hasProc = fs.existsSync('/proc/self/status');
const threads = (): number => Number(/^Threads:\s+(\d+)/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1]);

// First in the file: no worker of an earlier test is running yet.
test.skipIf(!hasProc)('a worker started ahead (a screen opening) that gets no check is ended once idle too', async () => {
	const before = threads();
	startValidationWorker();
	await waitFor(() => threads() > before, 10_000, 'the worker to start');
	await waitFor(() => threads() <= before, 10_000, 'the unused worker to end');
	expect(threads()).toBeLessThanOrEqual(before);
});

test.skipIf(!hasProc)('the validation worker is ended once idle (a screen at rest keeps no second heap), and the next check starts a new one', async () => {
	const before = threads();
	const schema = {name: 'schema.json', text: JSON.stringify({type: 'object', required: ['a']})};
	expect((await checkJson('{"a": 1}', {name: 'first.json', schema})).errors).toEqual([]);
	const running = threads();
	expect(running).toBeGreaterThan(before);
	await waitFor(() => threads() < running, 10_000, 'the idle worker to end');
	const second = await checkJson('{}', {name: 'second.json', schema});
	expect(second.errors).toEqual([{pointer: '/a', message: expect.stringContaining('"a"')}]);
});
