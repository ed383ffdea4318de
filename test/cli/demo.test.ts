import fs from 'node:fs';
import path from 'node:path';
import {expect, test} from 'vitest';
import {type CliResult, runCli, runDetached, useTempDirectories} from '../helpers/cli.js';

const tempDirectory = useTempDirectories();

/** `handoff demo` with no terminal (a new session), answering its question from outside as a person with a second shell would. */
async function demo(scenario: string, extra: string[] = []) {
	const project = tempDirectory();
	let answering: Promise<CliResult> | undefined;
	const result = await runDetached(['demo', '--scenario', scenario, '--no-clipboard', ...extra], {
		cwd: project,
		env: {HANDOFF_DEMO_PACE: '0'},
		onStderr(stderr) {
			const workspace = /demo workspace (\S+)/.exec(stderr)?.[1];
			if (!answering && workspace && stderr.includes('question profile_editing')) {
				answering = runCli(['answer', path.join(project, workspace), 'profile_editing', '3']);
			}
		},
	});
	return {...result, project, answer: await answering};
}

test('happy: the answer goes into the archived result, exit 0', async () => {
	const {code, stdout, answer} = await demo('happy');
	expect(answer?.code).toBe(0);
	expect(code).toBe(0);
	const summary = JSON.parse(stdout);
	expect(summary.state).toBe('complete');
	expect(JSON.parse(fs.readFileSync(summary.result, 'utf8'))).toMatchObject({profile_editing: 'Both', state_machines: [{entity: 'Ticket', transition_count: 4}]});
});

test('invalid: the first result is rejected, the repaired one archived, exit 0', async () => {
	const {code, stdout, stderr} = await demo('invalid');
	expect(stderr).toContain('rejected: the result is invalid; retry 1 of 1');
	expect(stderr).toContain('missing required field "profile_editing"');
	expect(code).toBe(0);
	const summary = JSON.parse(stdout);
	expect(fs.readFileSync(path.join(summary.archive, 'shared/rejection.md'), 'utf8')).toContain('profile_editing');
});

test('fail: exit 1 with the consumer message', async () => {
	const {code, stderr} = await demo('fail');
	expect(code).toBe(1);
	expect(stderr).toContain('The spec is too short to analyse');
});

test('timeout: exit 3 with the workspace kept', async () => {
	const {code, stdout} = await demo('timeout', ['--timeout', '2']);
	expect(code).toBe(3);
	const summary = JSON.parse(stdout);
	expect(summary.state).toBe('timed-out');
	expect(fs.existsSync(path.join(summary.workspace, 'input/manifest.json'))).toBe(true);
});

test('an unknown scenario is a usage error', async () => {
	const result = await runCli(['demo', '--scenario', 'nope']);
	expect(result.code).toBe(2);
	expect(result.stderr).toContain('--scenario must be one of happy, invalid, fail, timeout');
});
