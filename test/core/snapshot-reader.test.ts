import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {beforeEach, describe, expect, test} from 'vitest';
import {createHandoff} from '../../source/core/create.js';
import type {Manifest} from '../../source/core/manifest.js';
import {layout} from '../../source/core/paths.js';
import {SnapshotReader, settleMs} from '../../source/core/snapshot-reader.js';
import type {WorkspaceSnapshot} from '../../source/core/snapshot.js';
import {partialLines} from '../../source/ui/pane-lines.js';
import {deadPid, newTestHandoff, useTempDirectories} from './helpers.js';

const temporaryDirectory = useTempDirectories();
let base: string;
let workspace: string;
let manifest: Manifest;
beforeEach(async () => {
	base = await temporaryDirectory();
	({workspace, manifest} = await newTestHandoff(base, 'snapshot'));
});

const write = (relativePath: string, content: string | Buffer): void => {
	fs.writeFileSync(path.join(workspace, relativePath), content);
};

const twentyMegabytes = 20 * 1024 * 1024;

/** A value's lines as the partial pane shows them. */
const pretty = (value: unknown): string[] => JSON.stringify(value, null, 2).split('\n');

/** A read once the partial result's check (which runs in the background) is done. */
async function readChecked(reader: SnapshotReader, now?: number): Promise<WorkspaceSnapshot> {
	await reader.read(now);
	await reader.partialChecked();
	return reader.read(now);
}

/** A file of `size` bytes that has really been written (not sparse), so that reading it would be real work. */
function writeLargeFile(relativePath: string, size: number): void {
	const chunk = Buffer.alloc(1024 * 1024, ' ');
	const handle = fs.openSync(path.join(workspace, relativePath), 'w');
	try {
		for (let written = 0; written < size; written += chunk.length) {
			fs.writeSync(handle, chunk, 0, Math.min(chunk.length, size - written));
		}
	} finally {
		fs.closeSync(handle);
	}
}

const twoDaysAgo = (): Date => new Date(Date.now() - 2 * 24 * 60 * 60 * 1000);

/** Sets a file's access time in the past, so that (with relatime) any read moves it. */
function ageAccessTime(file: string): number {
	const old = twoDaysAgo();
	fs.utimesSync(file, old, old);
	return fs.statSync(file).atimeMs;
}

/** Whether the temp folders' file system records reads in atime at all (noatime mounts do not). */
function readsMoveAccessTime(): boolean {
	const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-atime-'));
	try {
		const probe = path.join(folder, 'probe');
		fs.writeFileSync(probe, 'probe');
		const before = ageAccessTime(probe);
		fs.readFileSync(probe);
		return fs.statSync(probe).atimeMs !== before;
	} finally {
		fs.rmSync(folder, {recursive: true, force: true});
	}
}

