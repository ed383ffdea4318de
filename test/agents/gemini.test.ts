import {spawn, spawnSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {afterEach, describe, expect, test} from 'vitest';
import {shellQuote} from '../../source/core/instructions.js';
import {cliPath, makeTempDirectory, runCli, waitUntil} from '../helpers/cli.js';
import {Tmux} from '../helpers/tmux.js';
import {findAgentCli} from './agent-clis.js';
import {foreignGeminiVariables, geminiEnvironment, startGeminiServer, type GeminiServer} from './gemini-server.js';
import {createObedientModel, type Move, type ObedientModel, type Observation, type Scenario} from './obedient-model.js';

const gemini = findAgentCli('gemini');
const hasTmux = spawnSync('tmux', ['-V'], {stdio: 'ignore'}).status === 0;
const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
	for (const cleanup of cleanups.splice(0).reverse()) {
		// One after the other: the CLI before its server, the server before its folder.
		await cleanup();
	}
});

function temporaryFolder(): string {
	const folder = makeTempDirectory('handoff-gemini-');
	cleanups.push(() => {
		fs.rmSync(folder, {recursive: true, force: true});
	});
	return folder;
}

async function startServer(model: ObedientModel, options: {maxRequests?: number; maxMs?: number} = {}): Promise<GeminiServer> {
	const server = await startGeminiServer({model, ...options});
	cleanups.push(async () => server.close());
	return server;
}

/** A model that plays a fixed list of moves, one per request, and keeps what it saw. */
function fixedModel(moves: Move[]): ObedientModel & {seen: Observation[][]} {
	const seen: Observation[][] = [];
	const log: string[] = [];
	return {
		seen,
		next(observations) {
			seen.push(observations);
			// One move per tool result: the number of results so far says which move is next, so a retried request gets the same one.
			const move = moves[observations.filter(observation => observation.kind === 'output').length] ?? {kind: 'finish', text: 'Done.'};
			log.push(`${move.kind}: ${move.kind === 'finish' ? move.text : move.why}`);
			return move;
		},
		log: () => log,
	};
}

/** The real gemini in `cwd`, its environment cleaned of the person's Gemini settings, with stdin closed. */
async function runGemini(cwd: string, environment: Record<string, string>, args: string[]): Promise<{code: number | null; stdout: string; stderr: string}> {
	const base = Object.fromEntries(Object.entries(process.env).filter(([key]) => !foreignGeminiVariables().includes(key) && key !== 'CI'));
	const child = spawn(gemini.binary!, args, {cwd, env: {...base, ...environment}, stdio: ['ignore', 'pipe', 'pipe']});
	cleanups.push(() => {
		child.kill('SIGKILL');
	});
	let stdout = '';
	let stderr = '';
	child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
		stdout += chunk;
	});
	child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
		stderr += chunk;
	});
	return new Promise(resolve => {
		child.on('close', code => {
			resolve({code, stdout, stderr});
		});
	});
}

