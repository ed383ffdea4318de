import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {describe, expect, test} from 'vitest';
import {archiveWorkspace} from '../../source/core/archive.js';
import {readManifest} from '../../source/core/manifest.js';
import {currentProducerHold} from '../../source/core/hold.js';
import {updateProducerRecord} from '../../source/core/producer-record.js';
import {newWorkspace, runCli, startCli, useTempDirectories} from '../helpers/cli.js';

const project = useTempDirectories();
const progress = (workspace: string, message: string): void => {
	fs.appendFileSync(path.join(workspace, 'shared/progress.txt'), `[2025-01-01 10:00:00] ${message}\n`);
};

const finish = (workspace: string): void => {
	fs.writeFileSync(path.join(workspace, 'output/analysis.json'), '{"state_machines": []}');
	fs.writeFileSync(path.join(workspace, '.done'), '');
};

/** Starts `wait`, lets it see `text`, then kills it with SIGKILL: no handler runs, nothing is cleaned up. */
async function killWatcherAfter(workspace: string, text: string): Promise<void> {
	const wait = startCli(['wait', workspace]);
	await wait.waitFor(text);
	wait.child.kill('SIGKILL');
	const result = await wait.result;
	expect(result.signal).toBe('SIGKILL');
	// The producer's hold is left behind, as after any crash.
	expect(await currentProducerHold(workspace)).toMatchObject({pid: wait.child.pid});
	expect((await currentProducerHold(workspace))?.released).toBeUndefined();
}

describe('the watcher killed with SIGKILL, then started again', () => {
	test('before the claim: the next watcher takes over the stale hold and finishes', async () => {
		const {workspace} = await newWorkspace([], project());
		await killWatcherAfter(workspace, 'state: not started');
		await runCli(['claim', '--workspace', workspace]);
		progress(workspace, 'worked while nobody watched');
		finish(workspace);
		const again = await runCli(['wait', workspace, '--json']);
		expect(again.code).toBe(0);
		const {archive} = JSON.parse(again.stdout);
		expect(fs.readFileSync(path.join(archive, 'shared/progress.txt'), 'utf8')).toContain('worked while nobody watched');
	});

	test('during progress: every line is there after the restart, none lost', async () => {
		const {workspace} = await newWorkspace([], project());
		const wait = startCli(['wait', workspace]);
		await wait.waitFor('state: not started');
		progress(workspace, 'line one');
		await wait.waitFor('line one');
		wait.child.kill('SIGKILL');
		await wait.result;
		progress(workspace, 'line two');
		const again = startCli(['wait', workspace]);
		await again.waitFor('line two');
		expect(again.stderr()).toContain('line one');
		progress(workspace, 'line three');
		await again.waitFor('line three');
		finish(workspace);
		expect((await again.result).code).toBe(0);
	});

	test('with a question pending: the next watcher shows it and the answer reaches the consumer', async () => {
		const {workspace} = await newWorkspace([], project());
		const asking = startCli(['ask', 'Keep going?', '--option', 'Yes', '--option', 'No', '--wait', '--workspace', workspace]);
		await killWatcherAfter(workspace, 'question q1: Keep going?');
		const again = startCli(['wait', workspace]);
		await again.waitFor('question q1: Keep going? [1) Yes 2) No]');
		await again.waitFor('state: waiting for an answer');
		await runCli(['answer', workspace, 'q1', '1']);
		expect((await asking.result).stdout.trim()).toBe('Yes');
		finish(workspace);
		expect((await again.result).code).toBe(0);
	});

	test('during the archive, after the copy: the verified copy is reused and the removal finished', async () => {
		const {workspace} = await newWorkspace([], project());
		finish(workspace);
		const {archivePath} = await archiveWorkspace(workspace, await readManifest(workspace), {keep: true});
		// What a removal cut short leaves: the removal flagged in the producer record, the workspace partly removed.
		await updateProducerRecord(workspace, current => ({...current, removing: true}));
		fs.rmSync(path.join(workspace, 'output'), {recursive: true});
		const again = await runCli(['wait', workspace, '--json']);
		expect(again.code).toBe(0);
		expect(JSON.parse(again.stdout).archive).toBe(archivePath);
		expect(fs.existsSync(workspace)).toBe(false);
		expect(JSON.parse(fs.readFileSync(path.join(archivePath, 'output/analysis.json'), 'utf8'))).toEqual({state_machines: []});
	});

	test('during the archive, mid-copy: the half-made copy is redone', async () => {
		const {workspace} = await newWorkspace([], project());
		finish(workspace);
		const staging = path.join(path.dirname(path.dirname(workspace)), 'results', `${path.basename(workspace)}.partial`);
		fs.mkdirSync(path.join(staging, 'output'), {recursive: true});
		fs.writeFileSync(path.join(staging, 'output/analysis.json'), '{"state_');
		const again = await runCli(['wait', workspace, '--json']);
		expect(again.code).toBe(0);
		const {archive} = JSON.parse(again.stdout);
		expect(JSON.parse(fs.readFileSync(path.join(archive, 'output/analysis.json'), 'utf8'))).toEqual({state_machines: []});
		expect(fs.existsSync(staging)).toBe(false);
	});
});

test('a .lock left by a consumer process that is gone is reported as stale; a live one is not', async () => {
	const {workspace} = await newWorkspace([], project());
	const deadPid = Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {encoding: 'utf8'}));
	fs.writeFileSync(path.join(workspace, '.lock'), `${deadPid}\n`);
	const wait = startCli(['wait', workspace]);
	await wait.waitFor(`problem: .lock: stale: the claimant (pid ${deadPid}) is no longer running`);
	wait.child.kill('SIGINT');
	await wait.result;
	fs.writeFileSync(path.join(workspace, '.lock'), `${process.pid}\n`);
	const live = startCli(['wait', workspace]);
	await live.waitFor('state: running');
	live.child.kill('SIGINT');
	expect((await live.result).stderr).not.toContain('stale');
});
