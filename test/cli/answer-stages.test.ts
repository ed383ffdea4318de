import fs from 'node:fs';
import path from 'node:path';
import {describe, expect, test} from 'vitest';
import {makeTempDirectory, newWorkspace, runCli, startCli} from '../helpers/cli.js';

describe('handoff wait says where each answer stands', () => {
	test('a question, its answer, then the consumer picking it up (its receipt in shared/receipts.json) each get a line, once', async () => {
		expect.hasAssertions();
		const {workspace} = await newWorkspace([], makeTempDirectory());
		const wait = startCli(['wait', workspace]);
		await wait.waitFor('state: not started');
		expect((await runCli(['ask', 'Edit profiles?', '--option', 'Yes', '--option', 'No', '--workspace', workspace])).code).toBe(0);
		await wait.waitFor('question q1: Edit profiles? [1) Yes 2) No]');
		expect((await runCli(['answer', workspace, 'q1', '2'])).code).toBe(0);
		await wait.waitFor('answered q1: No');
		expect(wait.stderr()).not.toContain('picked up');
		// The consumer side records that it read the answer, in a file of its own (atomic: written whole, then renamed).
		const receipts = path.join(workspace, 'shared/receipts.json');
		fs.writeFileSync(`${receipts}.tmp`, JSON.stringify({receipts: [{id: 'q1', read_at: '2999-01-01T10:11:12Z'}]}));
		fs.renameSync(`${receipts}.tmp`, receipts);
		await wait.waitFor('picked up q1: the consumer read the answer at 10:11:12');
		// Touched again (a second receipt write): nothing new to say.
		fs.writeFileSync(path.join(workspace, 'shared/progress.txt'), '[2025-01-01 10:00:00] more\n');
		await wait.waitFor('more');
		fs.writeFileSync(path.join(workspace, '.error'), 'stop');
		const result = await wait.result;
		expect(result.stderr.match(/picked up q1/g)).toHaveLength(1);
		expect(result.stderr.match(/answered q1/g)).toHaveLength(1);
		expect(result.stderr.indexOf('answered q1')).toBeLessThan(result.stderr.indexOf('picked up q1'));
	});
});
