import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {describe, expect, test} from 'vitest';
import {executionToolName} from '../../source/core/agent-events.js';
import {launchMatrix, launchTools} from '../../source/core/launch-matrix.js';
import {childEnvironment, runCli, runDetached, startCli, useTempDirectories, waitUntil} from '../helpers/cli.js';

const tempDirectory = useTempDirectories();
const fakes = fileURLToPath(new URL('../fixtures/fake-clis', import.meta.url));
const withFakes = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({PATH: `${fakes}${path.delimiter}${process.env.PATH}`, ...extra});
const schema = {type: 'object', required: ['summary'], additionalProperties: false, properties: {summary: {type: 'string'}}};

/** A project folder with a spec and a schema; the temp folder is outside any Git repository (checked by the test that needs it). */
function project(): string {
	const folder = tempDirectory();
	fs.writeFileSync(path.join(folder, 'SPEC.md'), '# Spec\n');
	fs.writeFileSync(path.join(folder, 'schema.json'), JSON.stringify(schema));
	return folder;
}

function insideGit(folder: string): boolean {
	return spawnSync('git', ['rev-parse', '--is-inside-work-tree'], {cwd: folder, stdio: 'ignore'}).status === 0;
}

const runArgs = (tool: string): string[] => ['run', '--task', 'launched', '--input', 'spec=SPEC.md', '--schema', 'schema.json', '--tool', tool, '--launch', '--timeout', '60'];

describe('every tool of the launch matrix completes a hand-off through its fake, from a folder that is not a Git repository', () => {
	const outsideGit = !insideGit(project());
	for (const tool of launchTools) {
		test.skipIf(!outsideGit)(tool, async () => {
			const folder = project();
			const {code, stdout, stderr} = await runDetached(runArgs(tool), {cwd: folder, env: withFakes()});
			expect(stderr).not.toContain('exited with code 1');
			expect(code, stderr).toBe(0);
			const summary = JSON.parse(stdout) as {state: string; archive: string; result: string};
			expect(summary.state).toBe('complete');
			expect(JSON.parse(fs.readFileSync(summary.result, 'utf8'))).toEqual({summary: 'done by a fake CLI'});
			// The fake ran the claim and progress commands the instructions gave (aider wrote the same files by hand).
			expect(fs.readFileSync(path.join(summary.archive, 'shared/progress.txt'), 'utf8')).toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] Reading the spec$/m);
			const metadata = JSON.parse(fs.readFileSync(path.join(summary.archive, 'output/metadata.json'), 'utf8')) as {execution?: Record<string, unknown>};
			const stream = launchMatrix[tool].stream?.format;
			expect(metadata.execution).toMatchObject({tool: stream ? executionToolName(stream) : tool, version: expect.stringMatching(/^\d+\.\d+\.\d+$/) as unknown});
			if (tool === 'claude') {
				// What its stream says of the session reaches metadata.json too: the model and session id, and the tokens and cost
				// that come in the stream's last event, after the tool ran the done step (the fake's result event: 340 output tokens, $0.0123).
				expect(metadata.execution).toMatchObject({model: 'claude-sonnet-4-5-20250929', session_id: expect.stringMatching(/^[\da-f-]{36}$/) as unknown, output_tokens: 340, cost_usd: 0.0123});
			}

			// Its output is shown among the progress lines, under its binary's name.
			expect(stderr).toContain(`${launchMatrix[tool].binary}: `);
		}, 30_000);
	}
});

