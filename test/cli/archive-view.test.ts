import {createHash} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {expect, test} from 'vitest';
import {isArchiveFolder} from '../../source/core/archive-record.js';
import {cliPath, newWorkspace, runCli, runDetached, useTempDirectories, waitUntil} from '../helpers/cli.js';
import {Tmux, hasTmux, useCleanups} from '../helpers/tmux.js';

const tempDirectory = useTempDirectories();

const cleanups = useCleanups();

const question = 'Should users edit their own profiles?';

/** A hand-off run to its end through the CLI (progress, a question answered, a valid result), archived by wait. */
async function makeArchive(): Promise<{project: string; archive: string}> {
	const {project, workspace} = await newWorkspace([], tempDirectory());
	const consumer = async (...args: string[]) => runCli([...args, '--workspace', workspace]);
	expect((await consumer('claim', '--tool', 'scripted')).code).toBe(0);
	expect((await consumer('progress', 'Reading the spec')).code).toBe(0);
	expect((await consumer('ask', question, '--option', 'Yes', '--option', 'No', '--id', 'q1')).code).toBe(0);
	expect((await runCli(['answer', workspace, 'q1', '2'])).code).toBe(0);
	fs.writeFileSync(path.join(workspace, 'output/analysis.json'), JSON.stringify({state_machines: [{entity: 'Ticket'}]}));
	expect((await consumer('done')).code).toBe(0);
	const waited = await runCli(['wait', workspace, '--json']);
	expect(waited.code).toBe(0);
	return {project, archive: (JSON.parse(waited.stdout) as {archive: string}).archive};
}

type Entry = {sha256?: string; mtimeMs: number; mode: number};

/** Every entry under `root` (and root's parent's names), with content hashes and times: anything written, created or touched shows. */
function tree(root: string): Record<string, Entry> {
	const entries: Record<string, Entry> = {};
	for (const name of fs.readdirSync(path.dirname(root))) {
		entries[`../${name}`] = {mtimeMs: 0, mode: 0};
	}

	for (const relative of ['.', ...(fs.readdirSync(root, {recursive: true}) as string[])]) {
		const stat = fs.lstatSync(path.join(root, relative));
		entries[relative] = {
			mtimeMs: stat.mtimeMs,
			mode: stat.mode,
			...(stat.isFile() ? {sha256: createHash('sha256').update(fs.readFileSync(path.join(root, relative))).digest('hex')} : {}),
		};
	}

	return entries;
}

/** Every file archive.json lists, byte for byte as it says. */
function expectMatchesIndex(archive: string): void {
	const index = JSON.parse(fs.readFileSync(path.join(archive, 'archive.json'), 'utf8')) as {files: Array<{path: string; sha256: string; size: number}>};
	expect(index.files.map(file => file.path)).toEqual(expect.arrayContaining(['output/metadata.json', 'shared/status.txt', 'output/analysis.json']));
	for (const file of index.files) {
		const bytes = fs.readFileSync(path.join(archive, file.path));
		expect({path: file.path, sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length}).toEqual(file);
	}
}

test('watch on an archive without a terminal prints the record and changes nothing: every file still matches archive.json', async () => {
	const {project, archive} = await makeArchive();
	const before = tree(archive);
	const shown = await runDetached(['watch', archive], {cwd: project});
	expect(shown.code).toBe(0);
	const metadata = JSON.parse(fs.readFileSync(path.join(archive, 'output/metadata.json'), 'utf8')) as {status: string};
	// The state shown is the record's own.
	expect(metadata.status).toBe('complete');
	expect(shown.stderr).toContain(`● ${metadata.status}`);
	expect(shown.stderr).toContain('✓ every file matches archive.json');
	expect(shown.stderr).toContain('── Result · output/analysis.json');
	expect(shown.stderr).toContain('"entity": "Ticket"');
	expect(shown.stderr).toContain(`✓ [q1] ${question} → No`);
	expect(shown.stderr).toContain('Reading the spec');
	expect(shown.stderr).toContain('"status": "complete"');
	expect(shown.stderr).not.toMatch(/not started|running|claimed/);
	expect(JSON.parse(shown.stdout)).toMatchObject({state: 'archived', exit_code: 0, archive, record_state: 'complete', altered: []});
	expect(tree(archive)).toEqual(before);
	expectMatchesIndex(archive);
});

test('a tampered archive is shown with the files that no longer match, exit 1, and is still not written', async () => {
	const {project, archive} = await makeArchive();
	fs.writeFileSync(path.join(archive, 'output/analysis.json'), '{"state_machines": []}');
	fs.rmSync(path.join(archive, 'shared/progress.txt'));
	const before = tree(archive);
	const shown = await runDetached(['watch', archive], {cwd: project});
	expect(shown.code).toBe(1);
	expect(shown.stderr).toContain('! 2 files no longer match archive.json: output/analysis.json, shared/progress.txt');
	expect(shown.stderr).toContain('No progress was reported.');
	expect(tree(archive)).toEqual(before);
});

test.skipIf(!hasTmux)('watch on an archive in a real terminal opens the read-only view; q leaves it and nothing in the archive changed', async () => {
	const {project, archive} = await makeArchive();
	const before = tree(archive);
	const tmux = new Tmux();
	cleanups.push(() => {
		tmux.kill();
	});
	const exitFile = path.join(project, 'exit-code');
	tmux.start(`sh -c '"${process.execPath}" "${cliPath}" watch "${archive}"; echo $? > "${exitFile}"; sleep 30'`, {cwd: project, columns: 80, rows: 24});
	const screen = await tmux.waitForScreen('archive (read only)');
	expect(screen).toContain('● complete');
	expect(screen).toContain('── Result · output/analysis.json');
	expect(screen).toContain('"entity": "Ticket"');
	tmux.sendKeys('PgDn');
	await tmux.waitForScreen(`→ No`);
	tmux.sendKeys('q');
	expect(await waitUntil(() => fs.existsSync(exitFile) && fs.readFileSync(exitFile, 'utf8').trim(), 15_000, 'the exit code')).toBe('0');
	expect(tree(archive)).toEqual(before);
	expectMatchesIndex(archive);
});

test('only a folder with archive.json and no producer record is an archive: one planted in a workspace is not', async () => {
	const {archive} = await makeArchive();
	expect(await isArchiveFolder(archive)).toBe(true);
	const {workspace} = await newWorkspace([], tempDirectory());
	fs.copyFileSync(path.join(archive, 'archive.json'), path.join(workspace, 'archive.json'));
	expect(await isArchiveFolder(workspace)).toBe(false);
	expect(await isArchiveFolder(path.join(archive, 'output'))).toBe(false);
});
