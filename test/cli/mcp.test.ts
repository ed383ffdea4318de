import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {describe, expect, test} from 'vitest';
import {mcpRegistration, mcpServersJson} from '../../source/core/mcp-setup.js';
import {cliPath, newWorkspace, runCli, runDetached, startCli, useTempDirectories, waitUntil} from '../helpers/cli.js';
import {runRecordingModules} from '../helpers/loaded-modules.js';
import {connectMcp} from '../helpers/mcp.js';

const tempDirectory = useTempDirectories();
const readJson = (file: string): unknown => JSON.parse(fs.readFileSync(file, 'utf8'));
const isAlive = (pid: number | null | undefined): boolean => {
	try {
		process.kill(pid!, 0);
		return true;
	} catch {
		return false;
	}
};

test('a client that sends its calls and then closes stdin still gets every answer before the server ends', async () => {
	const {workspace} = await newWorkspace([], tempDirectory());
	const lines = [
		{jsonrpc: '2.0', id: 1, method: 'initialize', params: {protocolVersion: '2025-06-18', capabilities: {}, clientInfo: {name: 'pipe', version: '1'}}},
		{jsonrpc: '2.0', method: 'notifications/initialized'},
		{jsonrpc: '2.0', id: 2, method: 'tools/call', params: {name: 'get_task', arguments: {}}},
		{jsonrpc: '2.0', id: 3, method: 'tools/call', params: {name: 'claim', arguments: {}}},
	].map(message => JSON.stringify(message)).join('\n');
	const ran = spawnSync(process.execPath, [cliPath, 'mcp', '--workspace', workspace], {input: `${lines}\n`, encoding: 'utf8', timeout: 20_000});
	expect(ran.status, ran.stderr).toBe(0);
	const answered = ran.stdout.trim().split('\n').map(line => (JSON.parse(line) as {id?: number}).id);
	expect(answered.sort()).toEqual([1, 2, 3]);
	expect(fs.existsSync(path.join(workspace, '.lock'))).toBe(true);
});

