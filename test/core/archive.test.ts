import {fork} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {beforeEach, describe, expect, test} from 'vitest';
import {archiveIndexName, archiveWorkspace, finishInterruptedArchive, readRecordedArchive, readVerifiedIndex, type ArchiveIndex} from '../../source/core/archive.js';
import {createHandoff} from '../../source/core/create.js';
import type {Manifest} from '../../source/core/manifest.js';
import {layout} from '../../source/core/paths.js';
import {readProducerRecord, sha256Hex, updateProducerRecord} from '../../source/core/producer-record.js';
import {producerStateDirectory} from '../../source/core/producer-state.js';
import {archiveDirectoryFor} from '../../source/core/workspace.js';
import {mkfifo, modeOf, regularFiles, settlesWithin, sha256, useTempDirectories} from './helpers.js';

const temporaryDirectory = useTempDirectories();
const swapperScript = fileURLToPath(new URL('../fixtures/swapper.mjs', import.meta.url));
let base: string;
let workspace: string;
let manifest: Manifest;
let archivePath: string;

/** A finished hand-off: a result, a nested output, metadata, progress, Q&A, status and .done. */
beforeEach(async () => {
	base = await temporaryDirectory();
	({workspace, manifest} = await createHandoff({
		baseDirectory: base,
		task: 'archive-me',
		inputs: [{name: 'spec', file: 'SPEC.md', content: '# Spec\nTicket.status: open -> closed\n'}],
		schemaText: '{"type": "object"}',
		resultPath: 'output/analysis.json',
		command: [process.execPath, 'dist/cli.js'],
	}));
	archivePath = path.join(base, 'results', path.basename(workspace));
	fs.mkdirSync(path.join(workspace, 'output/build/deep'), {recursive: true});
	write('output/analysis.json', '{"state_machines": [{"entity": "Ticket"}]}');
	write('output/analysis.partial.json', '{"state_machines": []}');
	write('output/build/deep/app.dsl', 'app Ticket {}\n');
	write('output/metadata.json', JSON.stringify({status: 'complete', errors: []}));
	write(layout.progress, '[2025-11-21 23:30:05] Starting analysis...\n[2025-11-21 23:30:47] Complete!\n');
	write(layout.questions, JSON.stringify({questions: [{id: 'q1', text: 'Edit profiles?', options: ['Yes', 'No']}]}));
	write(layout.answers, JSON.stringify({answers: [{id: 'q1', answer: 'Yes'}]}));
	write(layout.rejection, '# Result rejected\n');
	write(layout.status, 'COMPLETE\n');
	write(layout.done, '');
});

function write(relativePath: string, content: string): void {
	fs.writeFileSync(path.join(workspace, relativePath), content);
}

/** What must be in the archive: every file of the workspace but the producer's own inputs. */
const record = (): Record<string, string> => {
	const files = regularFiles(workspace);
	delete files['input/SPEC.md'];
	return files;
};

const archivedRecord = (): Record<string, string> => {
	const files = regularFiles(archivePath);
	delete files[archiveIndexName];
	return files;
};

const readIndex = (): ArchiveIndex => JSON.parse(fs.readFileSync(path.join(archivePath, archiveIndexName), 'utf8')) as ArchiveIndex;

