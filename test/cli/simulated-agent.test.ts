import {spawn} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {describe, expect, test} from 'vitest';
import {makeTempDirectory, waitUntil} from '../helpers/cli.js';

/**
The simulated agents of test/e2e/agents.test.ts must enforce their tool's limit, or that test proves nothing: here each runs against a stub of the consumer commands (test/fixtures/stub-consumer-cli.mjs) whose await is under the test's control.
*/

const agentScript = new URL('../fixtures/simulated-agent.mjs', import.meta.url).pathname;
const stubScript = new URL('../fixtures/stub-consumer-cli.mjs', import.meta.url).pathname;

type AgentEvent = {event: string; [key: string]: unknown};

/** A project with a workspace whose instructions name the stub as the CLI, step 5 giving `--for forSeconds`. */
function setUp(forSeconds: number) {
	const project = makeTempDirectory();
	const workspace = path.join(project, '.handoff', 'workspaces', 'task_1');
	fs.mkdirSync(path.join(workspace, 'input'), {recursive: true});
	fs.mkdirSync(path.join(workspace, 'shared'));
	fs.mkdirSync(path.join(workspace, 'output'));
	const cli = `'${process.execPath}' '${stubScript}' --workspace '${workspace}'`;
	fs.writeFileSync(path.join(workspace, 'input/manifest.json'), JSON.stringify({outputs: {result: 'output/result.json'}}));
	fs.writeFileSync(path.join(workspace, 'input/instructions.md'), [
		'# Task',
		'1. **Read the inputs.**',
		`2. **Claim the task** before you start:\n   \`${cli} claim\``,
		`5. **Ask when something is unclear.** Shell commands are time-limited in this tool:\n   \`${cli} ask "Should admins see deleted tickets?" --option Yes --option No\`\n   then \`${cli} await q1 --for ${forSeconds}\`; when it exits 75, run the same await command again.`,
		`6. **Write the result**, then \`${cli} done\``,
		'',
	].join('\n'));
	fs.writeFileSync(path.join(workspace, 'shared/status.txt'), 'PENDING\n');
	const logFile = path.join(project, 'agent.log');
	fs.writeFileSync(`${logFile}.go-on`, '');
	const events = (): AgentEvent[] => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').filter(Boolean).map(line => JSON.parse(line) as AgentEvent) : []);
	const calls = (): string[] => (fs.existsSync(path.join(workspace, 'calls.log')) ? fs.readFileSync(path.join(workspace, 'calls.log'), 'utf8').split('\n').filter(Boolean) : []);
	const start = (tool: string, scale: number, forScale: number, env: NodeJS.ProcessEnv = {}) => {
		const child = spawn(process.execPath, [agentScript, tool, project, logFile, String(scale), String(forScale)], {stdio: 'ignore', env: {...process.env, ...env}});
		return new Promise<number | null>(resolve => {
			child.on('close', resolve);
		});
	};

	const answer = (text: string): void => {
		fs.writeFileSync(path.join(workspace, 'answer'), text);
	};

	return {workspace, events, calls, start, answer};
}

const count = (events: AgentEvent[], name: string): number => events.filter(event => event.event === name).length;

describe('the simulated agents enforce their tool limits', () => {
	test('claude-like: every run is killed at the fixed limit (1 s here) and the same command runs again; the answer gets through', async () => {
		expect.hasAssertions();
		const agent = setUp(100);
		const exit = agent.start('claude', 1 / 120, 1);
		await waitUntil(() => count(agent.events(), 'limit') >= 3, 20_000, 'three kills');
		agent.answer('No');
		expect(await exit).toBe(0);
		const events = agent.events();
		expect(events.find(event => event.event === 'started')).toMatchObject({limitMs: 1000, forInInstructions: 100, forSeconds: 100});
		expect(events.filter(event => event.event === 'limit').every(event => event.how === 'killed after a fixed time')).toBe(true);
		expect(events.find(event => event.event === 'answered')).toMatchObject({answer: 'No'});
		// Each killed run got the tool's SIGTERM; one ask, several runs of the same await.
		expect(agent.calls().filter(call => call.startsWith('term')).length).toBeGreaterThanOrEqual(3);
		expect(agent.calls().filter(call => call.startsWith('ask'))).toHaveLength(1);
		expect(agent.calls().filter(call => call.startsWith('done'))).toHaveLength(1);
	}, 30_000);

	test('gemini-like: a silent command is killed after the silence limit (1 s here); heartbeats on stderr keep it alive', async () => {
		expect.hasAssertions();
		const silent = setUp(240);
		const silentExit = silent.start('gemini', 1 / 300, 1, {STUB_HEARTBEAT_MS: '0'});
		await waitUntil(() => count(silent.events(), 'limit') >= 2, 20_000, 'two kills for silence');
		silent.answer('Yes');
		expect(await silentExit).toBe(0);
		expect(silent.events().filter(event => event.event === 'limit').every(event => event.how === 'killed after silence')).toBe(true);

		const beating = setUp(3);
		const beatingExit = beating.start('gemini', 1 / 300, 1, {STUB_HEARTBEAT_MS: '300'});
		// Each run outlives the silence limit threefold and ends by itself with 75.
		await waitUntil(() => count(beating.events(), 'still-open') >= 1, 20_000, 'a wait that ran out');
		beating.answer('Yes');
		expect(await beatingExit).toBe(0);
		expect(count(beating.events(), 'limit')).toBe(0);
		expect(beating.calls().filter(call => call.startsWith('term'))).toEqual([]);
	}, 60_000);

	test('codex-like: exec yields (1 s here) leaving the command running, the agent polls it, runs it again after exit 75, or leaves it behind when polling gives up', async () => {
		expect.hasAssertions();
		const agent = setUp(8);
		// --for 8 × 0.25 = 2 s: longer than the yield, shorter than the yield and its three polls (4 s).
		const exit = agent.start('codex', 0.1, 0.25);
		await waitUntil(() => count(agent.events(), 'still-open') >= 2, 20_000, 'two waits that ran out');
		agent.answer('No');
		expect(await exit).toBe(0);
		const events = agent.events();
		expect(count(events, 'yielded')).toBeGreaterThanOrEqual(2);
		expect(count(events, 'polled')).toBeGreaterThanOrEqual(2);
		expect(events.find(event => event.event === 'answered')).toMatchObject({answer: 'No'});

		const abandoned = setUp(40);
		// --for 10 s: polling gives up first, and the agent starts the same command again while the first still waits.
		const abandonedExit = abandoned.start('codex', 0.1, 0.25);
		await waitUntil(() => count(abandoned.events(), 'limit') >= 1 && abandoned.calls().filter(call => call.startsWith('await')).length >= 2, 20_000, 'a command left behind and run again');
		abandoned.answer('No');
		expect(await abandonedExit).toBe(0);
		expect(abandoned.events().find(event => event.event === 'limit')).toMatchObject({how: 'left running after polling'});
	}, 60_000);
});
