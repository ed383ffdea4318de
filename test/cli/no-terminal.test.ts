import fs from 'node:fs';
import path from 'node:path';
import {expect, test} from 'vitest';
import {newWorkspace, runDetached, useTempDirectories} from '../helpers/cli.js';

const tempDirectory = useTempDirectories();

test('with no terminal at all, watch falls back to plain lines with the same exit codes, never a raw-mode crash', async () => {
	const directory = tempDirectory();
	const {workspace} = await newWorkspace(['--retries', '0'], directory);
	fs.writeFileSync(path.join(workspace, 'shared/progress.txt'), '[2025-01-01 10:00:00] working\n');
	fs.writeFileSync(path.join(workspace, 'output/analysis.json'), '{"state_machines": []}');
	fs.writeFileSync(path.join(workspace, '.done'), '');
	const result = await runDetached(['watch', workspace], {cwd: directory, env: {CI: 'false'}});
	expect(result.stderr).not.toContain('Raw mode');
	expect(result.stderr).toContain('no terminal; following the hand-off as plain lines');
	expect(result.stderr).toContain('progress: [2025-01-01 10:00:00] working');
	expect(result.code).toBe(0);
	// stdout is not a terminal, so the summary goes there for the producer.
	expect(JSON.parse(result.stdout)).toMatchObject({state: 'complete', exit_code: 0});
});

test('demo with no terminal follows the hand-off as lines; the fail scenario exits 1', async () => {
	const directory = tempDirectory();
	const result = await runDetached(['demo', '--scenario', 'fail', '--no-clipboard'], {cwd: directory, env: {CI: 'false', HANDOFF_DEMO_PACE: '0'}});
	expect(result.code).toBe(1);
	expect(result.stderr).toContain('The spec is too short to analyse');
	expect(JSON.parse(result.stdout)).toMatchObject({state: 'failed', exit_code: 1});
});