describe('settling of files that do not parse', () => {
	test('a torn questions.json keeps the last good value, quietly, until it has stayed bad for settleMs', async () => {
		const reader = new SnapshotReader(workspace, manifest);
		write(layout.questions, JSON.stringify({questions: [{id: 'q1', text: 'Edit profiles?'}]}));
		const good = await reader.read(10_000);
		expect(good.questions.map(question => question.id)).toEqual(['q1']);
		expect(good.problems).toEqual([]);
		expect(good.state).toBe('waiting');

		write(layout.questions, '{"questions": [{"id": "q1", "text": "Edit profiles?"}, {"id": "q2", "te');
		const torn = await reader.read(20_000);
		expect(torn.questions.map(question => question.id)).toEqual(['q1']);
		expect(torn.problems).toEqual([]);
		expect(reader.unsettled).toBe(true);

		const almost = await reader.read(20_000 + settleMs - 1);
		expect(almost.problems).toEqual([]);
		expect(reader.unsettled).toBe(true);

		const settled = await reader.read(20_000 + settleMs);
		expect(settled.questions.map(question => question.id)).toEqual(['q1']);
		expect(settled.problems).toEqual([{file: 'shared/questions.json', message: expect.stringMatching(/^is not valid JSON/)}]);
		expect(reader.unsettled).toBe(false);

		// Fixed: the problem goes, the new value shows.
		write(layout.questions, JSON.stringify({questions: [{id: 'q1', text: 'Edit profiles?'}, {id: 'q2', text: 'Admins?'}]}));
		const fixed = await reader.read(30_000);
		expect(fixed.questions.map(question => question.id)).toEqual(['q1', 'q2']);
		expect(fixed.problems).toEqual([]);
	});

	test('a file that is torn for a moment and then whole is never reported', async () => {
		const reader = new SnapshotReader(workspace, manifest);
		write(layout.answers, '{"answers": [');
		expect((await reader.read(1000)).problems).toEqual([]);
		write(layout.answers, '{"answers": []}');
		const whole = await reader.read(1000 + settleMs * 5);
		expect(whole.problems).toEqual([]);
		expect(reader.unsettled).toBe(false);
	});

	test('a questions.json of the wrong shape settles the same way, naming the JSON pointer', async () => {
		const reader = new SnapshotReader(workspace, manifest);
		write(layout.questions, '{"questions": [{"id": "q1"}]}');
		expect((await reader.read(1000)).problems).toEqual([]);
		expect((await reader.read(1000 + settleMs)).problems).toEqual([{file: 'shared/questions.json', message: expect.stringContaining('/questions/0/text: missing required field "text"')}]);
	});
});

describe('refusals that are reported at once', () => {
	test('a symlinked output/x.partial.json is a problem at the first read and is not followed', async () => {
		const secret = path.join(base, 'secret.json');
		fs.writeFileSync(secret, '{"secret": "do not show"}');
		fs.symlinkSync(secret, path.join(workspace, 'output/analysis.partial.json'));
		const reader = new SnapshotReader(workspace, manifest);
		const snapshot = await readChecked(reader);
		expect(snapshot.partial).toBeUndefined();
		expect(snapshot.problems).toEqual([{file: 'output/analysis.partial.json', message: 'is a symlink; refusing to follow it'}]);
		expect(reader.unsettled).toBe(false);
		expect(JSON.stringify(snapshot)).not.toContain('do not show');
	});

	test('a symlinked questions.json is reported, not followed', async () => {
		const secret = path.join(base, 'questions.json');
		fs.writeFileSync(secret, JSON.stringify({questions: [{id: 'q1', text: 'from outside'}]}));
		fs.symlinkSync(secret, path.join(workspace, layout.questions));
		const snapshot = await new SnapshotReader(workspace, manifest).read();
		expect(snapshot.questions).toEqual([]);
		expect(snapshot.problems).toEqual([{file: 'shared/questions.json', message: 'is a symlink; refusing to follow it'}]);
	});

	test('a shared/ that is a symlink is reported and nothing in it is read', async () => {
		const elsewhere = await temporaryDirectory();
		fs.writeFileSync(path.join(elsewhere, 'questions.json'), JSON.stringify({questions: [{id: 'q1', text: 'from outside'}]}));
		fs.writeFileSync(path.join(elsewhere, 'status.txt'), 'COMPLETE\n');
		fs.rmSync(path.join(workspace, 'shared'), {recursive: true});
		fs.symlinkSync(elsewhere, path.join(workspace, 'shared'));
		const snapshot = await new SnapshotReader(workspace, manifest).read();
		expect(snapshot.problems).toContainEqual({file: 'shared/', message: 'is a symlink; refusing to follow it'});
		expect(snapshot.questions).toEqual([]);
		expect(snapshot.status).toBeUndefined();
		expect(snapshot.state).not.toBe('complete');
	});

	test('a shared/ that goes missing (moved away, as mid-swap for a link) is reported, and the questions read before are kept', async () => {
		write(layout.questions, JSON.stringify({questions: [{id: 'q1', text: 'Ship it?', options: ['Yes', 'No']}]}));
		const reader = new SnapshotReader(workspace, manifest);
		// A value is shown once it has stayed the same for the settle time.
		const seen = await reader.read(Date.now() + settleMs);
		expect(seen.questions.map(question => question.text)).toEqual(['Ship it?']);
		fs.renameSync(path.join(workspace, 'shared'), path.join(base, 'shared-elsewhere'));
		const snapshot = await reader.read(Date.now() + 2 * settleMs);
		expect(snapshot.problems).toContainEqual({file: 'shared/', message: 'is missing'});
		expect(snapshot.questions.map(question => question.text)).toEqual(['Ship it?']);
	});

	test('an oversized partial result is a problem at once', async () => {
		const file = path.join(workspace, 'output/analysis.partial.json');
		fs.writeFileSync(file, '');
		fs.truncateSync(file, twentyMegabytes);
		const snapshot = await readChecked(new SnapshotReader(workspace, manifest));
		expect(snapshot.partial).toBeUndefined();
		expect(snapshot.problems).toEqual([{file: 'output/analysis.partial.json', message: 'is 20 MB, over the 10 MB limit'}]);
	});

	test('an oversized .error is a problem, not a crash', async () => {
		const file = path.join(workspace, layout.error);
		fs.writeFileSync(file, '');
		fs.truncateSync(file, 1024 * 1024);
		const snapshot = await new SnapshotReader(workspace, manifest).read();
		expect(snapshot.state).toBe('failed');
		expect(snapshot.problems).toEqual([{file: '.error', message: 'is 1.0 MB, over the 64 KB limit'}]);
	});
});