describe('archiveWorkspace', () => {
	test('copies output/**, the manifest, answers, progress and signals with their sha256, then removes the workspace', async () => {
		const expected = record();
		expect(Object.keys(expected)).toEqual(expect.arrayContaining([
			'output/analysis.json',
			'output/analysis.partial.json',
			'output/build/deep/app.dsl',
			'output/metadata.json',
			'input/manifest.json',
			'input/instructions.md',
			'input/schema.json',
			'shared/status.txt',
			'shared/progress.txt',
			'shared/questions.json',
			'shared/answers.json',
			'shared/rejection.md',
			'.done',
		]));
		const result = await archiveWorkspace(workspace, manifest);
		expect(result.archivePath).toBe(archivePath);
		expect(fs.existsSync(workspace)).toBe(false);
		expect(archivedRecord()).toEqual(expected);

		const index = readIndex();
		expect(result.index).toEqual(index);
		expect(index).toMatchObject({workspace, task: 'archive-me', skipped: []});
		expect(Number.isNaN(Date.parse(index.archived_at))).toBe(false);
		expect(index.files.map(file => file.path).sort()).toEqual(Object.keys(expected).sort());
		for (const file of index.files) {
			expect(file.sha256, file.path).toBe(sha256(expected[file.path]!));
			expect(file.size, file.path).toBe(Buffer.byteLength(expected[file.path]!));
			expect(modeOf(path.join(archivePath, file.path)), file.path).toBe(0o600);
		}

		expect(modeOf(archivePath)).toBe(0o700);
		expect(await readVerifiedIndex(archivePath)).toEqual(index);
		expect(fs.existsSync(`${archivePath}.partial`)).toBe(false);
	});

	test('keep leaves the workspace exactly as it was', async () => {
		const before = regularFiles(workspace);
		await archiveWorkspace(workspace, manifest, {keep: true});
		expect(regularFiles(workspace)).toEqual(before);
		expect(archivedRecord()).toEqual(record());
		// The producer record holds the archive (so a later run may reuse it), and no removal is flagged.
		const producerRecord = await readProducerRecord(workspace);
		expect(producerRecord?.archive).toEqual({path: archivePath, index_sha256: sha256Hex(fs.readFileSync(path.join(archivePath, archiveIndexName)))});
		expect(producerRecord?.removing).toBeUndefined();
	});

	test('resultsDirectory puts the archive elsewhere; the seed\'s layout archives next to llm_handoff', async () => {
		const results = path.join(base, 'elsewhere');
		const {archivePath: elsewhere} = await archiveWorkspace(workspace, manifest, {resultsDirectory: results, keep: true});
		expect(elsewhere).toBe(path.join(results, path.basename(workspace)));
		expect(fs.existsSync(path.join(elsewhere, archiveIndexName))).toBe(true);
		expect(archiveDirectoryFor('/home/u/.dazzle/llm_handoff/spec_analysis_20251121_233000_42')).toBe('/home/u/.dazzle/results/spec_analysis_20251121_233000_42');
	});

	test('symlinks and FIFOs in output/ are never archived, only listed in skipped; what they point at is left alone', async () => {
		const secretFolder = path.join(base, 'secret-folder');
		fs.mkdirSync(secretFolder);
		fs.writeFileSync(path.join(secretFolder, 'key.txt'), 'SECRET-IN-FOLDER');
		fs.writeFileSync(path.join(base, 'secret.txt'), 'SECRET-FILE');
		fs.symlinkSync(path.join(base, 'secret.txt'), path.join(workspace, 'output/leak.txt'));
		fs.symlinkSync(path.join(base, 'secret.txt'), path.join(workspace, 'output/build/deep/leak.txt'));
		fs.symlinkSync(secretFolder, path.join(workspace, 'output/linked-folder'));
		fs.symlinkSync('/nonexistent', path.join(workspace, 'output/dangling'));
		mkfifo(path.join(workspace, 'output/pipe'));
		mkfifo(path.join(workspace, 'output/build/pipe'));
		const expected = record();

		const {index} = await settlesWithin(archiveWorkspace(workspace, manifest), 5000, 'archiving a workspace with FIFOs');
		expect([...index.skipped].sort()).toEqual(['output/build/deep/leak.txt', 'output/build/pipe', 'output/dangling', 'output/leak.txt', 'output/linked-folder', 'output/pipe']);
		expect(archivedRecord()).toEqual(expected);
		const everything = fs.readdirSync(archivePath, {recursive: true}).map(String);
		for (const name of ['output/leak.txt', 'output/linked-folder', 'output/pipe', 'output/dangling', 'output/build/pipe']) {
			expect(everything).not.toContain(name);
		}

		expect(JSON.stringify(Object.values(regularFiles(archivePath)))).not.toContain('SECRET');
		// Removing the workspace removed the links, not their targets.
		expect(fs.existsSync(workspace)).toBe(false);
		expect(fs.readFileSync(path.join(base, 'secret.txt'), 'utf8')).toBe('SECRET-FILE');
		expect(fs.readFileSync(path.join(secretFolder, 'key.txt'), 'utf8')).toBe('SECRET-IN-FOLDER');
	});

	test('a symlink at the declared result path is skipped, and listed once', async () => {
		fs.writeFileSync(path.join(base, 'secret.json'), '{"secret": true}');
		fs.rmSync(path.join(workspace, 'output/analysis.json'));
		fs.symlinkSync(path.join(base, 'secret.json'), path.join(workspace, 'output/analysis.json'));
		const {index} = await archiveWorkspace(workspace, manifest, {keep: true});
		expect(index.skipped).toEqual(['output/analysis.json']);
		expect(fs.existsSync(path.join(archivePath, 'output/analysis.json'))).toBe(false);
	});

	test('a symlinked shared/ is not archived through', async () => {
		const elsewhere = path.join(base, 'elsewhere');
		fs.mkdirSync(elsewhere);
		fs.writeFileSync(path.join(elsewhere, 'progress.txt'), 'SECRET\n');
		fs.rmSync(path.join(workspace, 'shared'), {recursive: true});
		fs.symlinkSync(elsewhere, path.join(workspace, 'shared'));
		const {index} = await archiveWorkspace(workspace, manifest);
		expect(index.files.map(file => file.path).filter(file => file.startsWith('shared/'))).toEqual([]);
		expect(index.skipped).toContain('shared/progress.txt');
		expect(fs.readFileSync(path.join(elsewhere, 'progress.txt'), 'utf8')).toBe('SECRET\n');
	});

	test('an existing results folder that is not a complete archive is refused, and nothing is removed', async () => {
		fs.mkdirSync(archivePath, {recursive: true});
		fs.writeFileSync(path.join(archivePath, 'mine.txt'), 'keep');
		const before = regularFiles(workspace);
		await expect(archiveWorkspace(workspace, manifest)).rejects.toThrow(`${archivePath}: exists but is not a complete archive`);
		expect(regularFiles(workspace)).toEqual(before);
		expect(regularFiles(archivePath)).toEqual({'mine.txt': 'keep'});
	});

	test('a tampered archive is not trusted: it is refused and the workspace kept', async () => {
		await archiveWorkspace(workspace, manifest, {keep: true});
		fs.writeFileSync(path.join(archivePath, 'output/analysis.json'), '{"state_machines": "tampered"}');
		expect(await readVerifiedIndex(archivePath)).toBeUndefined();
		await expect(archiveWorkspace(workspace, manifest)).rejects.toThrow('not a complete archive');
		expect(fs.existsSync(path.join(workspace, 'output/analysis.json'))).toBe(true);
		// A missing file counts as tampering too.
		fs.writeFileSync(path.join(archivePath, 'output/analysis.json'), '{"state_machines": [{"entity": "Ticket"}]}');
		expect(await readVerifiedIndex(archivePath)).toBeDefined();
		fs.rmSync(path.join(archivePath, 'shared/answers.json'));
		expect(await readVerifiedIndex(archivePath)).toBeUndefined();
	});
});

