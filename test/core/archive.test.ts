import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {afterEach, describe, expect, test} from 'vitest';
import {archiveWorkspace, finishInterruptedArchive, readVerifiedIndex} from '../../source/core/archive.js';
import {createHandoff} from '../../source/core/create.js';
import {acquireProducerHold} from '../../source/core/hold.js';
import {layout} from '../../source/core/paths.js';
import {SnapshotReader, settleMs} from '../../source/core/snapshot-reader.js';
import {makeTempDirectory} from '../helpers/cli.js';

let base: string;
afterEach(() => {
	fs.rmSync(base, {recursive: true, force: true});
});

async function finishedWorkspace() {
	base = makeTempDirectory();
	const created = await createHandoff({
		baseDirectory: base,
		task: 'archive-me',
		inputs: [{name: 'spec', file: 'SPEC.md', content: '# spec'}],
		schemaText: '{"type": "object"}',
		resultPath: 'output/analysis.json',
		command: ['handoff'],
	});
	const {workspace} = created;
	fs.mkdirSync(path.join(workspace, 'output/build'));
	fs.writeFileSync(path.join(workspace, 'output/analysis.json'), '{"ok": true}');
	fs.writeFileSync(path.join(workspace, 'output/build/app.dsl'), 'app {}');
	fs.writeFileSync(path.join(workspace, 'shared/progress.txt'), '[2025-01-01 00:00:00] done\n');
	fs.writeFileSync(path.join(workspace, 'shared/answers.json'), '{"answers": [{"id": "q1", "answer": "Yes"}]}');
	fs.writeFileSync(path.join(workspace, '.done'), '');
	return created;
}

const archiveOf = (workspace: string): string => path.join(base, 'results', path.basename(workspace));
const snapshotOf = (directory: string): Record<string, string> =>
	Object.fromEntries(['output/analysis.json', 'output/build/app.dsl', 'shared/progress.txt', 'shared/answers.json', 'input/manifest.json'].map(file => [file, fs.readFileSync(path.join(directory, file), 'utf8')]));

describe('archive', () => {
	test('copies the record with hashes, then removes the workspace; --keep keeps it', async () => {
		const {workspace, manifest} = await finishedWorkspace();
		const before = snapshotOf(workspace);
		const {archivePath, index} = await archiveWorkspace(workspace, manifest, {keep: true});
		expect(archivePath).toBe(archiveOf(workspace));
		expect(snapshotOf(archivePath)).toEqual(before);
		expect(index.files.map(file => file.path)).toEqual(expect.arrayContaining(['output/analysis.json', 'output/build/app.dsl', 'input/schema.json', '.done']));
		expect(index.files.every(file => /^[\da-f]{64}$/.test(file.sha256))).toBe(true);
		expect(fs.existsSync(workspace)).toBe(true);
		await archiveWorkspace(workspace, manifest);
		expect(fs.existsSync(workspace)).toBe(false);
		expect(snapshotOf(archivePath)).toEqual(before);
	});

	test('symlinks and FIFOs are never archived', async () => {
		const {workspace, manifest} = await finishedWorkspace();
		fs.writeFileSync(path.join(base, 'secret.txt'), 'secret');
		fs.symlinkSync(path.join(base, 'secret.txt'), path.join(workspace, 'output/leak.txt'));
		execFileSync('mkfifo', [path.join(workspace, 'output/pipe')]);
		const {archivePath, index} = await archiveWorkspace(workspace, manifest);
		expect(index.skipped.sort()).toEqual(['output/leak.txt', 'output/pipe']);
		expect(fs.existsSync(path.join(archivePath, 'output/leak.txt'))).toBe(false);
		expect(fs.existsSync(path.join(archivePath, 'output/pipe'))).toBe(false);
	});

	test('a crash during the copy: the half-made copy is redone', async () => {
		const {workspace, manifest} = await finishedWorkspace();
		const staging = `${archiveOf(workspace)}.partial`;
		fs.mkdirSync(path.join(staging, 'output'), {recursive: true});
		fs.writeFileSync(path.join(staging, 'output/analysis.json'), '{"ok": tr');
		const before = snapshotOf(workspace);
		const {archivePath} = await archiveWorkspace(workspace, manifest);
		expect(snapshotOf(archivePath)).toEqual(before);
		expect(fs.existsSync(staging)).toBe(false);
	});

	test('a crash after the copy, before the removal: the verified archive is reused', async () => {
		const {workspace, manifest} = await finishedWorkspace();
		const before = snapshotOf(workspace);
		await archiveWorkspace(workspace, manifest, {keep: true});
		const {archivePath} = await archiveWorkspace(workspace, manifest);
		expect(fs.existsSync(workspace)).toBe(false);
		expect(snapshotOf(archivePath)).toEqual(before);
	});

	test('a crash during the removal: the next run finishes it', async () => {
		const {workspace, manifest} = await finishedWorkspace();
		const before = snapshotOf(workspace);
		const {archivePath} = await archiveWorkspace(workspace, manifest, {keep: true});
		// What removeWorkspace leaves when cut short: the marker written, output/ and shared/ already gone.
		fs.writeFileSync(path.join(workspace, layout.archived), JSON.stringify({archive: archivePath}));
		fs.rmSync(path.join(workspace, 'output'), {recursive: true});
		fs.rmSync(path.join(workspace, 'shared'), {recursive: true});
		expect(await finishInterruptedArchive(workspace)).toBe(archivePath);
		expect(fs.existsSync(workspace)).toBe(false);
		expect(snapshotOf(archivePath)).toEqual(before);
	});

	test('an existing folder that is not a complete archive is left alone', async () => {
		const {workspace, manifest} = await finishedWorkspace();
		fs.mkdirSync(archiveOf(workspace), {recursive: true});
		fs.writeFileSync(path.join(archiveOf(workspace), 'mine.txt'), 'keep');
		await expect(archiveWorkspace(workspace, manifest)).rejects.toThrow('not a complete archive');
		expect(fs.existsSync(workspace)).toBe(true);
		expect(await readVerifiedIndex(archiveOf(workspace))).toBeUndefined();
	});

	test('a tampered archive is not trusted', async () => {
		const {workspace, manifest} = await finishedWorkspace();
		const {archivePath} = await archiveWorkspace(workspace, manifest, {keep: true});
		fs.writeFileSync(path.join(archivePath, 'output/analysis.json'), '{"ok": false}');
		expect(await readVerifiedIndex(archivePath)).toBeUndefined();
	});
});

