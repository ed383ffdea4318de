import {spawn, spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterEach, describe, expect, test} from 'vitest';
import {cliPath, waitUntil} from '../helpers/cli.js';
import {Tmux} from '../helpers/tmux.js';
import {findAgentCli} from './agent-clis.js';
import {codexResponder, codexTranscript} from './codex-model.js';
import {createObedientModel, type Move, type ObedientModel, type Observation, type Scenario} from './obedient-model.js';
import {scriptedUsage, startResponsesServer, type ResponsesServer} from './responses-server.js';

/**
The real Codex CLI (test/agents/agent-clis.json), launched by `handoff run --tool codex --launch` in the real full-screen app,
driven by the obedient scripted model through a Responses API server on the loopback address. Codex runs its own agent
loop, sandbox (`-s workspace-write`), shell tool and 10 s tool limit against our prompt, instructions and commands.
*/

const codex = findAgentCli('codex');
const hasTmux = spawnSync('tmux', ['-V'], {stdio: 'ignore'}).status === 0;
const skipReason = codex.missing ?? (hasTmux ? undefined : 'tmux is not installed');

/** The person answers only after this long: several of Codex's 10 s tool limits, and several `await --for 8` rounds. */
const answerAfterMs = 30_000;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
	for (const cleanup of cleanups.splice(0).reverse()) {
		await cleanup();
	}
});

const question = {id: 'profile-editing', text: 'Should users edit their own profiles?', options: ['Yes', 'No']};
const schema = {
	type: 'object',
	required: ['profile_editing', 'summary'],
	properties: {profile_editing: {enum: ['Yes', 'No']}, summary: {type: 'string', minLength: 1}},
	additionalProperties: false,
};
const scenario: Scenario = {
	question,
	result: answer => ({profile_editing: answer, summary: `Profile editing: ${answer}`}),
	// Wrong type, a missing field and an unknown one: the done step names each, and the model fixes them.
	invalidFirst: {profile_editing: 7, extra: true},
	way: 'commands',
	fileTools: false,
};

/** A temporary HOME and CODEX_HOME whose config.toml points Codex at the scripted model: the person's own config is never read or touched. */
function codexHome(root: string, server: ResponsesServer): {home: string; codexHome: string} {
	const home = path.join(root, 'home');
	const codexHomeFolder = path.join(home, '.codex');
	fs.mkdirSync(codexHomeFolder, {recursive: true});
	// No env_key: the local provider needs no API key. No retries: a refused request fails at once, with its reason.
	fs.writeFileSync(path.join(codexHomeFolder, 'config.toml'), [
		'model_provider = "scripted"',
		'',
		'[model_providers.scripted]',
		'name = "scripted obedient model"',
		`base_url = "${server.baseUrl}"`,
		'wire_api = "responses"',
		'request_max_retries = 0',
		'stream_max_retries = 0',
		'',
		// The test's folders are under /tmp, which workspace-write leaves writable; a person's project is not. Without
		// /tmp and $TMPDIR the sandbox lets the commands write only in the workspace, as it would on their machine.
		'[sandbox_workspace_write]',
		'exclude_slash_tmp = true',
		'exclude_tmpdir_env_var = true',
		'',
	].join('\n'));
	return {home, codexHome: codexHomeFolder};
}

/**
Codex's sandbox makes empty folders (.git, .codex, .agents, .aws) to mount read-only over inside each writable root, and
with /tmp writable it left them in /tmp itself (seen with 0.169.0): every temp folder then looks like a Git repository
to other tests. The config above keeps /tmp out of the sandbox; this checks that none was left.
*/
const sandboxLeftovers = ['.git', '.codex', '.agents', '.aws'].map(name => path.join(os.tmpdir(), name));
const existingLeftovers = new Set(sandboxLeftovers.filter(folder => fs.existsSync(folder)));
function expectNoSandboxLeftovers(): void {
	expect(sandboxLeftovers.filter(folder => fs.existsSync(folder) && !existingLeftovers.has(folder)), 'folders Codex\'s sandbox left in the temp folder').toEqual([]);
}

const sh = (word: string): string => `'${word.replaceAll('\'', String.raw`'\''`)}'`;