describe('version awareness: nothing is started with flags the found version rejects', () => {
	test('a codex older than the matrix allows is refused before anything is made, naming the version and the flag', async () => {
		const folder = project();
		const {code, stderr} = await runCli(runArgs('codex'), {cwd: folder, env: withFakes({FAKE_CODEX_VERSION: '0.40.0'})});
		expect(code).toBe(2);
		expect(stderr).toContain('codex 0.40.0 is too old');
		expect(stderr).toContain('--json');
		expect(stderr).toContain('0.44.0');
		expect(fs.existsSync(path.join(folder, '.handoff'))).toBe(false);
	});

	test('the fakes reject what the real tools reject: codex --full-auto from 0.147, gemini --skip-trust before 0.39.1', () => {
		const codex = spawnSync(path.join(fakes, 'codex'), ['exec', '--full-auto', 'hi'], {env: {...process.env, FAKE_CODEX_VERSION: '0.147.0'}, encoding: 'utf8'});
		expect(codex.status).toBe(2);
		expect(codex.stderr).toContain('error: unexpected argument \'--full-auto\' found');
		const oldCodex = spawnSync(path.join(fakes, 'codex'), ['exec', '--full-auto', '--version'], {env: {...process.env, FAKE_CODEX_VERSION: '0.146.0'}, encoding: 'utf8'});
		expect(oldCodex.status).toBe(0);
		expect(oldCodex.stdout).toBe('codex-cli 0.146.0\n');
		const gemini = spawnSync(path.join(fakes, 'gemini'), ['-p', 'hi', '--skip-trust'], {env: {...process.env, FAKE_GEMINI_VERSION: '0.39.0'}, encoding: 'utf8'});
		expect(gemini.status).toBe(1);
		expect(gemini.stderr).toContain('Unknown arguments: skip-trust, skipTrust');
	});

	test.each([
		['0.39.0', false, true],
		['0.10.0', false, false],
		['0.61.0', true, true],
	])('gemini %s is started with the flags it has (--skip-trust: %s, stream-json: %s) and completes', async (version, skipTrust, stream) => {
		const folder = project();
		const log = path.join(folder, 'args.log');
		const {code, stderr} = await runDetached(runArgs('gemini'), {cwd: folder, env: withFakes({FAKE_GEMINI_VERSION: version, FAKE_ARGS_LOG: log})});
		expect(code, stderr).toBe(0);
		const args = fs.readFileSync(log, 'utf8').split('\0');
		expect(args.includes('--skip-trust')).toBe(skipTrust);
		expect(args.includes('stream-json')).toBe(stream);
		expect(args).not.toContain('--yolo');
	}, 30_000);

	test('gemini in an untrusted folder without the trust flag or variable exits 55, as the real one does', async () => {
		const {workspace} = await newWorkspaceIn(project());
		const gemini = spawnSync(path.join(fakes, 'gemini'), ['-p', `Read ${workspace}/input/instructions.md and follow it exactly.`, '--approval-mode', 'auto_edit'], {cwd: workspace, env: childEnvironment(), encoding: 'utf8'});
		expect(gemini.status).toBe(55);
		expect(gemini.stderr).toContain('Gemini CLI is not running in a trusted directory');
	});

	test('codex outside a Git repository without --skip-git-repo-check stops, as the real one does', async () => {
		const folder = project();
		expect(insideGit(folder)).toBe(false);
		const {workspace} = await newWorkspaceIn(folder);
		const codex = spawnSync(path.join(fakes, 'codex'), ['exec', '-s', 'workspace-write', '-C', workspace, `Read ${workspace}/input/instructions.md and follow it exactly.`], {env: childEnvironment(), encoding: 'utf8'});
		expect(codex.status).toBe(1);
		expect(codex.stderr).toContain('--skip-git-repo-check was not specified');
	});

	test('codex in a workspace-write sandbox rooted elsewhere may not write the result: the fake refuses it', async () => {
		const folder = project();
		const {workspace} = await newWorkspaceIn(folder);
		const elsewhere = tempDirectory();
		const codex = spawnSync(path.join(fakes, 'codex'), ['exec', '-s', 'workspace-write', '--skip-git-repo-check', '-C', elsewhere, `Read ${workspace}/input/instructions.md and follow it exactly.`], {env: childEnvironment(), encoding: 'utf8'});
		expect(codex.status).toBe(1);
		expect(codex.stderr).toMatch(/sandbox denied|patch rejected/);
		expect(fs.existsSync(path.join(workspace, 'output/result.json'))).toBe(false);
	});

	test('claude without a Bash rule for node cannot run the handoff commands: the fake refuses', async () => {
		const {workspace} = await newWorkspaceIn(project());
		const claude = spawnSync(path.join(fakes, 'claude'), ['-p', `Read ${workspace}/input/instructions.md and follow it exactly.`, '--permission-mode', 'acceptEdits', '--allowedTools', 'Bash(git *)'], {cwd: workspace, env: childEnvironment(), encoding: 'utf8'});
		expect(claude.status).toBe(1);
		expect(claude.stderr).toContain('Claude requested permissions to use Bash');
		expect(fs.existsSync(path.join(workspace, '.lock'))).toBe(false);
	});
});

