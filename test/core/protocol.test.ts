import {spawn} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {afterEach, describe, expect, test} from 'vitest';
import {normalizeManifest} from '../../source/core/manifest.js';
import {ProgressTail, formatProgress} from '../../source/core/progress.js';
import {addAnswer, addQuestion, readAnswers, waitForAnswer} from '../../source/core/questions.js';
import {deriveState, parseClaim, parseStatusWord, type StateInputs} from '../../source/core/status.js';
import {makeTempDirectory} from '../helpers/cli.js';

let root: string | undefined;
afterEach(() => {
	if (root) {
		fs.rmSync(root, {recursive: true, force: true});
		root = undefined;
	}
});

const workspaceWithShared = (): string => {
	root = makeTempDirectory();
	fs.mkdirSync(path.join(root, 'shared'));
	return root;
};

describe('manifest', () => {
	const seedShape = {
		task: 'analyze-spec',
		version: '1.0',
		created_at: '2025-11-21T23:30:00Z',
		inputs: {spec: 'input/SPEC.md', instructions: 'input/instructions.md', schema: 'input/schema.json'},
		outputs: {result: 'output/analysis.json', required: true, schema: 'input/schema.json'},
		constraints: {timeout_seconds: 300, max_retries: 1},
	};
	// Exactly what the seed's LLMWorkspace.write_manifest writes in 'Usage in DAZZLE'.
	const dazzleShape = {
		task: 'analyze-spec',
		version: '1.0',
		created_at: '2025-11-21T23:30:00Z',
		inputs: {spec: 'input/SPEC.md', instructions: 'input/instructions.md', schema: 'input/schema.json'},
		outputs: {analysis: 'output/analysis.json', required: true},
		constraints: {timeout_seconds: 300},
	};

	test('both seed shapes fold to the same result and schema', () => {
		const a = normalizeManifest(seedShape);
		const b = normalizeManifest(dazzleShape);
		expect(a.result.path).toBe('output/analysis.json');
		expect(b.result).toEqual({key: 'analysis', path: 'output/analysis.json'});
		expect(a.schemaPath).toBe('input/schema.json');
		expect(b.schemaPath).toBe('input/schema.json');
		expect(a.maxRetries).toBe(1);
		expect(b.maxRetries).toBe(0);
		expect(b.timeoutSeconds).toBe(300);
	});

	test.each([
		[{outputs: {result: 'output/r.json'}}, '/task: missing required field "task"'],
		[{task: 't', outputs: {result: 'output/r.json'}, constraints: {timeout_seconds: 'soon'}}, '/constraints/timeout_seconds: must be number'],
		[{task: 't', outputs: {result: '../r.json'}}, '/outputs/result: path "../r.json" leaves the workspace'],
		[{task: 't', inputs: {spec: '/etc/passwd'}, outputs: {result: 'output/r.json'}}, '/inputs/spec: path "/etc/passwd" is absolute'],
		[{task: 't', outputs: {required: true}}, '/outputs: names no output file'],
	])('%j is refused naming the file and pointer', (value, message) => {
		expect(() => normalizeManifest(value)).toThrow(`input/manifest.json: ${message}`);
	});

	test('unknown fields are kept', () => {
		expect(normalizeManifest({...seedShape, stage: 2}).file.stage).toBe(2);
	});
});

describe('questions and answers', () => {
	test('ids are assigned in order and duplicates refused', async () => {
		const workspace = workspaceWithShared();
		expect((await addQuestion(workspace, {text: 'A?'})).id).toBe('q1');
		expect((await addQuestion(workspace, {text: 'B?', options: ['x', 'y']})).id).toBe('q2');
		await expect(addQuestion(workspace, {text: 'C?', id: 'q1'})).rejects.toThrow('already asked');
	});

	test('twenty concurrent answers lose nothing', async () => {
		const workspace = workspaceWithShared();
		const ids = Array.from({length: 20}, (_, index) => `q${index + 1}`);
		for (const id of ids) {
			// eslint-disable-next-line no-await-in-loop
			await addQuestion(workspace, {text: id, id});
		}

		await Promise.all(ids.map(async id => addAnswer(workspace, id, `answer ${id}`)));
		const answers = await readAnswers(workspace);
		expect(answers.map(answer => answer.id).sort()).toEqual([...ids].sort());
	});

	test('a torn answers.json is never overwritten', async () => {
		const workspace = workspaceWithShared();
		await addQuestion(workspace, {text: 'A?'});
		fs.writeFileSync(path.join(workspace, 'shared/answers.json'), '{"answers": [{"id": "q0", "answer": "keep me"}');
		await expect(addAnswer(workspace, 'q1', 'x')).rejects.toThrow('shared/answers.json: is not valid JSON');
		expect(fs.readFileSync(path.join(workspace, 'shared/answers.json'), 'utf8')).toContain('keep me');
	});

	test('waitForAnswer wakes on another process writing the answer, and times out', async () => {
		const workspace = workspaceWithShared();
		await addQuestion(workspace, {text: 'A?'});
		expect(await waitForAnswer(workspace, 'q1', {timeoutMs: 100})).toBeUndefined();
		const started = Date.now();
		const writer = spawn(process.execPath, ['-e', `setTimeout(() => require('fs').writeFileSync(${JSON.stringify(path.join(workspace, 'shared/answers.json'))}, JSON.stringify({answers: [{id: 'q1', answer: 'Yes'}]})), 200)`]);
		const answer = await waitForAnswer(workspace, 'q1', {timeoutMs: 5000});
		writer.kill();
		expect(answer).toMatchObject({id: 'q1', answer: 'Yes'});
		expect(Date.now() - started).toBeLessThan(1500);
	});
});

