import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {describe, expect, test} from 'vitest';
import {runCli, startCli, useTempDirectories, waitUntil} from '../helpers/cli.js';

const tempDirectory = useTempDirectories();
const fakes = fileURLToPath(new URL('../fixtures/fake-clis', import.meta.url));
const schema = {type: 'object', required: ['summary'], additionalProperties: false, properties: {summary: {type: 'string'}}};

/** A project with a workspace made by `handoff new`, and the fakes' saved-session folder and argument log. */
async function setUp(): Promise<{folder: string; workspace: string; sessions: string; argsLog: string; env: NodeJS.ProcessEnv}> {
	const folder = tempDirectory();
	fs.writeFileSync(path.join(folder, 'SPEC.md'), '# Spec\n');
	fs.writeFileSync(path.join(folder, 'schema.json'), JSON.stringify(schema));
	const made = await runCli(['new', '--task', 'resumed', '--input', 'spec=SPEC.md', '--schema', 'schema.json', '--timeout', '60'], {cwd: folder});
	expect(made.code, made.stderr).toBe(0);
	const sessions = tempDirectory();
	const argsLog = path.join(tempDirectory(), 'args');
	const env = {PATH: `${fakes}${path.delimiter}${process.env.PATH}`, FAKE_SESSIONS: sessions, FAKE_ARGS_LOG: argsLog};
	return {folder, workspace: made.stdout.trim(), sessions, argsLog, env};
}

/** The real resume form of each fake, with the session id it must carry. */
const resumeForms: Record<'claude' | 'codex', (args: string[], workspace: string) => string | undefined> = {
	claude(args) {
		expect(args[0]).toBe('-p');
		expect(args[1]).toMatch(/^The answer to q1 is: Only open tickets\n/);
		expect(args.slice(2, 4)[0]).toBe('-r');
		// The first launch's permissions and stream come back unchanged.
		expect(args).toEqual(expect.arrayContaining(['--permission-mode', 'acceptEdits', '--output-format', 'stream-json', '--verbose', '--allowedTools']));
		return args[3];
	},
	codex(args, workspace) {
		const resumeAt = args.indexOf('resume');
		expect(args.slice(0, resumeAt)).toEqual(['exec', '-s', 'workspace-write', '--skip-git-repo-check', '-C', workspace, '--json']);
		expect(args.length).toBe(resumeAt + 3);
		expect(args[resumeAt + 2]).toMatch(/^The answer to q1 is: Only open tickets\n/);
		return args[resumeAt + 1];
	},
};