describe('a launched tool that ends before the hand-off is done', () => {
	test('the fakes run the instructions literally: a wrong command in input/instructions.md fails the hand-off', async () => {
		const folder = project();
		const {workspace} = await newWorkspaceIn(folder);
		const instructions = path.join(workspace, 'input/instructions.md');
		// The claim command of the instructions points at a CLI that does not exist.
		fs.writeFileSync(instructions, fs.readFileSync(instructions, 'utf8').replace(/(\S+cli\.js) --workspace (\S+) claim/, '/nonexistent/cli.js --workspace $2 claim'));
		const {code, stderr} = await runCli(['wait', workspace, '--tool', 'codex', '--launch'], {cwd: folder, env: withFakes()});
		expect(code).toBe(1);
		expect(stderr).toContain('/nonexistent/cli.js');
		expect(stderr).toMatch(/the launched consumer \(codex\) exited with code 1 before the hand-off was done/);
	}, 30_000);

	test('a parser\'s complaint before a long usage text (Gemini CLI 0.61.0 prints it first) is named in the stderr tail', async () => {
		const folder = project();
		const {workspace} = await newWorkspaceIn(folder);
		const usage = ['Unknown argument: bogus', 'Usage: gemini [options] [command]', '', 'Options:', ...Array.from({length: 40}, (_, index) => `  --option-${index}  [boolean]`)].join('\n');
		const {code, stdout} = await runCli(['wait', workspace, '--tool', 'claude', '--launch', '--json'], {cwd: folder, env: withFakes({FAKE_EXIT_AFTER: 'claim', FAKE_EXIT_CODE: '1', FAKE_STDERR: usage})});
		expect(code).toBe(1);
		const summary = JSON.parse(stdout) as {errors: string[]};
		expect(summary.errors.join('\n')).toMatch(/exited with code 1 .*stderr tail: Unknown argument: bogus \| … \| .*--option-39/);
	}, 30_000);

	test('wait --launch says so within 2 s, with its exit code and stderr tail, and fails the hand-off', async () => {
		const folder = project();
		const {workspace} = await newWorkspaceIn(folder);
		const stamp = path.join(folder, 'exited-at');
		const running = startCli(['wait', workspace, '--tool', 'claude', '--launch', '--json'], {cwd: folder, env: withFakes({FAKE_EXIT_AFTER: 'claim', FAKE_EXIT_CODE: '7', FAKE_STDERR: 'fatal: \u001B[31mrate limited\u001B[0m by the provider\u0007', FAKE_EXIT_STAMP: stamp})});
		await running.waitFor('the launched consumer (claude) exited with code 7', 'stderr', 15_000);
		const noticed = Date.now();
		const exitedAt = Number(fs.readFileSync(stamp, 'utf8'));
		expect(noticed - exitedAt).toBeLessThan(2000);
		const {code, stdout, stderr} = await running.result;
		expect(code).toBe(1);
		expect(stderr).toContain('rate limited');
		const summary = JSON.parse(stdout) as {state: string; errors: string[]};
		expect(summary.state).toBe('failed');
		expect(summary.errors.join('\n')).toMatch(/exited with code 7 .*stderr tail: .*fatal: rate limited by the provider/);
		// The workspace says so too, for a later `watch`.
		const error = fs.readFileSync(path.join(workspace, '.error'), 'utf8');
		expect(error).toContain('exited with code 7');
		// Its stderr goes into .error and the summary without escape sequences or control characters.
		expect(error).toContain('stderr tail: Claimed');
		expect(error).toContain('fatal: rate limited by the provider');
		expect(error).not.toMatch(/[\u0000-\u0009\u000B-\u001F]/);
	}, 30_000);

	test('when another live consumer holds the claim, the hand-off goes on and completes with that consumer', async () => {
		const folder = project();
		const {workspace} = await newWorkspaceIn(folder);
		const other = ['--workspace', workspace];
		expect((await runCli(['claim', ...other, '--tool', 'a-person'], {cwd: folder})).code).toBe(0);
		const running = startCli(['wait', workspace, '--tool', 'claude', '--launch', '--json'], {cwd: folder, env: withFakes()});
		// The fake cannot claim (already claimed) and exits 1; that must not end the hand-off.
		await running.waitFor('a-person holds the claim, so the hand-off goes on', 'stderr', 15_000);
		fs.writeFileSync(path.join(workspace, 'output/result.json'), JSON.stringify({summary: 'by the other consumer'}));
		expect((await runCli(['done', ...other], {cwd: folder})).code).toBe(0);
		const {code, stdout} = await running.result;
		expect(code).toBe(0);
		expect(JSON.parse(stdout)).toMatchObject({state: 'complete'});
	}, 30_000);

	test('a tool that is stopped by a signal is reported with the signal', async () => {
		const folder = project();
		const {workspace} = await newWorkspaceIn(folder);
		const bin = tempDirectory();
		// A claude whose version is fine but which kills itself at once.
		fs.writeFileSync(path.join(bin, 'claude'), '#!/bin/sh\nif [ "$1" = --version ]; then echo "2.1.197 (Claude Code)"; exit 0; fi\necho "about to crash" >&2\nkill -KILL $$\n', {mode: 0o755});
		const {code, stderr} = await runCli(['wait', workspace, '--tool', 'claude', '--launch'], {cwd: folder, env: {PATH: `${bin}${path.delimiter}${process.env.PATH}`}});
		expect(code).toBe(1);
		expect(stderr).toContain('the launched consumer (claude) was stopped by SIGKILL before the hand-off was done; stderr tail: about to crash');
	}, 30_000);
});

