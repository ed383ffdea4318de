import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {describe, expect, test} from 'vitest';
import {producerStateDirectory} from '../../source/core/producer-state.js';
import {mkfifo} from '../core/helpers.js';
import {canMountReadOnly, readOnlyMountPrefix} from '../helpers/faults.js';
import {newWorkspace, runCli, startCli, useTempDirectories, type CliResult} from '../helpers/cli.js';

/**
Faults injected into a watched workspace, each through the real built CLI: every one must end with a clear message, no stack trace, the JSON summary with --json, and the exit code that says what happened.
*/

const project = useTempDirectories();
const injectFault = fileURLToPath(new URL('../fixtures/inject-fault.mjs', import.meta.url));
const valid = JSON.stringify({state_machines: [{entity: 'Ticket'}]});
const invalid = JSON.stringify({state_machines: 'none'});

/** No stack trace and nothing of Node's internals reached the person. */
function expectNoStackTrace(result: Pick<CliResult, 'stdout' | 'stderr'>): void {
	expect(result.stderr).not.toMatch(/^\s+at /m);
	expect(result.stderr).not.toContain('node:internal');
	expect(result.stdout).not.toMatch(/^\s+at /m);
}

/** Exit code, summary on stdout with the same code, and no stack trace; returns the summary. */
function expectCleanEnd(result: CliResult, code: number): {state: string; exit_code: number; errors: string[]; warnings?: string[]; archive?: string} {
	expectNoStackTrace(result);
	expect(result.code, result.stderr).toBe(code);
	const summary = JSON.parse(result.stdout) as {state: string; exit_code: number; errors: string[]};
	expect(summary.exit_code).toBe(code);
	return summary;
}

function signal(workspace: string, result: string): void {
	fs.writeFileSync(path.join(workspace, 'output/analysis.json'), result);
	fs.writeFileSync(path.join(workspace, '.done'), '');
}

/** Who the CLI runs as so that a folder's permissions bind it: root ignores them, so as root it runs as nobody. */
const unprivileged = process.getuid?.() === 0 ? {uid: 65_534, gid: 65_534} : {};
// Skipped where folder permissions bind nobody: root that cannot switch to nobody.
const permissionsBind = ((): boolean => {
	const folder = fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR ?? '/tmp'), 'handoff-perm-probe-'));
	try {
		if (unprivileged.uid !== undefined) {
			fs.chownSync(folder, unprivileged.uid, unprivileged.gid);
		}

		fs.chmodSync(folder, 0o500);
		return spawnSync('sh', ['-c', 'touch "$0/x"', folder], {...unprivileged}).status !== 0;
	} catch {
		return false;
	} finally {
		fs.chmodSync(folder, 0o700);
		fs.rmSync(folder, {recursive: true, force: true});
	}
})();

function chownTree(root: string, uid: number, gid: number): void {
	fs.chownSync(root, uid, gid);
	for (const entry of fs.readdirSync(root, {withFileTypes: true, recursive: true})) {
		fs.lchownSync(path.join(entry.parentPath, entry.name), uid, gid);
	}
}