describe.skipIf(gemini.missing !== undefined)(`the real Gemini CLI ${gemini.version ?? ''} against the scripted model${gemini.missing ? ` (skipped: ${gemini.missing})` : ''}`, () => {
	test('the server speaks its wire format: tool calls go out, tool results and exit codes come back, file tools take file_path', async () => {
		const folder = temporaryFolder();
		const project = path.join(folder, 'project');
		fs.mkdirSync(project);
		const note = path.join(project, 'note.txt');
		const model = fixedModel([
			{kind: 'shell', command: `${process.execPath} -e "console.log('printed'); process.exit(4)"`, why: 'Run a command that fails'},
			{kind: 'write', path: note, content: 'written by the model\n', why: 'Write a note'},
			{kind: 'read', path: note, why: 'Read it back'},
			{kind: 'shell', command: `${process.execPath} -e "console.log('fine')"`, why: 'Run one that succeeds'},
			{kind: 'shell', command: 'rm -rf /', why: 'A command its policy denies'},
		]);
		const server = await startServer(model);
		const environment = geminiEnvironment(path.join(folder, 'home'), server.baseUrl);
		const result = await runGemini(project, environment, ['-p', 'Do the steps.', '--approval-mode', 'auto_edit', '--allowed-tools', `run_shell_command(${process.execPath})`, '-o', 'stream-json', '--skip-trust']);
		expect(result.code, `${result.stderr}\n${server.story()}`).toBe(0);
		expect(server.problems).toEqual([]);
		expect(fs.readFileSync(note, 'utf8')).toBe('written by the model\n');
		const last = model.seen.at(-1)!;
		expect(last[0]).toEqual({kind: 'prompt', text: 'Do the steps.'});
		expect(last.slice(1)).toEqual([
			{kind: 'output', text: 'printed', exitCode: 4},
			{kind: 'output', text: expect.stringContaining(note) as string},
			{kind: 'output', text: 'written by the model\n'},
			{kind: 'output', text: 'fine', exitCode: 0},
			{kind: 'output', text: expect.stringMatching(/denied by policy/) as string},
		]);
		expect(server.tools.get('read_file')).toContain('file_path');
		expect(server.tools.get('run_shell_command')).toEqual(expect.arrayContaining(['command', 'description']));
		// Its stream shows our tool calls and ends with the finishing text.
		const events = result.stdout.split('\n').filter(Boolean).map(line => JSON.parse(line) as {type: string; tool_name?: string; content?: string});
		expect(events.filter(event => event.type === 'tool_use').map(event => event.tool_name)).toEqual(['run_shell_command', 'write_file', 'read_file', 'run_shell_command', 'run_shell_command']);
		expect(events.filter(event => event.type === 'message' && event.content === 'Done.')).toHaveLength(1);
	});

	test('a flag the real gemini rejects fails the hand-off at once, naming its complaint (not the 40 lines of usage after it)', async () => {
		const folder = temporaryFolder();
		const project = path.join(folder, 'project');
		const bin = path.join(folder, 'bin');
		fs.mkdirSync(project);
		fs.mkdirSync(bin);
		// Our launch line with one word the real parser does not know (--version, read first, goes through as it is).
		fs.writeFileSync(path.join(bin, 'gemini'), `#!/bin/sh\n[ "$1" = --version ] && exec ${shellQuote(gemini.binary!)} "$@"\nexec ${shellQuote(gemini.binary!)} "$@" --not-a-gemini-flag\n`, {mode: 0o755});
		const server = await startServer(fixedModel([]));
		const environment = {...geminiEnvironment(path.join(folder, 'home'), server.baseUrl), PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`};
		const created = await runCli(['new', '--task', 'rejected', '--tool', 'gemini'], {cwd: project, env: environment});
		expect(created.code, created.stderr).toBe(0);
		const started = Date.now();
		const waited = await runCli(['wait', created.stdout.trim(), '--tool', 'gemini', '--launch', '--json'], {cwd: project, env: environment});
		expect(waited.code, waited.stderr).toBe(1);
		expect(Date.now() - started).toBeLessThan(60_000);
		const summary = JSON.parse(waited.stdout) as {state: string; errors: string[]};
		expect(summary.state).toBe('failed');
		expect(summary.errors.join('\n')).toMatch(/the launched consumer \(gemini\) exited with code 1 before the hand-off was done; stderr tail: Unknown arguments?: not-a-gemini-flag/);
		expect(server.requests).toEqual([]);
	});
});

type HandoffRun = {
	project: string;
	server: GeminiServer;
	tmux: Tmux;
	/** The screens seen while it ran, in order (each a capture of the whole terminal). */
	screens: string[];
	exitCode: number;
	/** The archive's files by path (read at the end, so they outlive the temporary folder). */
	archive: Map<string, string>;
	/** An archived file parsed as JSON (undefined when it is not there). */
	archived: (file: string) => unknown;
	/** How long the question waited between appearing on the screen and the person's answer. */
	answeredAfterMs: number;
	/** The session ids Gemini CLI recorded in its own chat files (in its temporary home). */
	geminiSessionIds: string[];
	/** The model requests made between 5 s after the question appeared and the answer: none while the CLI waits in its shell tool. */
	requestsWhileWaiting: string[];
	story: () => string;
};

const question = {id: 'profile-editing', text: 'Should users edit their own profiles?', options: ['Yes', 'No']};
/** The person answers only after this long, while the CLI waits in its shell tool. */
const answerAfterMs = 30_000;

/**
`handoff run --tool gemini --launch` (the built CLI) in a real terminal, from a folder that is not a git repository,
with the real gemini first on PATH and pointed at the scripted model; the person answers in the app after 30 s.
*/
async function runHandoff(scenario: Scenario, {makeModel = createObedientModel, answerAfter = answerAfterMs}: {makeModel?: (scenario: Scenario) => ObedientModel; answerAfter?: number} = {}): Promise<HandoffRun> {
	const folder = temporaryFolder();
	const project = path.join(folder, 'project');
	fs.mkdirSync(project);
	fs.writeFileSync(path.join(project, 'schema.json'), JSON.stringify({
		type: 'object',
		required: ['profile_editing'],
		additionalProperties: false,
		properties: {profile_editing: {type: 'string', enum: question.options}},
	}));
	fs.writeFileSync(path.join(project, 'task.md'), 'Decide whether users may edit their own profiles. Ask the person; do not guess.\n');
	const server = await startServer(makeModel(scenario));
	const environment = {
		...geminiEnvironment(path.join(folder, 'home'), server.baseUrl),
		PATH: `${path.dirname(gemini.binary!)}${path.delimiter}${process.env.PATH ?? ''}`,
	};
	const exitFile = path.join(folder, 'exit-code');
	const script = path.join(folder, 'run.sh');
	fs.writeFileSync(script, [
		...foreignGeminiVariables().map(key => `unset ${key}`),
		...Object.entries(environment).map(([key, value]) => `export ${key}=${shellQuote(value)}`),
		`${shellQuote(process.execPath)} ${shellQuote(cliPath)} run --task profiles --instructions task.md --schema schema.json --result output/result.json --timeout 600 --no-clipboard --tool gemini --launch`,
		`echo $? > ${shellQuote(exitFile)}`,
		'sleep 60',
	].join('\n'));
	const tmux = new Tmux();
	cleanups.push(() => {
		tmux.kill();
	});
	const screens: string[] = [];
	const look = (): string => {
		const screen = tmux.screen();
		if (screens.at(-1) !== screen) {
			screens.push(screen);
		}

		return screen;
	};

	const story = (): string => `${server.story()}\n--- last screen ---\n${screens.at(-1) ?? ''}`;
	tmux.start(`sh ${shellQuote(script)}`, {cwd: project, columns: 160, rows: 50});
	const waitFor = async (what: string, check: (screen: string) => boolean, timeoutMs: number): Promise<void> => {
		// A hand-off that ended (the app then waits for a key) or a handoff that exited will not get there.
		const ended = (screen: string): boolean => screen.includes('The hand-off has ended') || fs.existsSync(exitFile);
		await waitUntil(() => {
			const screen = look();
			return check(screen) || ended(screen);
		}, timeoutMs, what).catch((error: Error) => {
			throw new Error(`${error.message}\n${story()}`);
		});
		if (!check(screens.at(-1)!)) {
			throw new Error(`the hand-off ended before ${what}\n${story()}`);
		}
	};

	await waitFor('the question on the screen', screen => screen.includes(question.text), 120_000);
	const askedAt = Date.now();
	// The person takes their time: the CLI waits in its shell tool all along, asking the model nothing.
	await waitUntil(() => {
		look();
		return Date.now() - askedAt >= Math.min(5000, answerAfter);
	}, 10_000, '5 s');
	const requestsBefore = server.requests.length;
	await waitUntil(() => {
		look();
		return Date.now() - askedAt >= answerAfter;
	}, answerAfter + 5000, `${answerAfter / 1000} s`);
	const requestsWhileWaiting = server.requests.slice(requestsBefore);
	// Option 2 picked: pressed again until the screen shows it, since a key that comes as the question appears may be ignored.
	let pressedAt = 0;
	await waitFor('the chosen answer', screen => {
		if (screen.includes('Enter sends "No"')) {
			return true;
		}

		if (Date.now() - pressedAt > 1000) {
			tmux.sendKeys('2');
			pressedAt = Date.now();
		}

		return false;
	}, 10_000);
	const answeredAfterMs = Date.now() - askedAt;
	tmux.sendKeys('Enter');
	const exitCode = Number(await waitUntil(() => {
		look();
		return fs.existsSync(exitFile) && fs.readFileSync(exitFile, 'utf8').trim();
	}, 120_000, 'handoff to end').catch((error: Error) => {
		throw new Error(`${error.message}\n${story()}`);
	}));
	look();
	const results = path.join(project, '.handoff', 'results');
	const archiveName = fs.existsSync(results) ? fs.readdirSync(results).find(name => !name.startsWith('.')) : undefined;
	const archive = new Map<string, string>();
	if (archiveName) {
		for (const file of fs.readdirSync(path.join(results, archiveName), {recursive: true, encoding: 'utf8'})) {
			const full = path.join(results, archiveName, file);
			if (fs.statSync(full).isFile()) {
				archive.set(file, fs.readFileSync(full, 'utf8'));
			}
		}
	}

	// Its chat files are JSON lines, the first naming the session.
	const chats = path.join(folder, 'home', '.gemini', 'tmp');
	const geminiSessionIds = fs.existsSync(chats)
		? fs.readdirSync(chats, {recursive: true, encoding: 'utf8'})
			.filter(file => /(^|\/)session-[^/]*\.jsonl?$/.test(file))
			.map(file => (JSON.parse(fs.readFileSync(path.join(chats, file), 'utf8').split('\n')[0]!) as {sessionId?: string}).sessionId ?? '')
		: [];
	return {
		project,
		server,
		tmux,
		screens,
		exitCode,
		archive,
		archived(file) {
			const text = archive.get(file);
			return text === undefined ? undefined : JSON.parse(text) as unknown;
		},
		answeredAfterMs,
		geminiSessionIds,
		requestsWhileWaiting,
		story: () => `${story()}\n--- archive ---\n${[...archive.keys()].join('\n')}`,
	};
}

const commandsScenario: Scenario = {question, result: answer => ({profile_editing: answer}), way: 'commands', fileTools: true};
/** Tests 1 and 2 look at the same hand-off from two sides; it runs once, for whichever asks first. */
let commandsRun: Promise<HandoffRun> | undefined;
const runCommandsWay = async (): Promise<HandoffRun> => {
	commandsRun ??= runHandoff(commandsScenario);
	return commandsRun;
};

/** The lines of the Progress pane that the launched gemini contributed, over every screen seen. */
function geminiLines(run: HandoffRun): string[] {
	const lines = new Set<string>();
	for (const screen of run.screens) {
		for (const match of screen.matchAll(/│ gemini │ (.*?)\s*│/g)) {
			lines.add(match[1]!);
		}
	}

	return [...lines];
}

describe.skipIf(gemini.missing !== undefined || !hasTmux)(`handoff run --tool gemini --launch with the real Gemini CLI ${gemini.version ?? ''}${hasTmux ? '' : ' (skipped: no tmux)'}`, () => {
	test('from a folder that is not a git repository: it claims, reports, publishes a partial, asks, waits 30 s for the person\'s answer in the app, finishes; exit 0 and the answer archived in the result', async () => {
		const run = await runCommandsWay();
		expect(run.exitCode, run.story()).toBe(0);
		expect(run.server.problems, run.story()).toEqual([]);
		expect(fs.existsSync(path.join(run.project, '.git'))).toBe(false);
		expect(spawnSync('git', ['rev-parse', '--git-dir'], {cwd: run.project, stdio: 'ignore'}).status).not.toBe(0);
		// The person answered after 30 s, while the CLI sat in one shell command (`await --for 240`) asking the model nothing.
		expect(run.answeredAfterMs).toBeGreaterThanOrEqual(answerAfterMs);
		expect(run.requestsWhileWaiting).toEqual([]);
		expect(run.archived('output/result.json')).toEqual({profile_editing: 'No'});
		expect(run.archived('shared/questions.json')).toEqual({questions: [expect.objectContaining({id: question.id, text: question.text, options: question.options}) as unknown]});
		expect(run.archived('shared/answers.json')).toMatchObject({answers: [{id: question.id, answer: 'No'}]});
		expect(run.archived('shared/receipts.json')).toMatchObject({receipts: [{id: question.id}]});
		expect(run.archived('output/metadata.json')).toMatchObject({status: 'complete', result: {valid: true}, errors: []});
		// Claimed by the launched tool, with a progress line of its own and a partial result.
		expect(run.screens.some(screen => screen.includes('claimed by gemini')), run.story()).toBe(true);
		expect(run.archive.get('shared/progress.txt')?.trim().split('\n').length).toBeGreaterThanOrEqual(1);
		expect(run.archive.has('output/result.partial.json')).toBe(true);
	});

	test('its stream-json events are readable lines in the Progress pane, and its session id and model are in the archived metadata.json', async () => {
		const run = await runCommandsWay();
		expect(run.exitCode, run.story()).toBe(0);
		const lines = geminiLines(run);
		// Each tool call as one short line: the file read, then the handoff commands, with the workspace shortened to ".".
		for (const expected of [/^read input\/instructions\.md$/, /^read input\/schema\.json$/, /^\$ node \S+ --workspace \. claim$/, /^write draft\.json$/, /^\$ node \S+ --workspace \. progress /, /^\$ node \S+ --workspace \. partial /, /^\$ node \S+ --workspace \. ask /, /^\$ node \S+ --workspace \. await \S+ --for 240$/, /^\$ node \S+ --workspace \. done$/, /^done: \d+ tool calls, [\d.]+ s$/, /^exited with code 0$/]) {
			expect(lines.some(line => expected.test(line)), `${String(expected)} among\n${lines.join('\n')}`).toBe(true);
		}

		// Never the raw events.
		expect(run.screens.some(screen => screen.includes('{"type":'))).toBe(false);
		const {execution} = run.archived('output/metadata.json') as {execution: Record<string, unknown>};
		expect(execution).toMatchObject({tool: 'gemini-cli', version: gemini.version});
		// The session id its init event named is the one its own chat file records; the model is one the scripted server served, not the "auto" setting.
		expect(run.geminiSessionIds).toContain(execution.session_id);
		expect([...run.server.models]).toContain(execution.model);
		expect(execution.input_tokens).toBeGreaterThan(0);
	});

	test('an invalid first result: it reads the errors the done step prints, fixes the result and finishes; only the fixed one is archived', async () => {
		const run = await runHandoff({...commandsScenario, invalidFirst: {profile_editing: 'Maybe'}}, {answerAfter: 0});
		expect(run.exitCode, run.story()).toBe(0);
		expect(run.server.problems, run.story()).toEqual([]);
		expect(run.archived('output/result.json')).toEqual({profile_editing: 'No'});
		expect(run.archived('output/metadata.json')).toMatchObject({status: 'complete', result: {valid: true}, errors: []});
		// The done step ran twice: first refused (its exit code reached the model through Gemini's shell tool), then accepted.
		const doneSteps = geminiLines(run).filter(line => /^\$ node \S+ --workspace \. done$/.test(line));
		expect(doneSteps.length, geminiLines(run).join('\n')).toBeGreaterThanOrEqual(1);
		expect(run.server.story()).toMatch(/shell: check the result and finish[\s\S]*write: fix each error the check named[\s\S]*shell: check the result and signal completion/);
	});

	test('the plain-file way ("Without commands:") through its file tools: write_file for the claim, progress, question and result', async () => {
		const run = await runHandoff({...commandsScenario, way: 'plain-files'});
		expect(run.exitCode, run.story()).toBe(0);
		expect(run.server.problems, run.story()).toEqual([]);
		expect(run.archived('output/result.json')).toEqual({profile_editing: 'No'});
		expect(run.archived('shared/answers.json')).toMatchObject({answers: [{id: question.id, answer: 'No'}]});
		expect(run.archived('shared/receipts.json')).toMatchObject({receipts: [{id: question.id}]});
		expect(run.archived('output/metadata.json')).toMatchObject({status: 'complete', result: {valid: true}});
		const lines = geminiLines(run);
		// No handoff command ran: every step was a file written with its file tool.
		expect(lines.filter(line => /^\$ node /.test(line))).toEqual([]);
		for (const file of ['shared/status.txt', 'shared/progress.txt', 'shared/questions.json', 'output/result.json', '.done']) {
			expect(lines, file).toContain(`write ${file}`);
		}
	});
});