test('a launched tool that ignores SIGTERM is killed, with what it started, once the hand-off is done', async () => {
	const folder = project();
	const {workspace} = await newWorkspaceIn(folder);
	const bin = tempDirectory();
	const pidFile = path.join(folder, 'stubborn.pid');
	fs.writeFileSync(path.join(bin, 'claude'), `#!/bin/sh\nif [ "$1" = --version ]; then echo "2.1.197 (Claude Code)"; exit 0; fi\ntrap '' TERM\nsleep 600 &\necho "$$ $!" > '${pidFile}'\nwait\n`, {mode: 0o755});
	const running = startCli(['wait', workspace, '--tool', 'claude', '--launch'], {cwd: folder, env: {PATH: `${bin}${path.delimiter}${process.env.PATH}`}});
	await waitUntil(() => fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8').includes(' '), 10_000, 'the stub to start');
	const pids = fs.readFileSync(pidFile, 'utf8').trim().split(' ').map(Number);
	fs.writeFileSync(path.join(workspace, 'output/result.json'), JSON.stringify({summary: 'by hand'}));
	expect((await runCli(['done', '--workspace', workspace], {cwd: folder})).code).toBe(0);
	const {code} = await running.result;
	expect(code).toBe(0);
	const alive = (pid: number): boolean => {
		try {
			process.kill(pid, 0);
			return true;
		} catch {
			return false;
		}
	};

	await waitUntil(() => pids.every(pid => !alive(pid)), 5000, 'the stub and its sleep to be gone');
	expect(pids.some(pid => alive(pid))).toBe(false);
}, 30_000);

test('--launch refuses a tool that is not on PATH, or not in the matrix, before creating anything', async () => {
	const folder = project();
	const missing = await runCli(['run', '--task', 't', '--tool', 'codex', '--launch'], {cwd: folder, env: {PATH: '/nonexistent'}});
	expect(missing.code).toBe(2);
	expect(missing.stderr).toContain('codex is not on PATH');
	const generic = await runCli(['run', '--task', 't', '--launch'], {cwd: folder});
	expect(generic.code).toBe(2);
	expect(generic.stderr).toContain('--launch needs --tool claude, codex, gemini, cursor, copilot, opencode, qwen, amp, aider');
	expect(fs.existsSync(path.join(folder, '.handoff'))).toBe(false);
});

test('a pipeline stage with "launch": true starts its tool and completes', async () => {
	const folder = project();
	fs.writeFileSync(path.join(folder, 'pipeline.json'), JSON.stringify({
		name: 'launched',
		stages: [{name: 'analysis', task: 'analyze', inputs: {spec: 'SPEC.md'}, schema: 'schema.json', tool: 'codex', launch: true, timeout: 60}],
	}));
	const {code, stdout, stderr} = await runDetached(['pipeline', 'run', 'pipeline.json'], {cwd: folder, env: withFakes()});
	expect(code, stderr).toBe(0);
	expect(stderr).toContain('codex: ');
	expect(JSON.parse(stdout)).toMatchObject({state: 'complete'});
}, 30_000);

async function newWorkspaceIn(folder: string): Promise<{workspace: string}> {
	const result = await runCli(['new', '--task', 'launched', '--input', 'spec=SPEC.md', '--schema', 'schema.json', '--timeout', '60'], {cwd: folder});
	expect(result.code, result.stderr).toBe(0);
	return {workspace: result.stdout.trim()};
}

test('a pipeline stage with "launch": true and no tool to launch is refused when the file is read', async () => {
	const folder = project();
	fs.writeFileSync(path.join(folder, 'pipeline.json'), JSON.stringify({name: 'p', stages: [{name: 'a', task: 't', launch: true}]}));
	const {code, stderr} = await runCli(['pipeline', 'run', 'pipeline.json'], {cwd: folder});
	expect(code).toBe(2);
	expect(stderr).toContain('/stages/0/launch: needs "tool" to be one of claude, codex');
	expect(fs.existsSync(path.join(folder, '.handoff'))).toBe(false);
});