describe('what is read', () => {
	/** A 20 MB result, log and partial in output/; the partial is refused by its size before it is opened. */
	function writeLargeOutputs(): string[] {
		const files = ['output/analysis.json', 'output/build.log', 'output/analysis.partial.json'];
		for (const file of files) {
			writeLargeFile(file, twentyMegabytes);
		}

		return files.map(file => path.join(workspace, file));
	}

	test('a 20 MB file in output/ is refused by its size, at once', async () => {
		writeLargeOutputs();
		const started = performance.now();
		const snapshot = await readChecked(new SnapshotReader(workspace, manifest));
		const elapsed = performance.now() - started;
		expect(snapshot.problems).toEqual([{file: 'output/analysis.partial.json', message: 'is 20 MB, over the 10 MB limit'}]);
		expect(snapshot.state).toBe('running');
		expect(elapsed).toBeLessThan(1000);
	});

	test.skipIf(!readsMoveAccessTime())('a 20 MB file in output/ is not read: its access time stays (needs a file system that records reads in atime)', async () => {
		const files = writeLargeOutputs();
		const before = files.map(file => ageAccessTime(file));
		await new SnapshotReader(workspace, manifest).read();
		expect(files.map(file => fs.statSync(file).atimeMs)).toEqual(before);
	});
});

describe('partial results', () => {
	test('the newest output/*.partial.json, checked against the schema', async () => {
		const reader = new SnapshotReader(workspace, manifest);
		write('output/analysis.partial.json', '{"state_machines": [{"entity": 7}]}');
		const invalid = await readChecked(reader);
		expect(invalid.partial).toMatchObject({file: 'output/analysis.partial.json', lines: pretty({state_machines: [{entity: 7}]}), valid: false});
		expect(invalid.partial!.errors).toEqual([{pointer: '/state_machines/0/entity', message: 'must be string'}]);

		write('output/analysis.partial.json', '{}');
		const missing = await readChecked(reader);
		expect(missing.partial!.valid).toBe(false);
		expect(missing.partial!.errors).toEqual([{pointer: '/state_machines', message: 'missing required field "state_machines"'}]);

		write('output/analysis.partial.json', '{"state_machines": [{"entity": "Ticket"}]}');
		const valid = await readChecked(reader);
		expect(valid.partial).toMatchObject({valid: true, errors: [], lines: pretty({state_machines: [{entity: 'Ticket'}]})});
		expect(valid.state).toBe('running');
	});

	test('a torn partial keeps the last good one', async () => {
		const reader = new SnapshotReader(workspace, manifest);
		write('output/analysis.partial.json', '{"state_machines": []}');
		expect((await readChecked(reader, 1000)).partial!.valid).toBe(true);
		write('output/analysis.partial.json', '{"state_machines": [{"ent');
		const torn = await readChecked(reader, 1100);
		expect(torn.partial).toMatchObject({lines: pretty({state_machines: []}), valid: true});
		expect(torn.problems).toEqual([]);
	});

	test('a partial with thousands of errors keeps the first hundred and the count, which the pane shows', async () => {
		write('output/analysis.partial.json', JSON.stringify({state_machines: Array.from({length: 5000}, () => ({entity: 7}))}));
		const {partial} = await readChecked(new SnapshotReader(workspace, manifest));
		expect(partial).toMatchObject({valid: false, errorCount: 5000});
		expect(partial!.errors).toHaveLength(100);
		expect(partialLines(partial)[0]).toEqual({text: '✗ 5000 schema errors so far', color: 'yellow'});
	});

	test('without a schema, validity is unknown', async () => {
		const other = await createHandoff({baseDirectory: base, task: 'no-schema', inputs: [], command: ['handoff']});
		fs.writeFileSync(path.join(other.workspace, 'output/result.partial.json'), '[1, 2]');
		const snapshot = await readChecked(new SnapshotReader(other.workspace, other.manifest));
		expect(snapshot.partial).toMatchObject({file: 'output/result.partial.json', lines: pretty([1, 2]), valid: undefined, errors: []});
	});
});