describe('archive interrupted and resumed', () => {
	test('(a) a crash after the staging copy: the half-written <archive>.partial is redone', async () => {
		const expected = record();
		// What a crash mid-copy leaves: a staging folder with some files, one of them cut short, and no index.
		const staging = `${archivePath}.partial`;
		fs.mkdirSync(path.join(staging, 'output/build'), {recursive: true});
		fs.mkdirSync(path.join(staging, 'shared'));
		fs.writeFileSync(path.join(staging, 'output/analysis.json'), '{"state_machines": [{"ent');
		fs.writeFileSync(path.join(staging, 'shared/answers.json'), expected['shared/answers.json']!);
		fs.writeFileSync(path.join(staging, 'output/stale-leftover.json'), '{}');
		await archiveWorkspace(workspace, manifest);
		expect(fs.existsSync(staging)).toBe(false);
		expect(fs.existsSync(workspace)).toBe(false);
		expect(archivedRecord()).toEqual(expected);
		expect(await readVerifiedIndex(archivePath)).toBeDefined();
	});

	test('(a) a crash after a complete staging copy, just before its rename, is redone too', async () => {
		const expected = record();
		await archiveWorkspace(workspace, manifest, {keep: true});
		fs.renameSync(archivePath, `${archivePath}.partial`);
		await archiveWorkspace(workspace, manifest);
		expect(fs.existsSync(`${archivePath}.partial`)).toBe(false);
		expect(archivedRecord()).toEqual(expected);
		expect(fs.existsSync(workspace)).toBe(false);
	});

	test('(b) a crash after the rename, before the removal: the verified archive is reused and the workspace removed', async () => {
		const expected = record();
		const first = await archiveWorkspace(workspace, manifest, {keep: true});
		// The workspace changes meanwhile; the finished archive is what counts and is not rewritten.
		const indexText = fs.readFileSync(path.join(archivePath, archiveIndexName), 'utf8');
		const second = await archiveWorkspace(workspace, manifest);
		expect(second.index).toEqual(first.index);
		expect(fs.readFileSync(path.join(archivePath, archiveIndexName), 'utf8')).toBe(indexText);
		expect(fs.existsSync(workspace)).toBe(false);
		expect(archivedRecord()).toEqual(expected);
	});

	test('(c) a crash mid-removal: finishInterruptedArchive completes it from the producer record, and nothing is lost', async () => {
		const expected = record();
		const {archivePath: archived} = await archiveWorkspace(workspace, manifest, {keep: true});
		// What a removal cut short leaves: the removal flagged in the record, the workspace moved aside and partly walked.
		await updateProducerRecord(workspace, current => ({...current, removing: true}));
		const moved = path.join(path.dirname(workspace), `.${path.basename(workspace)}.removing-0123456789abcdef`);
		fs.renameSync(workspace, moved);
		fs.rmSync(path.join(moved, 'output'), {recursive: true});
		fs.rmSync(path.join(moved, layout.progress));
		expect(await finishInterruptedArchive(workspace)).toBe(archived);
		expect(fs.existsSync(moved)).toBe(false);
		expect(fs.existsSync(workspace)).toBe(false);
		expect(fs.existsSync(producerStateDirectory(workspace))).toBe(false);
		expect(archivedRecord()).toEqual(expected);
		expect(await readVerifiedIndex(archived)).toBeDefined();
		// Nothing left to finish.
		expect(await finishInterruptedArchive(workspace)).toBeUndefined();
	});

	test('(c) a crash after the removal was flagged, before the workspace moved: the next run removes it', async () => {
		const expected = record();
		await archiveWorkspace(workspace, manifest, {keep: true});
		await updateProducerRecord(workspace, current => ({...current, removing: true}));
		expect(await finishInterruptedArchive(workspace)).toBe(archivePath);
		expect(fs.existsSync(workspace)).toBe(false);
		expect(archivedRecord()).toEqual(expected);
	});

	test('finishInterruptedArchive removes nothing unless the record flags a removal and holds an intact archive', async () => {
		expect(await finishInterruptedArchive(workspace)).toBeUndefined();
		expect(fs.existsSync(path.join(workspace, 'output/analysis.json'))).toBe(true);

		// Archived with --keep: no removal flagged, nothing removed.
		await archiveWorkspace(workspace, manifest, {keep: true});
		expect(await finishInterruptedArchive(workspace)).toBeUndefined();

		await updateProducerRecord(workspace, current => ({...current, removing: true}));
		fs.writeFileSync(path.join(archivePath, 'output/analysis.json'), 'tampered');
		const before = regularFiles(workspace);
		expect(await finishInterruptedArchive(workspace)).toBeUndefined();
		expect(regularFiles(workspace)).toEqual(before);
	});
});