describe('faults in the workspace end the watch cleanly', () => {
	test('a FIFO as shared/progress.txt does not stop a retry: the rejection is recorded, the repaired result completes', async () => {
		const {workspace} = await newWorkspace(['--retries', '1'], project());
		// The rejection's progress line is appended with O_NONBLOCK, and opening a FIFO with no reader for writing fails (ENXIO).
		mkfifo(path.join(workspace, 'shared/progress.txt'));
		signal(workspace, invalid);
		const wait = startCli(['wait', workspace, '--json']);
		await wait.waitFor('rejected: the result is invalid; retry 1 of 1');
		expect(JSON.parse(fs.readFileSync(path.join(workspace, 'shared/rejections.json'), 'utf8')).rejections).toHaveLength(1);
		signal(workspace, valid);
		const summary = expectCleanEnd(await wait.result, 0);
		expect(summary.state).toBe('complete');
		expect(fs.existsSync(workspace)).toBe(false);
	});

	test.each([
		['/outputs/result', (manifest: any, long: string) => {
			manifest.outputs.result = `output/${long}.json`;
		}],
		['/outputs/schema', (manifest: any, long: string) => {
			manifest.outputs.schema = `input/${long}.json`;
		}],
	])('a manifest path of 300+ characters (%s) is refused naming the field (exit 2), not an ENAMETOOLONG crash', async (pointer, edit) => {
		const {workspace} = await newWorkspace([], project());
		// A workspace another producer made (no producer record yet): its manifest is read as it is. With a record, an edited manifest is refused and the recorded one used (test/cli/producer-record.test.ts).
		fs.rmSync(producerStateDirectory(workspace), {recursive: true});
		const manifestFile = path.join(workspace, 'input/manifest.json');
		const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
		edit(manifest, 'a'.repeat(300));
		fs.writeFileSync(manifestFile, JSON.stringify(manifest));
		signal(workspace, valid);
		const result = await runCli(['wait', workspace, '--json']);
		const summary = expectCleanEnd(result, 2);
		expect(summary.state).toBe('error');
		expect(summary.errors).toEqual([expect.stringContaining(`input/manifest.json: ${pointer}: path "`)]);
		expect(summary.errors[0]).toContain('has a name of 305 bytes; file systems allow 255');
		expect(result.stderr).toContain(`handoff: input/manifest.json: ${pointer}`);
	});

	test('handoff new refuses a --result of 300+ characters with exit 2 and one line', async () => {
		const result = await runCli(['new', '--task', 't', '--result', `output/${'b'.repeat(300)}.json`], {cwd: project()});
		expectNoStackTrace(result);
		expect(result.code).toBe(2);
		expect(result.stderr.trim().split('\n')).toHaveLength(1);
		expect(result.stderr).toContain('has a name of 305 bytes');
	});

	test('a link loop as the result file is an invalid result naming ELOOP (exit 1), not a crash', async () => {
		const {workspace} = await newWorkspace([], project());
		fs.symlinkSync('loop', path.join(workspace, 'output/analysis.json'));
		fs.symlinkSync('analysis.json', path.join(workspace, 'output/loop'));
		fs.writeFileSync(path.join(workspace, '.done'), '');
		const result = await runCli(['wait', workspace, '--json']);
		const summary = expectCleanEnd(result, 1);
		expect(summary.state).toBe('failed');
		expect(summary.errors).toContain('output/analysis.json: cannot be read: too many symbolic links encountered (ELOOP, stat)');
		expect(result.stderr).toContain('handoff: failed; the workspace is kept');
		// The producer marked it failed: the workspace says so to anyone who looks later.
		expect(fs.readFileSync(path.join(workspace, '.error'), 'utf8')).toContain('ELOOP');
	});

	test('shared/ swapped for a link with retries left: failed (exit 1), the rejection could not be sent back, nothing written through the link', async () => {
		const directory = project();
		const {workspace} = await newWorkspace(['--retries', '2'], directory);
		const elsewhere = path.join(directory, 'elsewhere');
		fs.mkdirSync(elsewhere);
		fs.renameSync(path.join(workspace, 'shared'), path.join(directory, 'shared-real'));
		fs.symlinkSync(elsewhere, path.join(workspace, 'shared'));
		signal(workspace, invalid);
		const result = await runCli(['wait', workspace, '--json']);
		const summary = expectCleanEnd(result, 1);
		expect(summary.state).toBe('failed');
		expect(summary.errors).toContain('output/analysis.json: /state_machines: must be array');
		expect(summary.errors).toContainEqual(expect.stringMatching(/^the result could not be sent back for a retry: .*shared: is a symlink; refusing to follow it$/));
		expect(fs.readdirSync(elsewhere)).toEqual([]);
		expect(fs.readFileSync(path.join(workspace, '.error'), 'utf8')).toContain('must be array');
	});

	test('shared/ flipping between a folder and a link while results are validated: every run ends cleanly, never through the link', async () => {
		const trials = process.env.HANDOFF_SLOW_TESTS === '1' ? 40 : 5;
		for (let trial = 0; trial < trials; trial++) {
			const directory = project();
			const {workspace} = await newWorkspace(['--retries', '1', '--timeout', '2'], directory);
			const elsewhere = path.join(directory, 'elsewhere');
			fs.mkdirSync(elsewhere);
			const shared = path.join(workspace, 'shared');
			const real = path.join(directory, 'shared-real');
			signal(workspace, invalid);
			const wait = startCli(['wait', workspace, '--json']);
			let flips = 0;
			const swapper = setInterval(() => {
				try {
					if (fs.lstatSync(shared).isSymbolicLink()) {
						fs.unlinkSync(shared);
						fs.renameSync(real, shared);
					} else {
						fs.renameSync(shared, real);
						fs.symlinkSync(elsewhere, shared);
					}

					flips++;
				} catch {}
			}, 1);
			const result = await wait.result;
			clearInterval(swapper);
			expect(flips).toBeGreaterThan(0);
			// Rejected and then out of time (3), or failed because the rejection could not be written (1): either way a clean end.
			expect([1, 3]).toContain(expectCleanEnd(result, result.code!).exit_code);
			expect(fs.readdirSync(elsewhere)).toEqual([]);
		}
	}, 120_000);

	test('a workspace removed while watched ends the watch: "the workspace was removed", exit 1, summary', async () => {
		const {workspace} = await newWorkspace([], project());
		const wait = startCli(['wait', workspace, '--json']);
		await wait.waitFor('state: not started');
		fs.rmSync(workspace, {recursive: true});
		const summary = expectCleanEnd(await wait.result, 1);
		expect(summary).toMatchObject({state: 'failed', errors: [`the workspace was removed: ${workspace}`]});
		expect(wait.stderr()).toContain('handoff: failed\n');
		expect(wait.stderr()).not.toContain('the workspace is kept');
	});

	test('a workspace renamed while watched ends the watch naming where it went, exit 1; watching it there works', async () => {
		const {workspace} = await newWorkspace([], project());
		const wait = startCli(['wait', workspace, '--json']);
		await wait.waitFor('state: not started');
		fs.renameSync(workspace, `${workspace}-moved`);
		const summary = expectCleanEnd(await wait.result, 1);
		expect(summary).toMatchObject({state: 'failed', errors: [`the workspace was moved or renamed to ${workspace}-moved (it was ${workspace})`]});
		signal(`${workspace}-moved`, valid);
		expect(expectCleanEnd(await runCli(['wait', `${workspace}-moved`, '--json']), 0).state).toBe('complete');
	});

	test.skipIf(!canMountReadOnly)('a read-only shared/ never turns a valid result into a failure: archived, exit 0, the leftover reported', async () => {
		const {workspace} = await newWorkspace([], project());
		signal(workspace, valid);
		const result = await runCli(['wait', workspace, '--json'], {prefix: readOnlyMountPrefix(path.join(workspace, 'shared'))});
		const summary = expectCleanEnd(result, 0);
		expect(summary.state).toBe('complete');
		expect(JSON.parse(fs.readFileSync(path.join(summary.archive!, 'output/analysis.json'), 'utf8'))).toEqual(JSON.parse(valid));
		// Removing the workspace needs shared/ to be writable; the record is safe, so that is a warning, not a failure.
		// EBUSY where shared/ is itself the mount point (as in this test), EROFS for the files of a read-only file system.
		expect(summary.warnings).toEqual([expect.stringMatching(/^archived, but the workspace could not be removed: shared.*\((EROFS|EBUSY), /)]);
		expect(result.stderr).toContain('  archived, but the workspace could not be removed');
	});

	test.skipIf(!canMountReadOnly)('a read-only file system: exit 1 with the file and EROFS named, and the summary', async () => {
		const {workspace} = await newWorkspace([], project());
		signal(workspace, valid);
		const result = await runCli(['wait', workspace, '--json'], {prefix: readOnlyMountPrefix(workspace)});
		const summary = expectCleanEnd(result, 1);
		expect(summary.errors.join('\n')).toMatch(/read-only file system \(EROFS, /);
		// The file named is the one being written, not its temp file or the handle it was written through.
		expect(summary.errors.join('\n')).not.toMatch(/\.tmp|\/proc\/self\/fd/);
		expect(result.stderr).toMatch(/^handoff: failed; the workspace is kept/m);
		expect(result.stderr).toMatch(/read-only file system \(EROFS, /);
		// Nothing happened to the record: it is all still there for a second try.
		expect(fs.readFileSync(path.join(workspace, 'output/analysis.json'), 'utf8')).toBe(valid);
	});

	test.skipIf(!permissionsBind)('handoff answer on a shared/ it may not write: one line naming EACCES, exit 1', async () => {
		const directory = project();
		const {workspace} = await newWorkspace([], directory);
		expect((await runCli(['ask', 'Yes or no?', '--option', 'Yes', '--option', 'No', '--workspace', workspace])).code).toBe(0);
		if (unprivileged.uid !== undefined) {
			chownTree(directory, unprivileged.uid, unprivileged.gid);
		}

		fs.chmodSync(path.join(workspace, 'shared'), 0o500);
		const result = await runCli(['answer', workspace, 'q1', '1'], unprivileged);
		fs.chmodSync(path.join(workspace, 'shared'), 0o700);
		expectNoStackTrace(result);
		expect(result.code).toBe(1);
		expect(result.stderr).toMatch(/^handoff: \/.*shared\/.*: permission denied \(EACCES, open\)\n$/);
	});

	test.skipIf(!permissionsBind)('a consumer file the watcher may not read is a problem it reports, not the end of the watch', async () => {
		const directory = project();
		const {workspace} = await newWorkspace([], directory);
		expect((await runCli(['ask', 'Yes or no?', '--workspace', workspace])).code).toBe(0);
		if (unprivileged.uid !== undefined) {
			chownTree(directory, unprivileged.uid, unprivileged.gid);
		}

		fs.chmodSync(path.join(workspace, 'shared/questions.json'), 0o000);
		const wait = startCli(['wait', workspace, '--json'], unprivileged);
		await wait.waitFor('problem: shared/questions.json: cannot be read: permission denied (EACCES, open)');
		signal(workspace, valid);
		const summary = expectCleanEnd(await wait.result, 0);
		expect(summary.state).toBe('complete');
		// Archived without it, and the archive says so.
		expect(JSON.parse(fs.readFileSync(path.join(summary.archive!, 'archive.json'), 'utf8')).skipped).toEqual(['shared/questions.json']);
	});

	test.skipIf(!permissionsBind)('read-only workspace folders (permissions): a valid result is not lost; exit 1 names EACCES, with the summary', async () => {
		const directory = project();
		const {workspace} = await newWorkspace([], directory);
		signal(workspace, valid);
		if (unprivileged.uid !== undefined) {
			chownTree(directory, unprivileged.uid, unprivileged.gid);
		}

		for (const folder of ['', 'output', 'shared']) {
			fs.chmodSync(path.join(workspace, folder), 0o500);
		}

		const result = await runCli(['wait', workspace, '--json'], unprivileged);
		for (const folder of ['', 'output', 'shared']) {
			fs.chmodSync(path.join(workspace, folder), 0o700);
		}

		const summary = expectCleanEnd(result, 1);
		expect(summary.errors.join('\n')).toContain('permission denied (EACCES');
		expect(fs.readFileSync(path.join(workspace, 'output/analysis.json'), 'utf8')).toBe(valid);
	});
});

describe('every end has its summary', () => {
	test.each([['wait'], ['watch']])('%s --json on a folder that is no workspace: exit 2, one line, and the summary', async command => {
		const missing = path.join(project(), 'no-such-workspace');
		const result = await runCli([command, missing, '--json']);
		const summary = expectCleanEnd(result, 2);
		expect(summary).toMatchObject({state: 'error', errors: [`${missing}: does not exist`]});
		expect(result.stderr).toBe(`handoff: ${missing}: does not exist\n`);
	});

	test('a second watcher of a held workspace: exit 2 with the holder named, and the summary', async () => {
		const {workspace} = await newWorkspace([], project());
		const first = startCli(['wait', workspace]);
		await first.waitFor('state: not started');
		const second = await runCli(['wait', workspace, '--json']);
		expect(expectCleanEnd(second, 2).errors).toEqual([expect.stringContaining(`is already being watched by handoff (pid ${first.child.pid})`)]);
		first.child.kill('SIGINT');
		expect((await first.result).code).toBe(130);
	});
});

describe('internal errors', () => {
	test('a bug met while watching ends with exit 70, one line naming it, the summary, and no stack unless HANDOFF_DEBUG=1', async () => {
		const {workspace} = await newWorkspace([], project());
		const environment = {NODE_OPTIONS: `--import ${injectFault}`, HANDOFF_TEST_FAULT: 'readdir:/shared'};
		const result = await runCli(['wait', workspace, '--json'], {env: environment});
		const summary = expectCleanEnd(result, 70);
		expect(summary).toMatchObject({state: 'error', errors: ['internal error: TypeError: injected fault: Cannot read properties of undefined']});
		expect(result.stderr).toContain('this is a bug in handoff (HANDOFF_DEBUG=1 shows where)');
		// Left as it was: an internal error is no verdict on the hand-off.
		expect(fs.existsSync(path.join(workspace, '.error'))).toBe(false);

		const debug = await runCli(['wait', workspace, '--json'], {env: {...environment, HANDOFF_DEBUG: '1'}});
		expect(debug.code).toBe(70);
		expect(debug.stderr).toMatch(/^TypeError: injected fault.*\n\s+at /m);
	});

	test('a rejection nobody handled ends with exit 70 and one line, not Node\'s crash report', async () => {
		const {workspace} = await newWorkspace([], project());
		const result = await runCli(['wait', workspace], {env: {NODE_OPTIONS: `--import ${injectFault}`, HANDOFF_TEST_FAULT: 'reject:300'}});
		expectNoStackTrace(result);
		expect(result.code).toBe(70);
		expect(result.stderr).toContain('handoff: internal error: RangeError: injected unhandled rejection; this is a bug in handoff');
	});

	test('an error in a one-shot command that is not ours prints one line and exits 70', async () => {
		const {workspace} = await newWorkspace([], project());
		expect((await runCli(['ask', 'Yes or no?', '--workspace', workspace])).code).toBe(0);
		const result = await runCli(['answer', workspace, 'q1', 'yes'], {env: {NODE_OPTIONS: `--import ${injectFault}`, HANDOFF_TEST_FAULT: 'lstat:/shared/questions.json'}});
		expectNoStackTrace(result);
		expect(result.code).toBe(70);
		expect(result.stderr).toBe('handoff: internal error: TypeError: injected fault: Cannot read properties of undefined; this is a bug in handoff (HANDOFF_DEBUG=1 shows where)\n');
	});
});

describe('polling', () => {
	test('the watch notices a removal within the clock tick even with no file event (--poll)', async () => {
		const {workspace} = await newWorkspace([], project());
		const wait = startCli(['wait', workspace, '--json', '--poll']);
		await wait.waitFor('state: not started');
		const removedAt = Date.now();
		fs.rmSync(workspace, {recursive: true});
		const result = await wait.result;
		expect(expectCleanEnd(result, 1).errors).toEqual([`the workspace was removed: ${workspace}`]);
		expect(Date.now() - removedAt).toBeLessThan(5000);
	});

	test('a progress line and a question arrive through the polling watcher (--poll, no inotify)', async () => {
		const {workspace} = await newWorkspace([], project());
		const wait = startCli(['wait', workspace, '--json', '--poll']);
		await wait.waitFor('state: not started');
		expect((await runCli(['progress', 'Polled in', '--workspace', workspace])).code).toBe(0);
		await wait.waitFor('Polled in');
		expect((await runCli(['ask', 'Polled too?', '--workspace', workspace])).code).toBe(0);
		await wait.waitFor('Polled too?');
		wait.child.kill('SIGTERM');
		expect((await wait.result).code).toBe(143);
	});
});