describe('signals and state', () => {
	test('a fresh workspace is not started; status, claim, questions and signals move it along', async () => {
		const reader = new SnapshotReader(workspace, manifest);
		expect((await reader.read()).state).toBe('not-started');
		write(layout.lock, `${process.pid}\n`);
		write(layout.status, 'RUNNING\n');
		const running = await reader.read();
		expect(running).toMatchObject({state: 'running', status: 'RUNNING', signals: {lock: true, done: false, error: false}, claim: {pid: process.pid, stale: false}});
		expect(running.problems).toEqual([]);

		write(layout.questions, JSON.stringify({questions: [{id: 'q1', text: 'A?'}, {id: 'q2', text: 'B?'}]}));
		write(layout.answers, JSON.stringify({answers: [{id: 'q1', answer: 'Yes'}]}));
		const waiting = await reader.read();
		expect(waiting.state).toBe('waiting');
		expect(waiting.pendingQuestions).toBe(1);
		expect(waiting.questions.map(question => [question.id, question.answer?.answer])).toEqual([['q2', undefined], ['q1', 'Yes']]);

		write(layout.error, 'Could not parse SPEC.md\n');
		write(layout.done, '');
		const both = await reader.read();
		expect(both.state).toBe('failed');
		expect(both.errorMessage).toBe('Could not parse SPEC.md');
		expect(both.inconsistencies).toEqual([expect.stringContaining('both present')]);
	});

	test('a claim by a process that is gone is reported as stale', async () => {
		write(layout.lock, `${deadPid()}\n`);
		const snapshot = await new SnapshotReader(workspace, manifest).read();
		expect(snapshot.claim?.stale).toBe(true);
		expect(snapshot.problems).toEqual([{file: '.lock', message: expect.stringContaining('stale')}]);
	});

	test('options.timeoutSeconds sets the deadline from the manifest\'s created_at', async () => {
		const reader = new SnapshotReader(workspace, manifest, {timeoutSeconds: 60});
		const createdAt = Date.parse(manifest.createdAt!);
		const before = await reader.read(createdAt + 59_000);
		expect(before.deadline).toBe(createdAt + 60_000);
		expect(before.state).toBe('not-started');
		expect((await reader.read(createdAt + 60_000)).state).toBe('timed-out');
	});

	test('stalled after stallAfterMs without file activity', async () => {
		const reader = new SnapshotReader(workspace, manifest, {stallAfterMs: 5000});
		write(layout.progress, '[2025-11-21 23:30:05] working\n');
		const {lastActivityAt} = await reader.read();
		expect((await reader.read(lastActivityAt! + 4999)).state).toBe('running');
		expect((await reader.read(lastActivityAt! + 5000)).state).toBe('stalled');
	});
});
