import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {describe, expect, test} from 'vitest';
import {holdFilePath} from '../../source/core/hold.js';
import {producerStateDirectory} from '../../source/core/producer-state.js';
import {newWorkspace, runCli, runDetached, startCli, useTempDirectories} from '../helpers/cli.js';
import {deadPid} from '../core/helpers.js';

const project = useTempDirectories();
const write = (workspace: string, relativePath: string, content: string): void => {
	fs.writeFileSync(path.join(workspace, relativePath), content);
};

type ManifestShape = {outputs: Record<string, unknown>; constraints?: Record<string, unknown>; created_at?: string};

const editManifest = (workspace: string, change: (manifest: ManifestShape) => void): void => {
	const file = path.join(workspace, 'input/manifest.json');
	const manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as ManifestShape;
	change(manifest);
	fs.writeFileSync(file, JSON.stringify(manifest));
};

const invalidResult = '{"state_machines": "not an array"}';

describe('a forged archive marker is not believed', () => {
	const forge = (workspace: string): void => {
		fs.mkdirSync(path.join(workspace, 'output/fake'));
		write(workspace, 'output/fake/archive.json', '{"files": []}');
		write(workspace, '.handoff-archived', JSON.stringify({archive: path.join(workspace, 'output/fake')}));
	};

	test('wait does not print complete, exit 0 or remove the workspace', async () => {
		const {workspace} = await newWorkspace([], project());
		forge(workspace);
		// The short timeout ends the watch on its own: a believed marker would have ended it at once with exit 0.
		const result = await runCli(['wait', workspace, '--json', '--timeout', '1']);
		expect(result.stderr).not.toContain('complete');
		expect(result.code).toBe(3);
		expect(JSON.parse(result.stdout)).toMatchObject({state: 'timed-out', exit_code: 3});
		expect(fs.existsSync(path.join(workspace, 'input/manifest.json'))).toBe(true);
		expect(fs.existsSync(path.join(workspace, 'output/fake/archive.json'))).toBe(true);
	});

	test('watch (no terminal) does not either', async () => {
		const {workspace, project: cwd} = await newWorkspace([], project());
		forge(workspace);
		const result = await runDetached(['watch', workspace, '--json', '--timeout', '1'], {cwd});
		expect(result.stderr).not.toContain('complete');
		expect(result.code).toBe(3);
		expect(fs.existsSync(path.join(workspace, 'input/manifest.json'))).toBe(true);
	});
});