describe('a bad call is a tool error and the server stays up', () => {
	test('malformed arguments name each field by its JSON path; an unknown tool is named', async () => {
		expect.hasAssertions();
		const {workspace} = await newWorkspace([], tempDirectory());
		const mcp = await connectMcp(['--workspace', workspace]);
		const cases: Array<[string, Record<string, unknown>, string]> = [
			['report_progress', {}, 'Invalid arguments for report_progress: /message: missing required field "message"'],
			['report_progress', {message: 5}, '/message: must be string'],
			['report_progress', {message: ''}, '/message: must NOT have fewer than 1 characters'],
			['ask_question', {text: 'Which?', options: 'Yes'}, '/options: must be array'],
			['await_answer', {id: 'q1', wait_seconds: 600}, '/wait_seconds: must be <= 45'],
			['await_answer', {id: 'q1', wait_seconds: -1}, '/wait_seconds: must be >= 0'],
			['get_task', {extra: 1}, '/extra: unexpected field "extra"'],
			['get_task', {workspace: 42}, '/workspace: must be string'],
			['fail', {}, '/reason: missing required field "reason"'],
			['delete_everything', {}, 'Unknown tool "delete_everything"; the tools are get_task, claim,'],
			// Well-formed, but refused by the protocol: a question nobody asked.
			['await_answer', {id: 'nobody-asked'}, 'No question with id "nobody-asked"'],
		];
		for (const [name, args, message] of cases) {
			const result = await mcp.call(name, args);
			expect(result.isError, `${name} ${JSON.stringify(args)}`).toBe(true);
			expect(result.text).toContain(message);
		}

		// Nothing was written by any of them, and the server still serves.
		expect(fs.existsSync(path.join(workspace, 'shared/progress.txt'))).toBe(false);
		expect(fs.existsSync(path.join(workspace, '.error'))).toBe(false);
		expect(isAlive(mcp.transport.pid)).toBe(true);
		expect((await mcp.call('claim')).isError).toBeFalsy();
		expect(mcp.stderr()).not.toContain('internal error');
	});

	test('a workspace removed mid-session: each call is a tool error, a wait under way ends with why, and another workspace is still served', async () => {
		expect.hasAssertions();
		const {workspace} = await newWorkspace([], tempDirectory());
		const {workspace: other} = await newWorkspace([], tempDirectory());
		const mcp = await connectMcp(['--workspace', workspace]);
		await mcp.call('claim');
		await mcp.call('ask_question', {text: 'Which region?', id: 'region'});
		const waiting = mcp.call('await_answer', {id: 'region', wait_seconds: 40});
		// The server says on stderr (its log) when the wait is under way.
		await waitUntil(() => mcp.stderr().includes('handoff mcp: waiting up to 40 s for an answer to region'), 10_000, 'the wait to start');
		const removedAt = Date.now();
		// Moved away first, so it is gone at once, then deleted.
		const moved = `${workspace}.gone`;
		fs.renameSync(workspace, moved);
		fs.rmSync(moved, {recursive: true, force: true});
		const ended = await waiting;
		expect(ended.isError).toBe(true);
		expect(ended.text).toContain('the workspace was removed; no answer to region will come');
		expect(Date.now() - removedAt).toBeLessThan(10_000);
		for (const name of ['get_task', 'claim', 'report_progress', 'submit_result']) {
			const result = await mcp.call(name, name === 'report_progress' ? {message: 'still here?'} : {});
			expect(result.isError, name).toBe(true);
			expect(result.text).toContain('does not exist');
		}

		expect(fs.existsSync(workspace)).toBe(false);
		expect(isAlive(mcp.transport.pid)).toBe(true);
		const listed = await mcp.client.listTools();
		expect(listed.tools.length).toBe(8);
		// A call may name its workspace: the same server serves another hand-off.
		const otherTask = await mcp.call('get_task', {workspace: other});
		expect(otherTask.isError).toBeFalsy();
		expect(JSON.parse(otherTask.text)).toMatchObject({workspace: fs.realpathSync(other), task: 'analyze-spec'});
		expect(mcp.stderr()).not.toContain('internal error');
	});

	test('started outside any workspace it serves anyway, and says where to point it', async () => {
		expect.hasAssertions();
		const mcp = await connectMcp([], {cwd: tempDirectory()});
		const result = await mcp.call('get_task');
		expect(result.isError).toBe(true);
		expect(result.text).toContain('No hand-off workspace here');
		expect(isAlive(mcp.transport.pid)).toBe(true);
	});
});

test('fail ends the hand-off with the reason; a later await says it has ended', async () => {
	expect.hasAssertions();
	const {workspace} = await newWorkspace([], tempDirectory());
	const mcp = await connectMcp([], {env: {HANDOFF_WORKSPACE: workspace, HANDOFF_TOOL: 'mcp-client'}});
	await mcp.call('claim');
	await mcp.call('ask_question', {text: 'Which region?', id: 'region'});
	const failed = await mcp.call('fail', {reason: 'the spec is empty'});
	expect(failed.isError).toBeFalsy();
	expect(fs.readFileSync(path.join(workspace, '.error'), 'utf8')).toContain('the spec is empty');
	expect(fs.readFileSync(path.join(workspace, 'shared/status.txt'), 'utf8')).toContain('FAILED');
	expect(readJson(path.join(workspace, 'output/metadata.json'))).toMatchObject({status: 'failed', execution: {tool: 'mcp-client'}});
	const after = await mcp.call('await_answer', {id: 'region', wait_seconds: 5});
	expect(after.isError).toBe(true);
	expect(after.text).toContain('this hand-off has failed');
});