describe('producer hold', () => {
	test('a live holder is refused, a dead one taken over, release removes it', async () => {
		const {workspace} = await finishedWorkspace();
		const release = await acquireProducerHold(workspace);
		await expect(acquireProducerHold(workspace)).rejects.toThrow('already being watched');
		await release();
		expect(fs.existsSync(path.join(workspace, layout.producerHold))).toBe(false);
		const deadPid = Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {encoding: 'utf8'}));
		fs.writeFileSync(path.join(workspace, layout.producerHold), JSON.stringify({pid: deadPid, host: (await import('node:os')).hostname()}));
		const again = await acquireProducerHold(workspace);
		expect(JSON.parse(fs.readFileSync(path.join(workspace, layout.producerHold), 'utf8')).pid).toBe(process.pid);
		await again();
	});
});

describe('snapshot reader', () => {
	test('a torn questions.json keeps the last good value until it has stayed bad, then names the file', async () => {
		const {workspace, manifest} = await finishedWorkspace();
		fs.rmSync(path.join(workspace, '.done'));
		const reader = new SnapshotReader(workspace, manifest);
		fs.writeFileSync(path.join(workspace, 'shared/questions.json'), '{"questions": [{"id": "q1", "text": "A?"}]}');
		expect((await reader.read(1000)).questions.map(question => question.id)).toEqual(['q1']);
		fs.writeFileSync(path.join(workspace, 'shared/questions.json'), '{"questions": [{"id": "q1", "te');
		const torn = await reader.read(2000);
		expect(torn.questions.map(question => question.id)).toEqual(['q1']);
		expect(torn.problems).toEqual([]);
		expect(reader.unsettled).toBe(true);
		const stillBad = await reader.read(2000 + settleMs);
		expect(stillBad.questions.map(question => question.id)).toEqual(['q1']);
		expect(stillBad.problems).toEqual([{file: 'shared/questions.json', message: expect.stringContaining('is not valid JSON')}]);
	});

	test('a symlinked partial result is reported at once and never followed', async () => {
		const {workspace, manifest} = await finishedWorkspace();
		fs.writeFileSync(path.join(base, 'secret.json'), '{"secret": 1}');
		fs.symlinkSync(path.join(base, 'secret.json'), path.join(workspace, 'output/analysis.partial.json'));
		const snapshot = await new SnapshotReader(workspace, manifest).read();
		expect(snapshot.partial).toBeUndefined();
		expect(snapshot.problems).toEqual([{file: 'output/analysis.partial.json', message: 'is a symlink; refusing to follow it'}]);
	});

	test('a partial result is checked against the schema', async () => {
		const {workspace, manifest} = await finishedWorkspace();
		fs.writeFileSync(path.join(workspace, 'output/analysis.partial.json'), '[1, 2]');
		const snapshot = await new SnapshotReader(workspace, manifest).read();
		expect(snapshot.partial).toMatchObject({file: 'output/analysis.partial.json', value: [1, 2], valid: false});
		expect(snapshot.partial!.errors[0]!.message).toBe('must be object');
	});
});