describe('the consumer cannot rewrite the contract', () => {
	test('a schema replaced with {}: reported, and the invalid result is refused (exit 1)', async () => {
		const {workspace} = await newWorkspace([], project());
		write(workspace, 'input/schema.json', '{}');
		write(workspace, 'output/analysis.json', invalidResult);
		write(workspace, '.done', '');
		const result = await runCli(['wait', workspace, '--json']);
		expect(result.stderr).toContain('problem: input/schema.json: was changed after the hand-off was set up; the change is refused and handoff keeps using the recorded version');
		expect(result.stderr).toContain('output/analysis.json: /state_machines: must be array');
		expect(result.code).toBe(1);
		expect(JSON.parse(result.stdout)).toMatchObject({state: 'failed', exit_code: 1});
		expect(fs.existsSync(path.join(workspace, 'output/analysis.json'))).toBe(true);
	});

	test('a manifest edited for more retries and another result path: reported and ignored', async () => {
		const {workspace} = await newWorkspace([], project());
		editManifest(workspace, manifest => {
			manifest.constraints = {max_retries: 5};
			manifest.outputs.result = 'output/other.json';
		});
		write(workspace, 'output/other.json', '{}');
		write(workspace, 'output/analysis.json', invalidResult);
		write(workspace, '.done', '');
		const result = await runCli(['wait', workspace, '--json']);
		expect(result.stderr).toContain('problem: input/manifest.json: was changed after the hand-off was set up');
		expect(result.stderr).not.toContain('rejected');
		expect(result.code).toBe(1);
		expect(JSON.parse(result.stdout).errors).toEqual(['output/analysis.json: /state_machines: must be array']);
	});

	test('a manifest edited for a longer timeout: the recorded timeout still ends the hand-off (exit 3)', async () => {
		const {workspace} = await newWorkspace(['--timeout', '2'], project());
		editManifest(workspace, manifest => {
			manifest.constraints = {timeout_seconds: 3600};
			manifest.created_at = new Date(Date.now() + 3_600_000).toISOString();
		});
		const result = await runCli(['wait', workspace, '--json']);
		expect(result.stderr).toContain('problem: input/manifest.json: was changed after the hand-off was set up');
		expect(result.code).toBe(3);
		expect(JSON.parse(result.stdout).errors).toEqual(['no result within 2 s (constraints.timeout_seconds); the workspace is kept']);
	});

	test('deleting shared/rejections.json does not reset the retry budget: the second invalid result fails (exit 1)', async () => {
		const {workspace} = await newWorkspace(['--retries', '1'], project());
		write(workspace, 'output/analysis.json', invalidResult);
		write(workspace, '.done', '');
		const wait = startCli(['wait', workspace, '--json']);
		await wait.waitFor('rejected: the result is invalid; retry 1 of 1');
		// The consumer covers its tracks and tries again with another invalid result.
		fs.rmSync(path.join(workspace, 'shared/rejections.json'));
		write(workspace, 'output/analysis.json', '{}');
		write(workspace, '.done', '');
		const result = await wait.result;
		expect(result.code).toBe(1);
		expect(result.stderr.match(/rejected: the result is invalid/g)).toHaveLength(1);
		expect(JSON.parse(result.stdout).errors).toEqual(['output/analysis.json: /state_machines: missing required field "state_machines"']);
	});
});

describe('the producer hold', () => {
	test('deleting every dot-file in the workspace does not admit a second producer', async () => {
		const {workspace} = await newWorkspace([], project());
		const first = startCli(['wait', workspace]);
		await first.waitFor('state: not started');
		for (const name of fs.readdirSync(workspace).filter(name => name.startsWith('.'))) {
			fs.rmSync(path.join(workspace, name), {recursive: true});
		}

		const second = await runCli(['wait', workspace]);
		expect(second.code).toBe(2);
		expect(second.stderr).toContain(`is already being watched by handoff (pid ${first.child.pid})`);
		first.child.kill('SIGINT');
		expect((await first.result).code).toBe(130);
	});

	const trials = process.env.HANDOFF_SLOW_TESTS === '1' ? 50 : 5;
	test(`${trials} trials of two waits racing for a dead producer's hold: exactly one watches`, async () => {
		const {workspace} = await newWorkspace([], project());
		const dead = deadPid();
		for (let trial = 0; trial < trials; trial++) {
			// Each trial: a hold left by a producer that died, as the last generation.
			fs.writeFileSync(holdFilePath(workspace, 100 + trial * 10), JSON.stringify({pid: dead, host: os.hostname()}));
			const racers = [startCli(['wait', workspace]), startCli(['wait', workspace])];
			const outcomes = await Promise.all(racers.map(async racer => Promise.race([
				racer.waitFor('state: not started', 'stderr', 20_000).then(() => 'watching'),
				racer.result.then(result => `exited ${result.code}: ${result.stderr.trim()}`),
			])));
			expect(outcomes.filter(outcome => outcome === 'watching'), `trial ${trial}: ${outcomes.join(' | ')}`).toHaveLength(1);
			expect(outcomes.find(outcome => outcome !== 'watching')).toMatch(/^exited 2: .*is already being watched by handoff/);
			for (const racer of racers) {
				racer.child.kill('SIGINT');
			}

			await Promise.all(racers.map(async racer => racer.result));
		}

		expect(fs.existsSync(producerStateDirectory(workspace))).toBe(true);
	}, 120_000);
});
