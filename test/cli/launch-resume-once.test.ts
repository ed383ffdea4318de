import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {expect, test} from 'vitest';
import {runCli, startCli, useTempDirectories} from '../helpers/cli.js';

const tempDirectory = useTempDirectories();
const fakes = fileURLToPath(new URL('../fixtures/fake-clis', import.meta.url));
// The fake writes the answer as its summary: this schema refuses it.
const schema = {type: 'object', required: ['summary'], properties: {summary: {enum: ['not the answer']}}};

// Found with the real codex (test/agents/codex.test.ts): a resumed session that ended again without picking up its
// answer was resumed again, and again, without end.
test('a resumed session that ends again without picking up the answer is not resumed a second time: the hand-off fails', async () => {
	const folder = tempDirectory();
	fs.writeFileSync(path.join(folder, 'schema.json'), JSON.stringify(schema));
	const made = await runCli(['new', '--task', 'resumed', '--schema', 'schema.json', '--timeout', '60'], {cwd: folder});
	expect(made.code, made.stderr).toBe(0);
	const workspace = made.stdout.trim();
		// Resumed, the fake writes a result the schema refuses; `done` fails and it exits 1, never having read the answer.
	const env = {PATH: `${fakes}${path.delimiter}${process.env.PATH}`, FAKE_SESSIONS: tempDirectory(), FAKE_ASK: 'q1'};
	const running = startCli(['wait', workspace, '--tool', 'codex', '--launch', '--json'], {cwd: folder, env});
	await running.waitFor('codex exited while q1 is open; answering will resume its session', 'stderr', 20_000);
	expect((await runCli(['answer', workspace, 'q1', 'Yes'], {cwd: folder})).code).toBe(0);
	const {code, stdout, stderr} = await running.result;
	expect(code, stderr).toBe(1);
	expect(JSON.parse(stdout)).toMatchObject({state: 'failed'});
	expect(stderr.split('answering will resume its session').length - 1).toBe(1);
	expect(stderr.split('is answered; resuming codex session').length - 1).toBe(1);
}, 30_000);