test('submit_result without a result checks the file the agent wrote itself', async () => {
	expect.hasAssertions();
	const {workspace} = await newWorkspace([], tempDirectory());
	const mcp = await connectMcp(['--workspace', workspace]);
	const missing = await mcp.call('submit_result');
	expect(missing.isError).toBe(true);
	expect(missing.text).toContain('output/analysis.json: is missing');
	fs.writeFileSync(path.join(workspace, 'output/analysis.json'), '{"state_machines": [{"entity": "Ticket"}]}');
	const valid = await mcp.call('submit_result');
	expect(valid.isError).toBeFalsy();
	expect(fs.existsSync(path.join(workspace, '.done'))).toBe(true);
});

test('pointed at a pipeline run folder, it serves the stage that is current, following the run from stage to stage', async () => {
	expect.hasAssertions();
	const project = tempDirectory();
	fs.writeFileSync(path.join(project, 'SPEC.md'), '# Spec\n');
	fs.writeFileSync(path.join(project, 'pipeline.json'), JSON.stringify({
		name: 'two',
		stages: [
			{name: 'analysis', task: 'analyze-spec', inputs: {spec: 'SPEC.md'}, result: 'output/analysis.json'},
			{name: 'dsl', task: 'generate-dsl', inputs: {analysis: {stage: 'analysis', path: 'output/analysis.json'}}, result: 'output/app.json'},
		],
	}));
	const running = runDetached(['pipeline', 'run', 'pipeline.json', '--no-clipboard', '--timeout', '60'], {cwd: project});
	const pipelines = path.join(project, '.handoff/pipelines');
	const run = (await waitUntil((): string | undefined => (fs.existsSync(pipelines) ? fs.readdirSync(pipelines).map(name => path.join(pipelines, name))[0] : undefined), 10_000, 'the run folder'))!;
	const mcp = await connectMcp(['--workspace', run]);
	const serving = async (task: string): Promise<void> => {
		await waitUntil(async () => {
			const result = await mcp.call('get_task');
			return !result.isError && (JSON.parse(result.text) as {task: string}).task === task;
		}, 20_000, `the stage with task ${task}`);
	};

	await serving('analyze-spec');
	await mcp.call('claim');
	expect((await mcp.call('submit_result', {result: {entities: ['Ticket']}})).isError).toBeFalsy();
	await serving('generate-dsl');
	const task = JSON.parse((await mcp.call('get_task')).text) as {workspace: string; inputs: {analysis: string}};
	expect(task.workspace).toBe(path.join(fs.realpathSync(run), 'stage-2-dsl'));
	expect(readJson(task.inputs.analysis)).toEqual({entities: ['Ticket']});
	expect((await mcp.call('claim')).isError).toBeFalsy();
	expect((await mcp.call('submit_result', {result: {app: 'ok'}})).isError).toBeFalsy();
	const result = await running;
	expect(result.code, result.stderr).toBe(0);
	expect(JSON.parse(result.stdout)).toMatchObject({state: 'complete'});
	// Between and after stages the run has none waiting: a tool error that says so.
	const after = await mcp.call('get_task');
	expect(after.isError).toBe(true);
	expect(after.text).toContain('No hand-off stage of this pipeline run is waiting for a consumer now (analysis: complete, dsl: complete)');
}, 60_000);