describe('the real Codex CLI, launched by handoff run, driven by the scripted model', () => {
	test.skipIf(skipReason !== undefined)(`codex ${codex.version ?? ''}${skipReason ? ` (skipped: ${skipReason})` : ''}: claims, reports, publishes a partial, asks and waits across its tool limit, is answered in the app after 30 s, fixes an invalid result, finishes; exit 0, archived`, async () => {
		const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-codex-')));
		cleanups.push(() => {
			fs.rmSync(root, {recursive: true, force: true});
		});
		// The project is not a git repository (Codex refuses one without --skip-git-repo-check).
		const project = path.join(root, 'project');
		fs.mkdirSync(project);
		fs.writeFileSync(path.join(project, 'schema.json'), JSON.stringify(schema));

		const model = createObedientModel(scenario);
		const server = await startResponsesServer({respond: codexResponder(transcript => model.next(transcript)), maxRequests: 80, maxMs: 240_000});
		cleanups.push(async () => server.close());
		const {home, codexHome: codexHomeFolder} = codexHome(root, server);
		const why = (): string => `\n--- the model's moves ---\n${model.log().join('\n')}\n--- the scripted model ---\n${server.failure() ?? 'no refusal'}`;

		const tmux = new Tmux();
		cleanups.push(() => {
			tmux.kill();
		});
		const exitFile = path.join(root, 'exit-code');
		const environment = `HOME=${sh(home)} CODEX_HOME=${sh(codexHomeFolder)} PATH=${sh(`${path.dirname(codex.binary!)}:${process.env.PATH ?? ''}`)}`;
		const run = `${sh(process.execPath)} ${sh(cliPath)} run --task profiles --schema schema.json --result output/result.json --timeout 600 --no-clipboard --tool codex --launch`;
		tmux.start(`sh -c ${sh(`env ${environment} ${run}; echo $? > ${sh(exitFile)}; sleep 60`)}`, {cwd: project, columns: 160, rows: 50});

		/** Waits for `text` on screen; fails at once, with the screen and the model's moves, when the hand-off has ended instead. */
		const waitForScreen = async (text: string | RegExp, timeoutMs: number): Promise<string> => waitUntil<string | undefined>(() => {
			const screen = tmux.screen();
			if (typeof text === 'string' ? screen.includes(text) : text.test(screen)) {
				return screen;
			}

			if (screen.includes('The hand-off has ended')) {
				throw new Error(`the hand-off ended before ${String(text)} was on screen:\n${screen}${why()}`);
			}

			return undefined;
		}, timeoutMs, `${String(text)} on screen`).then(screen => screen!, (error: Error) => {
			throw error.message.startsWith('Timed out') ? new Error(`${error.message}\n${tmux.screen()}${why()}`) : error;
		});

		await waitForScreen(question.text, 60_000);
		// Codex's event for the ask command and the question file race each other to the screen: wait for both.
		const asking = await waitForScreen(/\$ node \/…\/cli\.js --workspace \. ask 'Should users edit/, 10_000);
		// Claimed first, by the launched tool; and Codex's own event stream as readable lines in the Progress pane:
		// its shell calls (shortened) with their exit codes.
		expect(asking, why()).toMatch(/claimed by codex/);
		expect(asking, why()).toMatch(/\$ node \/…\/cli\.js --workspace \. claim\s+│[^\n]*\n[^\n]*→ exit 0/);
		expect(asking, why()).toContain(question.text);
		const askedAt = Date.now();
		await waitUntil(() => Date.now() - askedAt >= answerAfterMs || undefined, answerAfterMs + 5000, 'the wait');
		// Meanwhile Codex ran `await --for 8` and got exit 75 ("still open") again and again, never a second question.
		const beforeAnswer = codexTranscript(server.requests.at(-1)!);
		const stillOpen = beforeAnswer.filter(observation => observation.kind === 'output' && observation.exitCode === 75);
		expect(stillOpen.length, why()).toBeGreaterThanOrEqual(2);
		const workspaces = path.join(project, '.handoff', 'workspaces');
		const [name] = fs.readdirSync(workspaces).filter(entry => !entry.startsWith('.'));
		const workspace = path.join(workspaces, name!);
		const questions = JSON.parse(fs.readFileSync(path.join(workspace, 'shared/questions.json'), 'utf8')) as {questions: Array<{id: string}>};
		expect(questions.questions.map(entry => entry.id)).toEqual([question.id]);
		expect(fs.existsSync(path.join(workspace, '.lock'))).toBe(true);
		expect(fs.readFileSync(path.join(workspace, 'shared/progress.txt'), 'utf8')).not.toBe('');
		expect(fs.existsSync(path.join(workspace, 'output/result.partial.json'))).toBe(true);

		// The person answers in the app: option 2, Enter.
		tmux.sendKeys('2');
		await tmux.waitForScreen('Enter sends "No"');
		tmux.sendKeys('Enter');
		const exitCode = Number(await waitUntil(() => fs.existsSync(exitFile) && fs.readFileSync(exitFile, 'utf8').trim(), 120_000, `handoff run to end${why()}`));
		expect(exitCode, `${tmux.screen()}${why()}`).toBe(0);
		expect(server.failure(), why()).toBeUndefined();

		// The invalid result was handed to the done step first, which refused it; the model read the errors and fixed them.
		const transcript = codexTranscript(server.requests.at(-1)!);
		const refused = transcript.filter(observation => observation.kind === 'output' && observation.exitCode !== undefined && observation.exitCode !== 0 && observation.exitCode !== 75);
		expect(refused.map(observation => observation.text).join('\n'), why()).toMatch(/profile_editing/);

		const results = path.join(project, '.handoff', 'results');
		const [archive] = fs.readdirSync(results);
		const archived = (file: string): unknown => JSON.parse(fs.readFileSync(path.join(results, archive!, file), 'utf8'));
		expect(archived('output/result.json')).toEqual(scenario.result('No'));
		expect(archived('shared/answers.json')).toMatchObject({answers: [{id: question.id, answer: 'No'}]});
		expect(archived('shared/receipts.json')).toMatchObject({receipts: [{id: question.id}]});
		// Codex's thread id and model (the one it sent the scripted model) are recorded, with the tokens its stream reported.
		const threadIds = new Set(server.requests.map(body => (body.client_metadata as {thread_id?: string} | undefined)?.thread_id));
		const models = new Set(server.requests.map(body => body.model));
		expect(threadIds.size).toBe(1);
		// It ran in the sandbox the launch matrix asks for (Codex reports it with each request), not a wider one.
		const sandboxModes = new Set(server.requests.map(body => (JSON.parse((body.client_metadata as Record<string, string> | undefined)?.['x-codex-turn-metadata'] ?? '{}') as {sandbox_mode?: string}).sandbox_mode));
		expect([...sandboxModes]).toEqual(['workspace-write']);
		expect(models.size).toBe(1);
		const {execution} = archived('output/metadata.json') as {execution: Record<string, unknown>};
		expect(execution).toMatchObject({tool: 'codex', version: codex.version, session_id: [...threadIds][0], model: [...models][0]});
		expect(execution.input_tokens).toBeGreaterThanOrEqual(scriptedUsage.inputTokens);
		expectNoSandboxLeftovers();
	}, 300_000);

	// A model that asks and then ends its turn (as models often do) instead of waiting: Codex exits, handoff keeps the
	// question open, and the person's answer resumes Codex's session (`codex exec ... resume THREAD PROMPT`), whose new
	// prompt a fresh obedient model follows from the top: claim, ask (the same id again: nothing new) and await.
	test.skipIf(skipReason !== undefined)('codex that ends its turn after asking is resumed with the answer in the same session, and finishes; exit 0', async () => {
		const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-codex-')));
		cleanups.push(() => {
			fs.rmSync(root, {recursive: true, force: true});
		});
		const project = path.join(root, 'project');
		fs.mkdirSync(project);
		fs.writeFileSync(path.join(project, 'schema.json'), JSON.stringify(schema));
		const impatientScenario: Scenario = {...scenario, invalidFirst: undefined};
		// One obedient model per prompt: each reads only what follows its own prompt.
		const models: ObedientModel[] = [];
		const next = (transcript: Observation[]): Move => {
			const start = transcript.findLastIndex(observation => observation.kind === 'prompt');
			models[start] ??= createObedientModel(impatientScenario);
			const move = models[start].next(transcript.slice(start));
			// The first session stops where it would wait; the resumed one waits as told.
			return start === 0 && move.kind === 'shell' && / await /.test(move.command) ? {kind: 'finish', text: `I asked ${question.id}; I will go on once it is answered.`} : move;
		};

		const server = await startResponsesServer({respond: codexResponder(next), maxRequests: 60, maxMs: 180_000});
		cleanups.push(async () => server.close());
		const {home, codexHome: codexHomeFolder} = codexHome(root, server);
		const why = (): string => `\n--- the models' moves ---\n${models.flatMap(model => model?.log() ?? []).join('\n')}\n--- the scripted model ---\n${server.failure() ?? 'no refusal'}`;
		const tmux = new Tmux();
		cleanups.push(() => {
			tmux.kill();
		});
		const exitFile = path.join(root, 'exit-code');
		const environment = `HOME=${sh(home)} CODEX_HOME=${sh(codexHomeFolder)} PATH=${sh(`${path.dirname(codex.binary!)}:${process.env.PATH ?? ''}`)}`;
		const run = `${sh(process.execPath)} ${sh(cliPath)} run --task profiles --schema schema.json --result output/result.json --timeout 600 --no-clipboard --tool codex --launch`;
		tmux.start(`sh -c ${sh(`env ${environment} ${run}; echo $? > ${sh(exitFile)}; sleep 60`)}`, {cwd: project, columns: 160, rows: 50});
		// The pane cuts the line short: "codex exited while profile-editing is open; answering will resume its session".
		await tmux.waitForScreen(`codex exited while ${question.id} is open`, 60_000).catch((error: Error) => {
			throw new Error(`${error.message}${why()}`);
		});
		tmux.sendKeys('2');
		await tmux.waitForScreen('Enter sends "No"');
		tmux.sendKeys('Enter');
		const exitCode = Number(await waitUntil(() => fs.existsSync(exitFile) && fs.readFileSync(exitFile, 'utf8').trim(), 120_000, 'handoff run to end').catch((error: Error) => {
			throw new Error(`${error.message}\n${tmux.screen()}${why()}`);
		}));
		expect(exitCode, `${tmux.screen()}${why()}`).toBe(0);
		expect(server.failure(), why()).toBeUndefined();

		// The resumed session is the same thread, and its prompt carries the answer.
		const prompts = codexTranscript(server.requests.at(-1)!).filter(observation => observation.kind === 'prompt');
		expect(prompts).toHaveLength(2);
		expect(prompts[1]!.text).toContain(`The answer to ${question.id} is: No`);
		const threadIds = new Set(server.requests.map(body => (body.client_metadata as {thread_id?: string} | undefined)?.thread_id));
		expect(threadIds.size).toBe(1);
		const results = path.join(project, '.handoff', 'results');
		const [archive] = fs.readdirSync(results);
		const archived = (file: string): unknown => JSON.parse(fs.readFileSync(path.join(results, archive!, file), 'utf8'));
		expect(archived('output/result.json')).toEqual(scenario.result('No'));
		expect((archived('shared/questions.json') as {questions: unknown[]}).questions).toHaveLength(1);
		expect(archived('output/metadata.json')).toMatchObject({execution: {session_id: [...threadIds][0]}});
		expectNoSandboxLeftovers();
	}, 240_000);

	// The harness itself: when a command outlives exec_command's 10 s, Codex yields with a session id, and the model polls it.
	test.skipIf(codex.missing !== undefined)('a command that outlives Codex\'s 10 s yield is reported running, polled with write_stdin, and its exit code read', async () => {
		const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-codex-')));
		cleanups.push(() => {
			fs.rmSync(root, {recursive: true, force: true});
		});
		const seen: Observation[][] = [];
		const next = (transcript: Observation[]): Move => {
			seen.push(transcript);
			const last = transcript.at(-1)!;
			if (last.kind === 'prompt') {
				return {kind: 'shell', command: 'echo started; sleep 12; echo ended; exit 3', why: 'a long command'};
			}

			return last.running ? {kind: 'poll', why: 'still running'} : {kind: 'finish', text: `exit ${last.exitCode}`};
		};

		const server = await startResponsesServer({respond: codexResponder(next), maxRequests: 10, maxMs: 60_000});
		cleanups.push(async () => server.close());
		const {home, codexHome: codexHomeFolder} = codexHome(root, server);
		const child = spawn(codex.binary!, ['exec', '-s', 'workspace-write', '--skip-git-repo-check', '-C', root, '--json', 'Run the long command'], {env: {...process.env, HOME: home, CODEX_HOME: codexHomeFolder}, stdio: ['ignore', 'pipe', 'pipe'], detached: true});
		cleanups.push(() => {
			try {
				process.kill(-child.pid!, 'SIGKILL');
			} catch {}
		});
		let stderr = '';
		child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
			stderr += chunk;
		});
		child.stdout.resume();
		const code = await new Promise<number | null>(resolve => {
			child.on('close', resolve);
		});
		expect(code, stderr).toBe(0);
		expect(server.failure()).toBeUndefined();
		const outputs = seen.at(-1)!.filter(observation => observation.kind === 'output');
		expect(outputs[0]).toMatchObject({kind: 'output', running: true, text: expect.stringContaining('started') as unknown});
		expect(outputs.at(-1)).toMatchObject({kind: 'output', exitCode: 3, text: expect.stringContaining('ended') as unknown});
		expect(outputs.at(-1)!.running).toBeUndefined();
		expectNoSandboxLeftovers();
	}, 60_000);
});
