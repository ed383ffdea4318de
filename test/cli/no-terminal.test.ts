import fs from 'node:fs';
import path from 'node:path';
import {spawn} from 'node:child_process';
import {afterEach, expect, test} from 'vitest';
import {childEnvironment, cliPath, makeTempDirectory, newWorkspace} from '../helpers/cli.js';

const temporary: string[] = [];
afterEach(() => {
	for (const directory of temporary.splice(0)) {
		fs.rmSync(directory, {recursive: true, force: true});
	}
});

/** Runs the CLI in a new session (setsid): no controlling terminal, as in CI or a cron job. */
async function runDetached(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
	const child = spawn(process.execPath, [cliPath, ...args], {cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: childEnvironment({CI: 'false', ...env})});
	let stdout = '';
	let stderr = '';
	child.stdout.on('data', chunk => {
		stdout += chunk;
	});
	child.stderr.on('data', chunk => {
		stderr += chunk;
	});
	const code = await new Promise<number | null>(resolve => child.on('close', resolve));
	return {code, stdout, stderr};
}

test('with no terminal at all, watch falls back to plain lines with the same exit codes, never a raw-mode crash', async () => {
	const directory = makeTempDirectory();
	temporary.push(directory);
	const {workspace} = await newWorkspace(['--retries', '0'], directory);
	fs.writeFileSync(path.join(workspace, 'shared/progress.txt'), '[2025-01-01 10:00:00] working\n');
	fs.writeFileSync(path.join(workspace, 'output/analysis.json'), '{"state_machines": []}');
	fs.writeFileSync(path.join(workspace, '.done'), '');
	const result = await runDetached(['watch', workspace], directory);
	expect(result.stderr).not.toContain('Raw mode');
	expect(result.stderr).toContain('no terminal; following the hand-off as plain lines');
	expect(result.stderr).toContain('progress: [2025-01-01 10:00:00] working');
	expect(result.code).toBe(0);
	// stdout is not a terminal, so the summary goes there for the producer.
	expect(JSON.parse(result.stdout)).toMatchObject({state: 'complete', exit_code: 0});
});

test('demo with no terminal follows the hand-off as lines; the fail scenario exits 1', async () => {
	const directory = makeTempDirectory();
	temporary.push(directory);
	const result = await runDetached(['demo', '--scenario', 'fail', '--no-clipboard'], directory, {HANDOFF_DEMO_PACE: '0'});
	expect(result.code).toBe(1);
	expect(result.stderr).toContain('The spec is too short to analyse');
	expect(JSON.parse(result.stdout)).toMatchObject({state: 'failed', exit_code: 1});
});
