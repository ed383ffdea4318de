import fs from 'node:fs';
import path from 'node:path';
import {expect, test, vi} from 'vitest';
import {acquireProducerHold} from '../../source/core/hold.js';
import {listHandoffs} from '../../source/core/listing.js';
import {producerStateDirectory} from '../../source/core/producer-state.js';
import {prunable, removePrunable} from '../../source/core/prune.js';
import {cliPath, runCli, useTempDirectories, waitUntil} from '../helpers/cli.js';
import {Tmux, hasTmux, useCleanups} from '../helpers/tmux.js';

const tempDirectory = useTempDirectories();
vi.setConfig({testTimeout: 60_000});

const cleanups = useCleanups();

type Workspaces = {failed: string; timedOut: string; canceled: string; running: string; notStarted: string};

/** One workspace in each state, in `directory`/.handoff. */
async function workspacesInEveryState(directory: string): Promise<Workspaces> {
	const make = async (...extra: string[]): Promise<string> => (await runCli(['new', '--task', 't', ...extra], {cwd: directory})).stdout.trim();
	const failed = await make();
	expect((await runCli(['fail', 'the spec is empty', '--workspace', failed])).code).toBe(0);
	const timedOut = await make('--timeout', '1');
	const canceled = await make();
	// What the producer's cancel writes.
	fs.writeFileSync(path.join(canceled, 'shared/status.txt'), 'CANCELED\n');
	const running = await make();
	expect((await runCli(['claim', '--workspace', running])).code).toBe(0);
	const notStarted = await make();
	const base = path.join(directory, '.handoff');
	await waitUntil(async () => (await listHandoffs(base)).find(entry => entry.path === timedOut)?.state === 'timed-out', 10_000, 'the time-out');
	return {failed, timedOut, canceled, running, notStarted};
}

const present = (workspace: string): boolean => fs.existsSync(workspace);

test('ls --prune 0 --ended asks first (--yes without a terminal), then removes failed, timed-out and canceled workspaces and their state, nothing else', async () => {
	const directory = tempDirectory();
	const {failed, timedOut, canceled, running, notStarted} = await workspacesInEveryState(directory);
	const unconfirmed = await runCli(['ls', '--prune', '0', '--ended'], {cwd: directory});
	expect(unconfirmed.code).toBe(2);
	expect(unconfirmed.stderr).toContain('Would delete 3 ended workspaces; add --yes');
	expect([failed, timedOut, canceled].every(workspace => present(workspace))).toBe(true);
	// Without --ended, a prune is about archives only.
	expect((await runCli(['ls', '--prune', '0', '--yes'], {cwd: directory})).stderr).toContain('No archives older than 0 days');
	expect(present(failed)).toBe(true);

	const confirmed = await runCli(['ls', '--prune', '0', '--ended', '--yes'], {cwd: directory});
	expect(confirmed.stderr).toContain('Deleted 3 ended workspaces');
	expect(confirmed.code).toBe(0);
	for (const workspace of [failed, timedOut, canceled]) {
		expect(present(workspace)).toBe(false);
		expect(fs.existsSync(producerStateDirectory(workspace))).toBe(false);
	}

	expect(present(running) && present(notStarted)).toBe(true);
	// Nothing half-removed is left behind.
	expect(fs.readdirSync(path.dirname(failed)).filter(name => name.includes('.removing-'))).toEqual([]);
});

test('a workspace a watcher holds is kept and said; the others go; exit 1', async () => {
	const directory = tempDirectory();
	const {failed, timedOut} = await workspacesInEveryState(directory);
	const release = await acquireProducerHold(failed);
	cleanups.push(() => {
		release().catch(() => undefined);
	});
	const result = await runCli(['ls', '--prune', '0', '--ended', '--yes'], {cwd: directory});
	expect(result.code).toBe(1);
	expect(result.stderr).toMatch(/kept: .*/);
	expect(result.stderr).toContain('Deleted 2 ended workspaces');
	expect(present(failed)).toBe(true);
	expect(present(timedOut)).toBe(false);
});

test('a workspace swapped for a link to another folder after listing is not removed through the link', async () => {
	const directory = tempDirectory();
	const {failed} = await workspacesInEveryState(directory);
	const entries = prunable(await listHandoffs(path.join(directory, '.handoff')), 0, {ended: true});
	const entry = entries.find(candidate => candidate.path === failed)!;
	const outside = path.join(directory, 'outside');
	fs.mkdirSync(path.join(outside, 'output'), {recursive: true});
	fs.writeFileSync(path.join(outside, 'precious.txt'), 'keep me');
	fs.renameSync(failed, path.join(directory, 'moved-away'));
	fs.symlinkSync(outside, failed);
	await expect(removePrunable(entry)).rejects.toThrow();
	expect(fs.readFileSync(path.join(outside, 'precious.txt'), 'utf8')).toBe('keep me');
	// Nor is a workspace that is running again by the time it is removed.
	fs.rmSync(failed);
	fs.renameSync(path.join(directory, 'moved-away'), failed);
	fs.rmSync(path.join(failed, '.error'), {force: true});
	fs.rmSync(path.join(failed, 'output/metadata.json'), {force: true});
	fs.writeFileSync(path.join(failed, 'shared/status.txt'), 'RUNNING\n');
	await expect(removePrunable(entry)).rejects.toThrow(/not ended; it was kept/);
	expect(present(failed)).toBe(true);
});

test.skipIf(!hasTmux)('on a terminal, prune asks: n keeps everything, y removes', async () => {
	const directory = tempDirectory();
	const {failed} = await workspacesInEveryState(directory);
	const tmux = new Tmux();
	cleanups.push(() => {
		tmux.kill();
	});
	const command = `"${process.execPath}" "${cliPath}" ls --prune 0 --ended`;
	tmux.start(`sh -c '${command}; ${command}; sleep 30'`, {cwd: directory});
	await tmux.waitForScreen('Delete 3 ended workspaces? [y/N]');
	tmux.sendKeys('n', 'Enter');
	await tmux.waitForScreen('Nothing deleted');
	expect(present(failed)).toBe(true);
	await waitUntil(() => tmux.screen().split('Delete 3 ended workspaces?').length === 3, 15_000, 'the second question');
	tmux.sendKeys('y', 'Enter');
	await tmux.waitForScreen('Deleted 3 ended workspaces');
	expect(present(failed)).toBe(false);
});
