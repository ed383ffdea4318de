import {execFileSync, spawn} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {afterEach, describe, expect, test} from 'vitest';
import {cliPath, makeTempDirectory, waitUntil} from '../helpers/cli.js';
import {Tmux} from '../helpers/tmux.js';

/**
Real agents' shell tools end a command under a time limit, and an agent then runs the same command again. Here simulated agents (test/fixtures/simulated-agent.mjs) do that to `handoff await` with the limits scaled down, while a person answers in the real full-screen app only after the limit has passed several times.
*/

const agentScript = new URL('../fixtures/simulated-agent.mjs', import.meta.url).pathname;
const handoff = `"${process.execPath}" "${cliPath}"`;
/** The agents run the consumer commands of issue 9 (`ask`, `await <id> --for N`, exit 75); until the CLI has them there is nothing to simulate. */
const cliHasAwait = fs.existsSync(cliPath) && /^\s+await\b/m.test(execFileSync(process.execPath, [cliPath, '--help'], {encoding: 'utf8'}));
const slow = process.env.HANDOFF_SLOW_TESTS === '1';

const cleanups: Array<() => void> = [];
afterEach(() => {
	for (const cleanup of cleanups.splice(0)) {
		cleanup();
	}
});

type AgentEvent = {event: string; [key: string]: unknown};

type AgentCase = {
	tool: 'claude' | 'gemini' | 'codex';
	/** The factor the tool's real limit is scaled by, and the `--for` of the instructions (see the fixture's header). */
	scale: number;
	forScale: number;
	/** The `--for` step 5 of the instructions gives for this tool (issue 9 contract). */
	forInInstructions: number;
	/** How the scaled limit reads, for the test's name. */
	scaled: string;
	/** Events that show the limit was reached (or the wait ran out) before the person answers. */
	limitEvents: number;
	slow?: boolean;
};

const cases: AgentCase[] = [
	{
		tool: 'claude',
		// 2 min → 3 s; --for 100 → 2.5 → 3 s: the CLI's start-up makes the kill come first, so every run is killed, as `ask --wait` was.
		scale: 1 / 40,
		forScale: 1 / 40,
		forInInstructions: 100,
		scaled: 'killed after 3 s (real 2 min), --for 3 (real 100)',
		limitEvents: 3,
	},
	{
		tool: 'codex',
		// exec_command yields after 10 s → 5 s; --for 8 → 4 s: the wait ends with 75 before the yield, and is run again.
		scale: 1 / 2,
		forScale: 1 / 2,
		forInInstructions: 8,
		scaled: 'yields after 5 s (real 10 s), --for 4 (real 8)',
		limitEvents: 3,
	},
	{
		tool: 'gemini',
		// 5 min of silence → 30 s, while the wait keeps its real --for 240: only the heartbeats on stderr keep it from being killed.
		scale: 1 / 10,
		forScale: 1,
		forInInstructions: 240,
		scaled: 'killed after 30 s of silence (real 5 min), --for 240 as given',
		limitEvents: 0,
		slow: true,
	},
];

/** Runs `command` in a real terminal (tmux, CI unset) in `project`; `exitCode()` waits for its exit status. */
function inTerminal(command: string, project: string) {
	const tmux = new Tmux();
	cleanups.push(() => {
		tmux.kill();
	});
	const exitFile = path.join(project, 'exit-code');
	tmux.start(`sh -c '${command}; echo $? > ${exitFile}; sleep 30'`, {cwd: project});
	return {
		tmux,
		exitCode: async (): Promise<number> => Number(await waitUntil(() => fs.existsSync(exitFile) && fs.readFileSync(exitFile, 'utf8').trim(), 30_000, 'the exit code')),
	};
}

function readEvents(logFile: string): AgentEvent[] {
	return fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').filter(Boolean).map(line => JSON.parse(line) as AgentEvent) : [];
}

const title = '$tool: $scaled; the person answers after the limit has passed; one question, the agent gets the answer, the screen shows it picked up';

describe.skipIf(!cliHasAwait)('simulated agents wait for an answer through their tool limits', () => {
	test.each(cases.filter(agent => !agent.slow))(title, runAgent, 120_000);
	// A minute or more each: with HANDOFF_SLOW_TESTS=1 (.ci/run sets it).
	test.skipIf(!slow).each(cases.filter(agent => agent.slow))(title, runAgent, 240_000);
});