describe('run --mcp', () => {
	test('new --mcp writes the steps as tool calls with the workspace to pass, and keeps the commands as the fallback', async () => {
		expect.hasAssertions();
		const {workspace} = await newWorkspace(['--tool', 'claude', '--mcp'], tempDirectory());
		const instructions = fs.readFileSync(path.join(workspace, 'input/instructions.md'), 'utf8');
		expect(instructions).toContain(`pass \`"workspace": ${JSON.stringify(workspace)}\` to each of them`);
		expect(instructions).toContain('`mcp__handoff__get_task`');
		for (const tool of ['get_task', 'claim', 'report_progress', 'publish_partial', 'ask_question', 'await_answer', 'submit_result', 'fail']) {
			expect(instructions).toContain(`\`${tool}\``);
		}

		expect(instructions).toContain('When it is pending, call `await_answer` again');
		expect(instructions).toContain(`${process.execPath} ${cliPath} --workspace ${workspace} done`);
	});

	test('the prompt names the tools and the workspace, and shows the one-line registration for the --tool', async () => {
		expect.hasAssertions();
		const project = tempDirectory();
		fs.writeFileSync(path.join(project, 'schema.json'), '{"type": "object"}');
		// No terminal: the prompt goes to stderr; the hand-off times out at once.
		const {stderr} = await runDetached(['run', '--task', 't', '--schema', 'schema.json', '--tool', 'codex', '--mcp', '--timeout', '1'], {cwd: project});
		expect(stderr).toContain('Use the tools of the MCP server "handoff" (get_task first), passing "workspace": "');
		expect(stderr).toContain(`register it once with: codex mcp add handoff -- ${process.execPath} ${cliPath} mcp`);
	});

	test('the registration for claude, codex, gemini and cursor, as the readme shows it', () => {
		const command = ['node', '/path/to/handoff/dist/cli.js'];
		expect(mcpRegistration('claude', command)).toBe('claude mcp add --scope user handoff -- node /path/to/handoff/dist/cli.js mcp');
		expect(mcpRegistration('codex', command)).toBe('codex mcp add handoff -- node /path/to/handoff/dist/cli.js mcp');
		expect(mcpRegistration('gemini', command)).toBe('gemini mcp add --scope user handoff node /path/to/handoff/dist/cli.js mcp');
		expect(mcpServersJson(command)).toEqual({mcpServers: {handoff: {command: 'node', args: ['/path/to/handoff/dist/cli.js', 'mcp']}}});
		const readme = fs.readFileSync(new URL('../../readme.md', import.meta.url), 'utf8');
		for (const tool of ['claude', 'codex', 'gemini']) {
			expect(readme).toContain(mcpRegistration(tool, command));
		}

		expect(readme).toContain('~/.cursor/mcp.json');
		expect(readme).toContain(JSON.stringify(mcpServersJson(command), null, 2));
	});
});

const fakes = fileURLToPath(new URL('../fixtures/fake-clis', import.meta.url));
const withFakes = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({PATH: `${fakes}${path.delimiter}${process.env.PATH}`, ...extra});
const insideGit = (folder: string): boolean => spawnSync('git', ['rev-parse', '--is-inside-work-tree'], {cwd: folder, stdio: 'ignore'}).status === 0;

