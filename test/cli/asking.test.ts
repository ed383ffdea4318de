import fs from 'node:fs';
import path from 'node:path';
import {describe, expect, test} from 'vitest';
import {shellQuote} from '../../source/core/instructions.js';
import {cliPath, newWorkspace, runCli, runShellLine, startCli, useTempDirectories, type CliResult} from '../helpers/cli.js';

/**
Asking and waiting, through the built CLI: idempotent asking, the bounded `await` (exit 75 and the command to run again), heartbeats, receipts, and answers checked before they are saved. HANDOFF_HEARTBEAT_MS sets the heartbeat interval (15 s by default) so a test sees several in a second or two.
*/

const project = useTempDirectories();

const readJson = (file: string): any => JSON.parse(fs.readFileSync(file, 'utf8'));
const questionIds = (workspace: string): string[] => readJson(path.join(workspace, 'shared/questions.json')).questions.map((question: {id: string}) => question.id);
const receiptsOf = (workspace: string): Array<{id: string; read_at: string}> => readJson(path.join(workspace, 'shared/receipts.json')).receipts;

/** Runs a shell command line as written (the line `await` prints to run again). */
async function runShell(line: string): Promise<CliResult> {
	return runShellLine(line);
}

describe('asking is idempotent', () => {
	test('the same text twice is one question; the same id with another text is an error naming both', async () => {
		const {workspace} = await newWorkspace([], project());
		const first = await runCli(['ask', 'Colour?', '--option', 'Red', '--option', 'Blue', '--workspace', workspace]);
		const again = await runCli(['ask', 'Colour?', '--option', 'Red', '--option', 'Blue', '--workspace', workspace]);
		expect([first.code, first.stdout, again.code, again.stdout]).toEqual([0, 'q1\n', 0, 'q1\n']);
		expect(questionIds(workspace)).toEqual(['q1']);
		const named = await runCli(['ask', 'Size?', '--id', 'size', '--workspace', workspace]);
		expect(named.stdout).toBe('size\n');
		expect((await runCli(['ask', 'Size?', '--id', 'size', '--workspace', workspace])).stdout).toBe('size\n');
		const conflict = await runCli(['ask', 'Weight?', '--id', 'size', '--workspace', workspace]);
		expect(conflict.code).toBe(2);
		expect(conflict.stderr).toContain('"size" was already asked as "Size?"; this asks "Weight?" under the same id');
		expect(questionIds(workspace)).toEqual(['q1', 'size']);
	});

	test('ask --file asks several at once (one id per line), all or none', async () => {
		const {workspace, project: directory} = await newWorkspace([], project());
		const batch = {questions: [{text: 'A?'}, {text: 'B?', options: ['x', 'y'], strict: true}, {text: 'C?', id: 'c', schema: {type: 'integer'}}]};
		const asked = await runCli(['ask', '--file', '-', '--workspace', workspace], {input: JSON.stringify(batch)});
		expect([asked.code, asked.stdout]).toEqual([0, 'q1\nq2\nc\n']);
		// The same file again adds nothing; a file with one conflict adds none of its questions.
		fs.writeFileSync(path.join(directory, 'batch.json'), JSON.stringify(batch.questions));
		expect((await runCli(['ask', '--file', 'batch.json', '--workspace', workspace], {cwd: directory})).stdout).toBe('q1\nq2\nc\n');
		const before = fs.readFileSync(path.join(workspace, 'shared/questions.json'), 'utf8');
		const conflicting = await runCli(['ask', '--file', '-', '--workspace', workspace], {input: JSON.stringify([{text: 'D?'}, {text: 'E?'}, {text: 'Not C?', id: 'c'}])});
		expect(conflicting.code).toBe(2);
		expect(conflicting.stderr).toContain('"c" was already asked as "C?"; this asks "Not C?"');
		expect(fs.readFileSync(path.join(workspace, 'shared/questions.json'), 'utf8')).toBe(before);
		const malformed = await runCli(['ask', '--file', '-', '--workspace', workspace], {input: '{"questions": [{"txt": "typo"}]}'});
		expect(malformed.code).toBe(2);
		expect(malformed.stderr).toContain('stdin: /0/text: missing required field "text"');
	});
});