describe('progress tail', () => {
	test('returns only new complete lines, holds a partial line, restarts on truncation and replacement', async () => {
		const workspace = workspaceWithShared();
		const file = path.join(workspace, 'shared/progress.txt');
		const tail = new ProgressTail(file);
		expect(await tail.read()).toEqual([]);
		fs.writeFileSync(file, '[2025-11-21 23:30:05] Starting\nno stamp\n[2025-11-21 23:30:06] Hal');
		expect(await tail.read()).toEqual([{time: '2025-11-21 23:30:05', message: 'Starting'}, {message: 'no stamp'}]);
		fs.appendFileSync(file, 'f done\n');
		expect(await tail.read()).toEqual([{time: '2025-11-21 23:30:06', message: 'Half done'}]);
		expect(await tail.read()).toEqual([]);
		fs.writeFileSync(file, 'short\n');
		expect(await tail.read()).toEqual([{message: 'short'}]);
		fs.writeFileSync(`${file}.new`, 'replaced one\nreplaced two\n');
		fs.renameSync(`${file}.new`, file);
		expect(await tail.read()).toEqual([{message: 'replaced one'}, {message: 'replaced two'}]);
		fs.appendFileSync(file, 'unfinished');
		expect(await tail.read(true)).toEqual([{message: 'unfinished'}]);
	});

	test('a multi-byte character split across writes survives', async () => {
		const workspace = workspaceWithShared();
		const file = path.join(workspace, 'shared/progress.txt');
		const tail = new ProgressTail(file);
		const bytes = Buffer.from('héllo ✓\n');
		fs.writeFileSync(file, bytes.subarray(0, 2));
		expect(await tail.read()).toEqual([]);
		fs.appendFileSync(file, bytes.subarray(2));
		expect(await tail.read()).toEqual([{message: 'héllo ✓'}]);
	});

	test('formats one stamped line per line of the message', () => {
		expect(formatProgress('one\ntwo\n', new Date('2025-11-21T23:30:05Z'))).toBe('[2025-11-21 23:30:05] one\n[2025-11-21 23:30:05] two\n');
	});
});

describe('state precedence', () => {
	const base: StateInputs = {lock: false, done: false, error: false, hasActivity: false, pendingQuestions: 0, stallAfterMs: 1000, now: 10_000};
	test.each<[string, Partial<StateInputs>, string, number]>([
		['both signals', {done: true, error: true}, 'failed', 1],
		['.done beats status FAILED', {done: true, status: 'FAILED'}, 'complete', 1],
		['.error beats status COMPLETE', {error: true, status: 'COMPLETE'}, 'failed', 1],
		['status COMPLETE alone', {status: 'COMPLETE'}, 'complete', 0],
		['status CANCELED', {status: 'CANCELED', lock: true}, 'canceled', 0],
		['past the deadline', {lock: true, deadline: 5000}, 'timed-out', 0],
		['nothing yet', {status: 'PENDING'}, 'not-started', 0],
		['a pending question', {lock: true, pendingQuestions: 1, lastActivityAt: 9999}, 'waiting', 0],
		['quiet too long', {lock: true, lastActivityAt: 1000}, 'stalled', 0],
		['activity without a claim', {hasActivity: true, lastActivityAt: 9999}, 'running', 0],
	])('%s', (_name, inputs, state, inconsistencies) => {
		const derived = deriveState({...base, ...inputs});
		expect(derived.state).toBe(state);
		expect(derived.inconsistencies).toHaveLength(inconsistencies);
	});

	test('status words and claims in both forms', () => {
		expect(parseStatusWord('PENDING    # Initial state\n')).toBe('PENDING');
		expect(parseStatusWord('cancelled')).toBe('CANCELED');
		expect(parseStatusWord('whatever')).toBeUndefined();
		expect(parseClaim('4242\n')).toEqual({pid: 4242});
		expect(parseClaim('{"claimed_at": "2025-11-21T23:30:05Z", "tool": "aider"}')).toMatchObject({claimedAt: '2025-11-21T23:30:05Z', tool: 'aider'});
	});
});