describe('--launch --mcp hands the server to the launched tool for that run only', () => {
	const outsideGit = !insideGit(tempDirectory());
	for (const tool of ['claude', 'codex', 'gemini']) {
		test.skipIf(!outsideGit)(`${tool}: its fake does the hand-off as an MCP client; the person's configuration is untouched`, async () => {
			expect.hasAssertions();
			const project = tempDirectory();
			const home = tempDirectory();
			const argsLog = path.join(project, 'args');
			fs.writeFileSync(path.join(project, 'SPEC.md'), '# Spec\n');
			fs.writeFileSync(path.join(project, 'schema.json'), JSON.stringify({type: 'object', required: ['summary'], properties: {summary: {type: 'string'}}}));
			// --keep: the workspace stays, to show what was put in it for the launch.
			const {code, stdout, stderr} = await runDetached(['run', '--task', 'launched', '--input', 'spec=SPEC.md', '--schema', 'schema.json', '--tool', tool, '--mcp', '--launch', '--timeout', '60', '--keep'], {cwd: project, env: withFakes({HOME: home, FAKE_ARGS_LOG: argsLog})});
			expect(code, stderr).toBe(0);
			const summary = JSON.parse(stdout) as {state: string; archive: string; result: string};
			expect(summary.state).toBe('complete');
			// Written through submit_result, claimed and reported through the tools.
			expect(readJson(summary.result)).toEqual({summary: 'done by a fake CLI over MCP'});
			expect(fs.readFileSync(path.join(summary.archive, 'shared/progress.txt'), 'utf8')).toMatch(/\] Reading the spec$/m);
			// Each step a call of the server's tools, as the tool's own event stream shows it.
			const shownAs = {claude: 'claude: mcp__handoff__', codex: 'codex: tool handoff/', gemini: 'gemini: mcp_handoff_'}[tool]!;
			expect(stderr).toContain(`${shownAs}claim`);
			expect(stderr).toContain(`${shownAs}submit_result`);
			expect(fs.readFileSync(path.join(summary.archive, 'input/instructions.md'), 'utf8')).toContain('with the handoff MCP tools');
			const args = fs.readFileSync(argsLog, 'utf8').split('\0');
			const workspace = path.join(path.dirname(path.dirname(summary.archive)), 'workspaces', path.basename(summary.archive));
			const server = {command: process.execPath, args: [cliPath, 'mcp', '--workspace', workspace]};
			if (tool === 'claude') {
				const config = JSON.parse(args[args.indexOf('--mcp-config') + 1]!) as unknown;
				expect(config).toEqual({mcpServers: {handoff: {...server, env: {HANDOFF_TOOL: 'claude'}}}});
				expect(args.slice(args.indexOf('--allowedTools'))).toContain('mcp__handoff');
			} else if (tool === 'codex') {
				expect(args).toContain(`mcp_servers.handoff.command=${JSON.stringify(server.command)}`);
				expect(args).toContain(`mcp_servers.handoff.args=${JSON.stringify(server.args)}`);
			} else {
				// Gemini has no flag for it: the project settings of the folder it runs in, the workspace, with trust for headless calls.
				expect(readJson(path.join(workspace, '.gemini/settings.json'))).toEqual({mcpServers: {handoff: {...server, env: {HANDOFF_TOOL: 'gemini'}, trust: true}}});
				expect(args.join(' ')).not.toContain('mcp');
			}

			// Nothing was registered: no configuration file was written in the person's home.
			expect(fs.readdirSync(home)).toEqual([]);
		}, 30_000);
	}

	test('a tool that reads MCP servers only from its configuration is refused with what to do instead', async () => {
		expect.hasAssertions();
		const project = tempDirectory();
		const {code, stderr} = await runCli(['run', '--task', 't', '--tool', 'copilot', '--mcp', '--launch'], {cwd: project, env: withFakes()});
		expect(code).toBe(2);
		expect(stderr).toContain('--launch --mcp: handoff can hand its MCP server to claude, codex, gemini for one run only; copilot reads it only from its configuration');
		expect(fs.existsSync(path.join(project, '.handoff'))).toBe(false);
	});
});

test('a waiting await_answer reports progress to a client that asks for it', async () => {
	expect.hasAssertions();
	const {workspace} = await newWorkspace([], tempDirectory());
	const mcp = await connectMcp(['--workspace', workspace], {env: {HANDOFF_HEARTBEAT_MS: '300'}});
	await mcp.call('ask_question', {text: 'Which region?', id: 'region'});
	const reports: Array<{progress: number; total?: number}> = [];
	const result = await mcp.client.callTool({name: 'await_answer', arguments: {id: 'region', wait_seconds: 2}}, undefined, {
		onprogress(progress) {
			reports.push(progress);
		},
	});
	expect(result.isError).toBeFalsy();
	expect(reports.length).toBeGreaterThanOrEqual(2);
	expect(reports.every(report => report.total === 2)).toBe(true);
});

test('the same question asked at once by many calls from two servers is one question', async () => {
	expect.hasAssertions();
	const {workspace} = await newWorkspace([], tempDirectory());
	const sessions = [await connectMcp(['--workspace', workspace]), await connectMcp(['--workspace', workspace])];
	const trials = process.env.HANDOFF_SLOW_TESTS === '1' ? 20 : 4;
	for (let trial = 0; trial < trials; trial++) {
		const question = {text: `Question ${trial}?`, options: ['Yes', 'No']};
		const results = await Promise.all(sessions.flatMap(session => Array.from({length: 5}, async () => session.call('ask_question', question))));
		const ids = new Set(results.map(result => (JSON.parse(result.text) as {id: string}).id));
		expect(ids.size).toBe(1);
		expect(results.filter(result => (JSON.parse(result.text) as {created: boolean}).created)).toHaveLength(1);
	}

	const {questions} = readJson(path.join(workspace, 'shared/questions.json')) as {questions: Array<{text: string}>};
	expect(questions.map(question => question.text)).toEqual(Array.from({length: trials}, (_, trial) => `Question ${trial}?`));
}, 60_000);