describe('await', () => {
	test('prints an answer that is already there (the answer given while nobody waited) and records a receipt once', async () => {
		const {workspace} = await newWorkspace([], project());
		await runCli(['ask', 'Colour?', '--option', 'Red', '--option', 'Blue', '--workspace', workspace]);
		expect((await runCli(['answer', workspace, 'q1', '2'])).code).toBe(0);
		expect(fs.existsSync(path.join(workspace, 'shared/receipts.json'))).toBe(false);
		const picked = await runCli(['await', 'q1', '--workspace', workspace]);
		expect([picked.code, picked.stdout]).toEqual([0, 'Blue\n']);
		const [receipt] = receiptsOf(workspace);
		expect(receipt).toEqual({id: 'q1', read_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown});
		// Read again: the same answer, the first receipt kept.
		expect((await runCli(['await', 'q1', '--json', '--workspace', workspace])).stdout).toBe('{\n  "answers": {\n    "q1": "Blue"\n  }\n}\n');
		expect(receiptsOf(workspace)).toEqual([receipt]);
		// answers.json stays the producer's: the consumer wrote nothing there.
		expect(readJson(path.join(workspace, 'shared/answers.json'))).toEqual({answers: [{id: 'q1', answer: 'Blue', answered_at: expect.any(String) as unknown}]});
	});

	test('time up: exit 75 and one line naming the exact command to run again, which then keeps waiting and gets the answer', async () => {
		const {workspace} = await newWorkspace([], project());
		await runCli(['ask', 'Proceed?', '--workspace', workspace]);
		const started = Date.now();
		const timedOut = await runCli(['await', 'q1', '--for', '1'], {cwd: path.join(workspace, 'output')});
		expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
		expect(timedOut.code).toBe(75);
		const rerun = [process.execPath, cliPath, 'await', 'q1', '--for', '1', '--workspace', workspace].map(word => shellQuote(word)).join(' ');
		expect(timedOut.stderr).toContain(`handoff: q1 is still open; run the same command again to keep waiting: ${rerun}\n`);
		expect(timedOut.stdout).toBe('');
		expect(fs.existsSync(path.join(workspace, 'shared/receipts.json'))).toBe(false);
		// The line runs as written, from anywhere (here /).
		expect((await runShell(rerun)).code).toBe(75);
		await runCli(['answer', workspace, 'q1', 'yes, go on']);
		const resumed = await runShell(rerun);
		expect([resumed.code, resumed.stdout]).toEqual([0, 'yes, go on\n']);
	});

	test('ask --wait names itself as the command to run again, and running it asks nothing new', async () => {
		const {workspace, project: directory} = await newWorkspace([], project());
		fs.writeFileSync(path.join(directory, 'n.schema.json'), '{"type": "integer"}');
		const first = await runCli(['ask', 'How many?', '--schema', 'n.schema.json', '--wait', '--for', '0.5', '--workspace', workspace], {cwd: directory});
		expect(first.code).toBe(75);
		const line = /run the same command again to keep waiting: (.*)\n/.exec(first.stderr)?.[1];
		expect(line).toBe([process.execPath, cliPath, 'ask', 'How many?', '--schema', path.join(directory, 'n.schema.json'), '--wait', '--for', '0.5', '--workspace', workspace].map(word => shellQuote(word)).join(' '));
		expect((await runShell(line!)).code).toBe(75);
		expect((await runCli(['answer', workspace, 'q1', '12'])).code).toBe(0);
		const answered = await runShell(line!);
		expect([answered.code, answered.stdout]).toEqual([0, '12\n']);
		expect(questionIds(workspace)).toEqual(['q1']);
		expect(readJson(path.join(workspace, 'shared/answers.json')).answers[0].answer).toBe(12);
	});

	test('heartbeats on stderr at the interval while it waits (HANDOFF_HEARTBEAT_MS=200)', async () => {
		const {workspace} = await newWorkspace([], project());
		await runCli(['ask', 'Proceed?', '--workspace', workspace]);
		const times: number[] = [];
		const waiting = startCli(['await', 'q1', '--for', '2', '--workspace', workspace], {env: {HANDOFF_HEARTBEAT_MS: '200'}});
		waiting.child.stderr!.on('data', (chunk: Buffer) => {
			for (const _line of String(chunk).match(/still waiting for an answer to q1/g) ?? []) {
				times.push(Date.now());
			}
		});
		const result = await waiting.result;
		expect(result.code).toBe(75);
		const beats = result.stderr.split('\n').filter(line => line.startsWith('handoff: still waiting'));
		// 2 s at 200 ms: about 9 (the first after 200 ms, none after the end); a loaded machine may merge or delay a few.
		expect(beats.length).toBeGreaterThanOrEqual(5);
		expect(beats.length).toBeLessThanOrEqual(10);
		expect(beats[0]).toMatch(/^handoff: still waiting for an answer to q1 \(\d+ s of 2 s\)$/);
		const gaps = times.slice(1).map((time, index) => time - times[index]!);
		expect(Math.max(...gaps)).toBeLessThan(1000);
	});

	test('several ids: a JSON object by id once all are answered; typed answers keep their type', async () => {
		const {workspace} = await newWorkspace([], project());
		await runCli(['ask', '--file', '-', '--workspace', workspace], {input: JSON.stringify([{text: 'Name?'}, {text: 'Count?', schema: {type: 'integer'}}])});
		const waiting = startCli(['await', 'q1', 'q2', '--workspace', workspace]);
		await waiting.waitFor('waiting up to 50 s for an answer to q1, q2');
		await runCli(['answer', workspace, 'q2', '3']);
		await runCli(['answer', workspace, 'q1', 'Ada']);
		const result = await waiting.result;
		expect(result.code).toBe(0);
		expect(JSON.parse(result.stdout)).toEqual({q1: 'Ada', q2: 3});
		expect(receiptsOf(workspace).map(receipt => receipt.id)).toEqual(['q1', 'q2']);
	});

	test('an ended hand-off (canceled, or the workspace removed) ends the wait with exit 1 and the reason', async () => {
		const {workspace} = await newWorkspace([], project());
		await runCli(['ask', 'Proceed?', '--workspace', workspace]);
		const waiting = startCli(['await', 'q1', '--for', '30', '--workspace', workspace]);
		await waiting.waitFor('waiting up to 30 s');
		fs.writeFileSync(path.join(workspace, 'shared/status.txt'), 'CANCELED\n');
		const canceled = await waiting.result;
		expect(canceled.code).toBe(1);
		expect(canceled.stderr).toContain('handoff: the producer canceled this hand-off; no answer to q1 will come');
		fs.writeFileSync(path.join(workspace, 'shared/status.txt'), 'RUNNING\n');
		const removed = startCli(['await', 'q1', '--for', '30', '--workspace', workspace]);
		await removed.waitFor('waiting up to 30 s');
		fs.rmSync(workspace, {recursive: true});
		const gone = await removed.result;
		expect(gone.code, gone.stderr).toBe(1);
		expect(gone.stderr).toContain('the workspace was removed');
	});

	test('the task\'s deadline passing ends the wait (exit 1), before --for runs out', async () => {
		const {workspace} = await newWorkspace(['--timeout', '2'], project());
		await runCli(['ask', 'Proceed?', '--workspace', workspace]);
		const ended = await runCli(['await', 'q1', '--for', '60', '--workspace', workspace]);
		expect(ended.code).toBe(1);
		expect(ended.stderr).toMatch(/handoff: the task's time ran out at \d{4}-\d\d-\d\dT[\d:.]+Z; no answer to q1 will come/);
	});

	test('an answers.json that is not (yet) valid is no answer yet: the wait goes on and takes the fixed file', async () => {
		const {workspace} = await newWorkspace([], project());
		await runCli(['ask', 'Proceed?', '--workspace', workspace]);
		fs.writeFileSync(path.join(workspace, 'shared/answers.json'), '{"answers": [{"id": "q1", "ans');
		const waiting = startCli(['await', 'q1', '--for', '30', '--workspace', workspace]);
		await waiting.waitFor('waiting up to 30 s');
		fs.writeFileSync(path.join(workspace, 'shared/answers.json'), '{"answers": [{"id": "q1", "answer": "by hand"}]}');
		const result = await waiting.result;
		expect([result.code, result.stdout]).toEqual([0, 'by hand\n']);
	});

	test('a receipts.json planted as a link or garbage is refused by name; nothing is written through the link', async () => {
		const {workspace, project: directory} = await newWorkspace([], project());
		await runCli(['ask', 'Proceed?', '--workspace', workspace]);
		await runCli(['answer', workspace, 'q1', 'yes']);
		const outside = path.join(directory, 'outside.json');
		fs.writeFileSync(outside, '{"receipts": []}');
		fs.symlinkSync(outside, path.join(workspace, 'shared/receipts.json'));
		const linked = await runCli(['await', 'q1', '--workspace', workspace]);
		expect(linked.code).not.toBe(0);
		expect(linked.stderr).toContain('shared/receipts.json');
		expect(fs.readFileSync(outside, 'utf8')).toBe('{"receipts": []}');
		fs.rmSync(path.join(workspace, 'shared/receipts.json'));
		fs.writeFileSync(path.join(workspace, 'shared/receipts.json'), '{"receipts": {"q1": 1}}');
		const garbage = await runCli(['await', 'q1', '--workspace', workspace]);
		expect(garbage.code).toBe(2);
		expect(garbage.stderr).toContain('shared/receipts.json: /receipts: must be array');
		fs.rmSync(path.join(workspace, 'shared/receipts.json'));
		expect((await runCli(['await', 'q1', '--workspace', workspace])).stdout).toBe('yes\n');
	});

	test('an id never asked is a usage error naming the ids asked', async () => {
		const {workspace} = await newWorkspace([], project());
		await runCli(['ask', 'Proceed?', '--workspace', workspace]);
		const unknown = await runCli(['await', 'q9', '--workspace', workspace]);
		expect(unknown.code).toBe(2);
		expect(unknown.stderr).toContain('No question with id "q9" in shared/questions.json (asked: q1)');
		const timeout = await runCli(['ask', 'Proceed?', '--wait', '--timeout', '5', '--workspace', workspace]);
		expect(timeout.code).toBe(2);
		expect(timeout.stderr).toContain('--timeout is not an option of ask');
	});

	test.each([['SIGTERM', 143], ['SIGINT', 130]] as const)('%s while waiting exits %i and changes nothing', async (signal, code) => {
		const {workspace} = await newWorkspace([], project());
		const waiting = startCli(['ask', 'Proceed?', '--option', 'Yes', '--wait', '--workspace', workspace]);
		await waiting.waitFor('waiting up to');
		const shared = (): Record<string, string> => Object.fromEntries(fs.readdirSync(path.join(workspace, 'shared')).map(name => [name, fs.readFileSync(path.join(workspace, 'shared', name), 'utf8')]));
		const before = shared();
		waiting.child.kill(signal);
		const result = await waiting.result;
		expect(result.code).toBe(code);
		expect(result.stderr).toContain(`stopped waiting (${signal})`);
		expect(shared()).toEqual(before);
	});
});

describe('answers are checked before they are saved (handoff answer)', () => {
	test('an option number out of range, a strict question, a typed answer that breaks its schema: refused, nothing saved', async () => {
		const {workspace} = await newWorkspace([], project());
		await runCli(['ask', '--file', '-', '--workspace', workspace], {input: JSON.stringify([
			{text: 'Colour?', options: ['Red', 'Green', 'Blue']},
			{text: 'Size?', options: ['S', 'M'], strict: true},
			{text: 'Age?', schema: {type: 'object', required: ['years'], properties: {years: {type: 'integer', minimum: 0}}}},
		])});
		const outOfRange = await runCli(['answer', workspace, 'q1', '5']);
		expect([outOfRange.code, outOfRange.stderr]).toEqual([2, 'handoff: q1 has 3 options: 5 is not one of them\n']);
		const notAnOption = await runCli(['answer', workspace, 'q2', 'XL']);
		expect([notAnOption.code, notAnOption.stderr]).toEqual([2, 'handoff: q2 takes only one of its options (or its number): "S", "M"\n']);
		const badTyped = await runCli(['answer', workspace, 'q3', '{"years": -2, "months": "x"}']);
		expect(badTyped.code).toBe(2);
		expect(badTyped.stderr).toBe('handoff: q3: the answer does not match the question\'s schema:\nhandoff: /years: must be >= 0\n');
		const missing = await runCli(['answer', workspace, 'q3', 'old']);
		expect(missing.stderr).toContain('handoff: /: must be object');
		expect(fs.existsSync(path.join(workspace, 'shared/answers.json'))).toBe(false);
		// What they do take: free text for a question with options that is not strict, an option by number, a valid typed value.
		expect((await runCli(['answer', workspace, 'q1', 'Purple, please'])).code).toBe(0);
		expect((await runCli(['answer', workspace, 'q2', '2'])).code).toBe(0);
		expect((await runCli(['answer', workspace, 'q3', '{"years": 7}'])).code).toBe(0);
		expect(readJson(path.join(workspace, 'shared/answers.json')).answers.map((answer: {answer: unknown}) => answer.answer)).toEqual(['Purple, please', 'M', {years: 7}]);
		const typed = await runCli(['await', 'q3', '--workspace', workspace]);
		expect(JSON.parse(typed.stdout)).toEqual({years: 7});
	});

	test('ask --schema refuses a schema that does not compile, and --strict without options', async () => {
		const {workspace, project: directory} = await newWorkspace([], project());
		fs.writeFileSync(path.join(directory, 'bad.json'), '{"type": "nonsense"}');
		const bad = await runCli(['ask', 'N?', '--schema', 'bad.json', '--workspace', workspace], {cwd: directory});
		expect(bad.code).toBe(2);
		expect(bad.stderr).toContain('the schema of question 1');
		const strict = await runCli(['ask', 'Free?', '--strict', '--workspace', workspace]);
		expect(strict.code).toBe(2);
		expect(strict.stderr).toContain('a strict question needs options');
		expect(fs.existsSync(path.join(workspace, 'shared/questions.json'))).toBe(false);
	});
});