async function runAgent(agent: AgentCase): Promise<void> {
		expect.hasAssertions();
		const project = makeTempDirectory();
		cleanups.push(() => {
			fs.rmSync(project, {recursive: true, force: true});
		});
		fs.writeFileSync(path.join(project, 'schema.json'), JSON.stringify({type: 'object', required: ['profile_editing'], properties: {profile_editing: {type: 'string'}}}));
		const logFile = path.join(project, 'agent.log');
		const {tmux, exitCode} = inTerminal(`${handoff} run --task agents --schema schema.json --result output/result.json --timeout 900 --no-clipboard --tool ${agent.tool}`, project);
		const child = spawn(process.execPath, [agentScript, agent.tool, project, logFile, String(agent.scale), String(agent.forScale)], {stdio: ['ignore', 'ignore', 'pipe']});
		let agentErrors = '';
		child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
			agentErrors += chunk;
		});
		cleanups.push(() => child.kill('SIGKILL'));
		const agentExit = new Promise<number | null>(resolve => {
			child.on('close', resolve);
		});

		await tmux.waitForScreen('Should users edit their own profiles?', 30_000);
		const started = readEvents(logFile).find(event => event.event === 'started');
		expect(started).toMatchObject({forInInstructions: agent.forInInstructions});
		// The person answers only once the agent's limit has passed several times (Gemini: several silence limits).
		const limitMs = Number(started!.limitMs);
		const passed = await waitUntil<AgentEvent[] | undefined>(() => {
			const events = readEvents(logFile);
			const ended = events.filter(event => event.event === 'limit' || event.event === 'still-open');
			const since = events.find(event => event.event === 'asked')?.at as number | undefined;
			const enough = agent.limitEvents > 0 ? ended.length >= agent.limitEvents : since !== undefined && Date.now() - since > 2.2 * limitMs;
			return enough ? events : undefined;
		}, 20 * limitMs + 60_000, `the agent's limit to pass several times\n${agentErrors}`);
		expect(passed!.some(event => event.event === 'failed')).toBe(false);
		if (agent.tool === 'gemini') {
			// Never killed for silence: the heartbeats kept the one wait alive.
			expect(passed!.filter(event => event.event === 'limit')).toEqual([]);
		}

		const workspaces = path.join(project, '.handoff', 'workspaces');
		const [name] = fs.readdirSync(workspaces).filter(entry => !entry.startsWith('.'));
		const workspace = path.join(workspaces, name!);
		const questions = JSON.parse(fs.readFileSync(path.join(workspace, 'shared/questions.json'), 'utf8')) as {questions: unknown[]};
		expect(questions.questions).toHaveLength(1);
		const screen = tmux.screen();
		expect(screen.split('Should users edit their own profiles?').length - 1).toBe(1);

		tmux.sendKeys('2');
		await tmux.waitForScreen('Enter sends "No"');
		tmux.sendKeys('Enter');
		await tmux.waitForScreen(/\[q1\] picked up \d\d:\d\d:\d\d · Should users edit their own profiles\? → No/, 20 * limitMs + 30_000);
		// The receipt ("picked up") is written by `handoff await` before it returns the answer to the agent, which logs it after.
		const answered = await waitUntil(() => readEvents(logFile).find(event => event.event === 'answered'), 10_000, 'the agent to log its answer');
		expect(answered).toMatchObject({answer: 'No'});
		fs.writeFileSync(`${logFile}.go-on`, '');

		expect(await exitCode()).toBe(0);
		expect(await agentExit).toBe(0);
		const results = path.join(project, '.handoff', 'results');
		const [archive] = fs.readdirSync(results);
		const archived = (file: string): unknown => JSON.parse(fs.readFileSync(path.join(results, archive!, file), 'utf8'));
		expect(archived('output/result.json')).toEqual({profile_editing: 'No'});
		expect((archived('shared/questions.json') as {questions: unknown[]}).questions).toHaveLength(1);
		expect(archived('shared/answers.json')).toMatchObject({answers: [{id: 'q1', answer: 'No'}]});
		expect(archived('shared/receipts.json')).toMatchObject({receipts: [{id: 'q1'}]});
}