test('only handoff mcp loads the MCP SDK: a consumer command and run --mcp do not pay for it', async () => {
	expect.hasAssertions();
	const project = tempDirectory();
	const {workspace} = await newWorkspace([], project);
	const progress = await runRecordingModules(['progress', 'Reading', '--workspace', workspace], project);
	expect(progress.sources).toContain('source/commands/progress.ts');
	expect(progress.packages).not.toContain('@modelcontextprotocol/sdk');
	const run = await runRecordingModules(['run', '--task', 't', '--tool', 'claude', '--mcp', '--timeout', '1', '--no-clipboard', '--dir', path.join(project, 'runs')], project);
	expect(run.sources).toContain('source/core/mcp-setup.ts');
	expect(run.packages).not.toContain('@modelcontextprotocol/sdk');
	// The control: the server itself does load it (it ends when its stdin, closed here, ends).
	const mcp = await runRecordingModules(['mcp', '--workspace', workspace], project);
	expect(mcp.packages).toContain('@modelcontextprotocol/sdk');
}, 30_000);

test('lines that are not JSON-RPC, and a call whose arguments are not an object, leave the server answering', async () => {
	expect.hasAssertions();
	const {workspace} = await newWorkspace([], tempDirectory());
	const server = startCli(['mcp', '--workspace', workspace], {keepStdin: true});
	const send = (message: unknown): void => {
		server.child.stdin!.write(`${typeof message === 'string' ? message : JSON.stringify(message)}\n`);
	};

	const response = async (id: number): Promise<{result?: {isError?: boolean; content?: Array<{text: string}>}; error?: {code: number; message: string}}> => {
		await server.waitFor(new RegExp(`"id":${id}[,}]`), 'stdout');
		const line = server.stdout().split('\n').find(candidate => candidate.includes(`"id":${id},`) || candidate.includes(`"id":${id}}`))!;
		return JSON.parse(line) as never;
	};

	send('this is not JSON');
	send('{"jsonrpc": "2.0", "id": "broken"');
	send({jsonrpc: '2.0', id: 1, method: 'initialize', params: {protocolVersion: '2025-06-18', capabilities: {}, clientInfo: {name: 'raw', version: '1'}}});
	expect((await response(1)).result).toBeDefined();
	send({jsonrpc: '2.0', method: 'notifications/initialized'});
	send({jsonrpc: '2.0', id: 2, method: 'tools/call', params: {name: 'report_progress', arguments: 'Reading the spec'}});
	// Not a tools/call by the MCP schema (arguments must be an object): the SDK answers with a JSON-RPC error, before any tool runs.
	const refused = await response(2);
	expect(refused.result).toBeUndefined();
	expect(refused.error?.message).toContain('"arguments"');
	send({jsonrpc: '2.0', id: 3, method: 'tools/call', params: {name: 'report_progress', arguments: {message: 'Reading the spec'}}});
	expect((await response(3)).result?.isError).toBeFalsy();
	expect(fs.readFileSync(path.join(workspace, 'shared/progress.txt'), 'utf8')).toContain('Reading the spec');
	// Every line on stdout is a JSON-RPC message.
	for (const line of server.stdout().split('\n').filter(Boolean)) {
		expect(JSON.parse(line)).toMatchObject({jsonrpc: '2.0'});
	}

	server.child.stdin!.end();
	expect((await server.result).code).toBe(0);
});