describe('a launched tool that asks and exits is resumed with the answer', () => {
	for (const tool of ['claude', 'codex'] as const) {
		test(tool, async () => {
			const {folder, workspace, sessions, argsLog, env} = await setUp();
			const running = startCli(['wait', workspace, '--tool', tool, '--launch', '--json'], {cwd: folder, env: {...env, FAKE_ASK: 'q1'}});
			await running.waitFor(`${tool} exited while q1 is open; answering will resume its session`, 'stderr', 20_000);
			// It asked and stopped: the hand-off is still open, not failed.
			expect(fs.existsSync(path.join(workspace, '.error'))).toBe(false);
			expect(fs.existsSync(path.join(workspace, '.done'))).toBe(false);
			expect(running.child.exitCode).toBeNull();
			const firstSessions = fs.readdirSync(sessions);
			expect(firstSessions).toHaveLength(1);

			const answered = await runCli(['answer', workspace, 'q1', 'Only open tickets'], {cwd: folder});
			expect(answered.code, answered.stderr).toBe(0);
			const {code, stdout, stderr} = await running.result;
			expect(code, stderr).toBe(0);
			const summary = JSON.parse(stdout) as {state: string; archive: string; result: string};
			expect(summary.state).toBe('complete');
			expect(JSON.parse(fs.readFileSync(summary.result, 'utf8'))).toEqual({summary: 'Only open tickets'});
			expect(fs.existsSync(workspace)).toBe(false);

			// The resumed process used the tool's real resume form with the session the first run made.
			const resumedArgs = fs.readFileSync(argsLog, 'utf8').split('\0');
			const sessionId = resumeForms[tool](resumedArgs, workspace);
			expect(sessionId).toBe(firstSessions[0]);
			const metadata = JSON.parse(fs.readFileSync(path.join(summary.archive, 'output/metadata.json'), 'utf8')) as {execution?: {session_id?: string}};
			expect(metadata.execution?.session_id).toBe(sessionId);
		}, 45_000);
	}

	// The other rows that can resume, through their fakes: the resumed argv carries the row's resume flag and the session the stream named.
	for (const [tool, flag] of [['gemini', '-r'], ['cursor', '--resume'], ['qwen', '-r'], ['opencode', '-s']] as const) {
		test(tool, async () => {
			const {folder, workspace, argsLog, env} = await setUp();
			const running = startCli(['wait', workspace, '--tool', tool, '--launch', '--json'], {cwd: folder, env: {...env, FAKE_ASK: 'q1'}});
			const binary = tool === 'cursor' ? 'agent' : tool;
			await running.waitFor(`${binary} exited while q1 is open; answering will resume its session`, 'stderr', 20_000);
			const firstArgs = fs.readFileSync(argsLog, 'utf8').split('\0');
			expect(firstArgs).not.toContain(flag);
			const answered = await runCli(['answer', workspace, 'q1', 'Only open tickets'], {cwd: folder});
			expect(answered.code, answered.stderr).toBe(0);
			const {code, stdout, stderr} = await running.result;
			expect(code, stderr).toBe(0);
			const summary = JSON.parse(stdout) as {state: string; result: string};
			expect(JSON.parse(fs.readFileSync(summary.result, 'utf8'))).toEqual({summary: 'Only open tickets'});
			const resumedArgs = fs.readFileSync(argsLog, 'utf8').split('\0');
			const sessionId = resumedArgs[resumedArgs.indexOf(flag) + 1];
			expect(stderr).toContain(`resuming ${binary} session ${sessionId}`);
			expect(resumedArgs.some(word => word.startsWith('The answer to q1 is: Only open tickets\n'))).toBe(true);
		}, 45_000);
	}

	test('an answer given before the tool ended, which it never picked up, resumes it as soon as it ends', async () => {
		const {folder, workspace, argsLog, env} = await setUp();
		const running = startCli(['wait', workspace, '--tool', 'claude', '--launch', '--json'], {cwd: folder, env: {...env, FAKE_ASK: 'q1', FAKE_ASK_EXIT_AFTER_ANSWER: '1'}});
		await waitUntil(() => fs.existsSync(path.join(workspace, 'shared/questions.json')) && fs.readFileSync(path.join(workspace, 'shared/questions.json'), 'utf8').includes('"q1"'), 20_000, 'the question');
		const answered = await runCli(['answer', workspace, 'q1', 'Only open tickets'], {cwd: folder});
		expect(answered.code, answered.stderr).toBe(0);
		const {code, stdout, stderr} = await running.result;
		expect(code, stderr).toBe(0);
		expect(JSON.parse(fs.readFileSync((JSON.parse(stdout) as {result: string}).result, 'utf8'))).toEqual({summary: 'Only open tickets'});
		expect(fs.readFileSync(argsLog, 'utf8').split('\0')).toContain('-r');
	}, 45_000);

	test('a tool whose row has no resume form (copilot) that asks and exits still fails the hand-off', async () => {
		const {folder, workspace, env} = await setUp();
		const {code, stdout, stderr} = await runCli(['wait', workspace, '--tool', 'copilot', '--launch', '--json'], {cwd: folder, env: {...env, FAKE_ASK: 'q1'}});
		expect(code, stderr).toBe(1);
		expect(stderr).not.toContain('answering will resume');
		const summary = JSON.parse(stdout) as {state: string; errors: string[]};
		expect(summary.state).toBe('failed');
		expect(summary.errors.join('\n')).toContain('the launched consumer (copilot) exited with code 0');
	}, 30_000);

	test('a tool that exits with no open question still fails the hand-off', async () => {
		const {folder, workspace, env} = await setUp();
		const {code, stdout} = await runCli(['wait', workspace, '--tool', 'claude', '--launch', '--json'], {cwd: folder, env: {...env, FAKE_EXIT_AFTER: 'claim', FAKE_EXIT_CODE: '0'}});
		expect(code).toBe(1);
		const summary = JSON.parse(stdout) as {state: string; errors: string[]};
		expect(summary.state).toBe('failed');
		expect(summary.errors.join('\n')).toContain('exited with code 0');
	}, 30_000);
});

describe('the fakes reject resume forms the real parsers reject', () => {
	test('codex: exec options after `resume` are unknown there', async () => {
		const {workspace, sessions, env} = await setUp();
		fs.writeFileSync(path.join(sessions, 'thread-1'), '');
		const {spawnSync} = await import('node:child_process');
		const codex = spawnSync(path.join(fakes, 'codex'), ['exec', 'resume', '-s', 'workspace-write', 'thread-1', 'go on'], {env: {...process.env, ...env}, encoding: 'utf8', cwd: workspace});
		expect(codex.status).toBe(2);
		expect(codex.stderr).toContain('unexpected argument \'-s\' found');
	});

	test('claude: an unknown session id is refused', async () => {
		const {workspace, env} = await setUp();
		const {spawnSync} = await import('node:child_process');
		const claude = spawnSync(path.join(fakes, 'claude'), ['-p', 'go on', '-r', 'no-such-session'], {env: {...process.env, ...env}, encoding: 'utf8', cwd: workspace});
		expect(claude.status).toBe(1);
		expect(claude.stderr).toContain('No conversation found with session ID: no-such-session');
	});
});