describe('what the consumer writes is not believed', () => {
	test('a forged .handoff-archived marker and output/fake/archive.json finish nothing and remove nothing', async () => {
		fs.mkdirSync(path.join(workspace, 'output/fake'));
		write('output/fake/archive.json', '{"files": []}');
		write('.handoff-archived', JSON.stringify({archive: path.join(workspace, 'output/fake')}));
		const before = regularFiles(workspace);
		expect(await finishInterruptedArchive(workspace)).toBeUndefined();
		expect(regularFiles(workspace)).toEqual(before);
	});

	test('an archive someone planted at the archive path is refused, not reused', async () => {
		fs.mkdirSync(archivePath, {recursive: true});
		fs.writeFileSync(path.join(archivePath, archiveIndexName), JSON.stringify({workspace, task: 'archive-me', archived_at: '2025-01-01T00:00:00Z', files: [], skipped: []}));
		// Self-consistent (no file fails to verify), but the record does not hold it.
		expect(await readVerifiedIndex(archivePath)).toBeDefined();
		const before = regularFiles(workspace);
		await expect(archiveWorkspace(workspace, manifest)).rejects.toThrow(`${archivePath}: exists but is not a complete archive`);
		expect(regularFiles(workspace)).toEqual(before);
	});

	test('an archive.json rewritten to list fewer files no longer matches the recorded digest', async () => {
		await archiveWorkspace(workspace, manifest, {keep: true});
		const producerRecord = (await readProducerRecord(workspace))!;
		expect(await readRecordedArchive(producerRecord)).toBeDefined();
		const index = readIndex();
		fs.writeFileSync(path.join(archivePath, archiveIndexName), JSON.stringify({...index, files: []}));
		expect(await readVerifiedIndex(archivePath)).toBeDefined();
		expect(await readRecordedArchive(producerRecord)).toBeUndefined();
		await updateProducerRecord(workspace, current => ({...current, removing: true}));
		expect(await finishInterruptedArchive(workspace)).toBeUndefined();
		expect(fs.existsSync(path.join(workspace, 'output/analysis.json'))).toBe(true);
	});

	test('an archive of another workspace is not believed for this one', async () => {
		await archiveWorkspace(workspace, manifest, {keep: true});
		const producerRecord = (await readProducerRecord(workspace))!;
		expect(await readRecordedArchive({...producerRecord, workspace: `${workspace}-other`})).toBeUndefined();
	});

	test('the manifest and schema are archived as recorded, not as the consumer rewrote them', async () => {
		const manifestText = fs.readFileSync(path.join(workspace, layout.manifest), 'utf8');
		write(layout.schema, '{}');
		write(layout.manifest, manifestText.replace('"max_retries"', '"max_retries_x"').replace('"task": "archive-me"', '"task": "forged"'));
		await archiveWorkspace(workspace, manifest, {keep: true});
		expect(fs.readFileSync(path.join(archivePath, layout.schema), 'utf8')).toBe('{"type": "object"}');
		expect(fs.readFileSync(path.join(archivePath, layout.manifest), 'utf8')).toBe(manifestText);
		expect(await readVerifiedIndex(archivePath)).toBeDefined();
	});
});

