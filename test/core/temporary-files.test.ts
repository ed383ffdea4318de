import fs from 'node:fs';
import path from 'node:path';
import {beforeEach, describe, expect, test} from 'vitest';
import {archiveWorkspace} from '../../source/core/archive.js';
import type {Manifest} from '../../source/core/manifest.js';
import {layout} from '../../source/core/paths.js';
import {ensureProducerStateDirectory} from '../../source/core/producer-state.js';
import {HandoffSession} from '../../source/core/session.js';
import {removeStaleTemporaryFiles} from '../../source/core/temporary-files.js';
import {deadPid, exited, newTestHandoff, regularFiles, startNode, useTempDirectories} from './helpers.js';

const temporaryDirectory = useTempDirectories();
let base: string;
let workspace: string;
let manifest: Manifest;
beforeEach(async () => {
	base = await temporaryDirectory();
	({workspace, manifest} = await newTestHandoff(base, 'temporary'));
});

const plant = (relativePath: string, content = '', ageMs = 0): string => {
	const file = path.join(workspace, relativePath);
	fs.mkdirSync(path.dirname(file), {recursive: true});
	fs.writeFileSync(file, content);
	if (ageMs > 0) {
		const then = new Date(Date.now() - ageMs);
		fs.utimesSync(file, then, then);
	}

	return file;
};

const exists = (relativePath: string): boolean => {
	try {
		fs.lstatSync(path.join(workspace, relativePath));
		return true;
	} catch {
		return false;
	}
};

describe('removeStaleTemporaryFiles', () => {
	test('removes our temp files whose writer is gone or that are over a minute old, everywhere we write, and nothing else', async () => {
		const dead = deadPid();
		const live = await startNode('setInterval(() => {}, 1000)');
		const stateDirectory = await ensureProducerStateDirectory(workspace);
		const gone = [
			`shared/.answers.json.${dead}.0badcafe.tmp`,
			`shared/.status.txt.${dead}.12345678.tmp`,
			`output/.metadata.json.${dead}.abcdef01.tmp`,
			`output/deep/er/.analysis.partial.json.${dead}.abcdef02.tmp`,
			`input/.manifest.json.${dead}.abcdef03.tmp`,
			`.handoff-producer.${dead}.abcdef04.tmp`,
			`.done.${live.pid}.abcdef05.tmp`,
		];
		for (const [index, relativePath] of gone.entries()) {
			// The last one's writer runs, but the file is two minutes old: a pid reused, or a writer on another host.
			plant(relativePath, index === 1 ? 'half a status' : '', index === gone.length - 1 ? 120_000 : 0);
		}

		fs.writeFileSync(path.join(stateDirectory, `.answers.json.lock.${dead}.abcdef06.tmp`), '');
		const kept = [
			// A live writer's fresh temp file: it is about to be renamed into place.
			`shared/.questions.json.${live.pid}.abcdef07.tmp`,
			// Not our naming: the consumer's own files.
			'output/analysis.json.tmp',
			'shared/.notes.tmp',
			`shared/.x.${dead}.nothex!!.tmp`,
			`shared/.x.${dead}.abcdef08.tmp.keep`,
		];
		for (const relativePath of kept) {
			plant(relativePath);
		}

		// Our naming, but not a regular file: a link to a file outside (whose target must survive), and a folder.
		const outside = path.join(base, 'outside.txt');
		fs.writeFileSync(outside, 'keep me');
		fs.symlinkSync(outside, path.join(workspace, `shared/.link.${dead}.abcdef09.tmp`));
		fs.mkdirSync(path.join(workspace, `output/.folder.${dead}.abcdef0a.tmp`));

		const removed = await removeStaleTemporaryFiles(workspace);
		expect(removed).toEqual([...gone, path.relative(workspace, path.join(stateDirectory, `.answers.json.lock.${dead}.abcdef06.tmp`))].sort());
		for (const relativePath of gone) {
			expect(exists(relativePath), relativePath).toBe(false);
		}

		for (const relativePath of [...kept, `shared/.link.${dead}.abcdef09.tmp`, `output/.folder.${dead}.abcdef0a.tmp`]) {
			expect(exists(relativePath), relativePath).toBe(true);
		}

		expect(fs.readFileSync(outside, 'utf8')).toBe('keep me');
		live.kill('SIGKILL');
		await exited(live);
	});

	test('never goes through a shared/ swapped for a link', async () => {
		const elsewhere = path.join(base, 'elsewhere');
		fs.mkdirSync(elsewhere);
		const victim = path.join(elsewhere, `.important.${deadPid()}.abcdef01.tmp`);
		fs.writeFileSync(victim, 'not ours');
		fs.rmSync(path.join(workspace, 'shared'), {recursive: true});
		fs.symlinkSync(elsewhere, path.join(workspace, 'shared'));
		expect(await removeStaleTemporaryFiles(workspace)).toEqual([]);
		expect(fs.readFileSync(victim, 'utf8')).toBe('not ours');
	});

	test('opening a session removes them', async () => {
		const stale = `shared/.progress.txt.${deadPid()}.0badcafe.tmp`;
		plant(stale);
		const session = await HandoffSession.open(workspace, {resultsDirectory: path.join(base, 'results')});
		try {
			await session.start();
			expect(exists(stale)).toBe(false);
		} finally {
			await session.close();
		}
	});
});

describe('archive', () => {
	test('removing an archived workspace removes its producer state folder too, and leaves the others', async () => {
		plant('output/analysis.json', JSON.stringify({state_machines: []}));
		const state = await ensureProducerStateDirectory(workspace);
		fs.writeFileSync(path.join(state, 'answers.json.lock'), '');
		const other = await ensureProducerStateDirectory(path.join(path.dirname(workspace), 'other'));
		await archiveWorkspace(workspace, manifest, {resultsDirectory: path.join(base, 'results')});
		expect(fs.existsSync(workspace)).toBe(false);
		expect(fs.existsSync(state)).toBe(false);
		expect(fs.existsSync(other)).toBe(true);
	});

	test('temp-named files, ours or the consumer\'s, are never archived', async () => {
		const dead = deadPid();
		plant(layout.metadata, '{}');
		plant('output/analysis.json', JSON.stringify({state_machines: []}));
		plant('output/analysis.json.tmp', 'half a result');
		plant(`output/.analysis.json.${dead}.0badcafe.tmp`, '');
		plant('output/sub/notes.md', 'kept');
		plant('output/sub/notes.md.tmp', 'half');
		const {archivePath, index} = await archiveWorkspace(workspace, manifest, {resultsDirectory: path.join(base, 'results'), keep: true});
		const archived = Object.keys(regularFiles(archivePath));
		expect(archived.filter(name => name.endsWith('.tmp'))).toEqual([]);
		expect(index.files.map(file => file.path).filter(name => name.endsWith('.tmp'))).toEqual([]);
		expect(archived).toEqual(expect.arrayContaining(['output/analysis.json', 'output/metadata.json', 'output/sub/notes.md']));
	});
});
