import fs from 'node:fs';
import {expect, test} from 'vitest';
import {checkJson} from '../../source/core/validation.js';
import {waitFor} from './helpers.js';

const hasProc = fs.existsSync('/proc/self/status');
const threads = (): number => Number(/^Threads:\s+(\d+)/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1]);

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