describe('archiving while the consumer swaps folders for links', () => {
	test('20 trials: the removal after archiving deletes nothing outside, and the workspace is gone', async () => {
		const outside = path.join(base, 'outside');
		fs.mkdirSync(outside);
		for (let index = 0; index < 20; index++) {
			fs.writeFileSync(path.join(outside, `f${index}`), `outside ${index}`);
		}

		const expected = regularFiles(outside);
		const swapper = fork(swapperScript, [], {stdio: ['ignore', 'ignore', 'inherit', 'ipc']});
		try {
			for (let trial = 0; trial < 20; trial++) {
				({workspace, manifest} = await createHandoff({baseDirectory: base, task: `swap-${trial}`, inputs: [], schemaText: '{}', command: ['handoff']}));
				for (let index = 0; index < 20; index++) {
					write(`shared/f${index}`, 'ours');
					write(`output/f${index}`, 'ours');
				}

				write('output/result.json', '{}');
				const started = new Promise(resolve => {
					swapper.once('message', resolve);
				});
				swapper.send({type: 'start', directory: workspace, outside, folders: ['shared', 'output']});
				await started;
				await archiveWorkspace(workspace, manifest);
				const stopped = new Promise(resolve => {
					swapper.once('message', resolve);
				});
				swapper.send({type: 'stop'});
				await stopped;
				expect(fs.existsSync(workspace), `trial ${trial}`).toBe(false);
				expect(regularFiles(outside), `trial ${trial}`).toEqual(expected);
			}
		} finally {
			swapper.kill('SIGKILL');
		}
	}, 120_000);
});