test('a client gone without closing stdin (its end of stdout closed) ends the server quietly', async () => {
	expect.hasAssertions();
	const {workspace} = await newWorkspace([], tempDirectory());
	const server = startCli(['mcp', '--workspace', workspace], {keepStdin: true});
	server.child.stdout!.destroy();
	const request = {jsonrpc: '2.0', id: 1, method: 'initialize', params: {protocolVersion: '2025-06-18', capabilities: {}, clientInfo: {name: 'raw', version: '1'}}};
	server.child.stdin!.write(`${JSON.stringify(request)}\n`);
	const {code, stderr} = await server.result;
	expect(stderr).not.toContain('internal error');
	expect(code).toBe(0);
});

test('aider, which has no MCP, is refused --mcp and keeps the plain-file way', async () => {
	expect.hasAssertions();
	const project = tempDirectory();
	const {code, stderr} = await runCli(['new', '--task', 't', '--tool', 'aider', '--mcp'], {cwd: project});
	expect(code).toBe(2);
	expect(stderr).toContain('--mcp: aider loads no MCP servers');
	expect(fs.existsSync(path.join(project, '.handoff'))).toBe(false);
});

test('text that a shell would need quoted for reaches the files exactly through the tools', async () => {
	expect.hasAssertions();
	const {workspace} = await newWorkspace([], tempDirectory());
	const mcp = await connectMcp(['--workspace', workspace]);
	const tricky = 'It\'s "quoted" $(touch /tmp/pwned-by-handoff-test) `id` $HOME \\ ; & | > *';
	await mcp.call('report_progress', {message: tricky});
	const asked = JSON.parse((await mcp.call('ask_question', {text: tricky, options: ['a\'b', '"c"', '$(d)']})).text) as {id: string};
	expect(fs.readFileSync(path.join(workspace, 'shared/progress.txt'), 'utf8')).toContain(`] ${tricky}\n`);
	expect(readJson(path.join(workspace, 'shared/questions.json'))).toMatchObject({questions: [{id: asked.id, text: tricky, options: ['a\'b', '"c"', '$(d)']}]});
	expect(fs.existsSync('/tmp/pwned-by-handoff-test')).toBe(false);
	// Several lines are several progress lines, each stamped, as with the command.
	await mcp.call('report_progress', {message: 'first line\nsecond line'});
	expect(fs.readFileSync(path.join(workspace, 'shared/progress.txt'), 'utf8')).toMatch(/^\[[^\]]+\] first line\n\[[^\]]+\] second line\n$/m);
});

test('without --tool or HANDOFF_TOOL, the claim and metadata name the client from the MCP handshake', async () => {
	expect.hasAssertions();
	const {workspace} = await newWorkspace([], tempDirectory());
	const mcp = await connectMcp(['--workspace', workspace]);
	await mcp.call('claim');
	expect(readJson(path.join(workspace, '.lock'))).toMatchObject({tool: 'handoff-test'});
	await mcp.call('submit_result', {result: {state_machines: []}});
	expect(readJson(path.join(workspace, 'output/metadata.json'))).toMatchObject({status: 'complete', execution: {tool: 'handoff-test'}});
});

test('a workspace made anew at the same path (a pipeline stage run again) is claimed anew, not taken as claimed', async () => {
	expect.hasAssertions();
	const {workspace} = await newWorkspace([], tempDirectory());
	const fresh = `${workspace}.fresh`;
	fs.cpSync(workspace, fresh, {recursive: true});
	const mcp = await connectMcp(['--workspace', workspace]);
	expect((await mcp.call('claim')).text).toContain('Claimed');
	expect((await mcp.call('claim')).text).toContain('already');
	fs.rmSync(workspace, {recursive: true});
	fs.renameSync(fresh, workspace);
	expect(fs.existsSync(path.join(workspace, '.lock'))).toBe(false);
	expect((await mcp.call('claim')).text).toContain('Claimed');
	expect(fs.existsSync(path.join(workspace, '.lock'))).toBe(true);
});
