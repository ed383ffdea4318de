import fs from 'node:fs';
import path from 'node:path';
import {afterEach, expect, test} from 'vitest';
import {mcpToolNames} from '../../source/core/mcp-setup.js';
import {cliPath, newWorkspace, schemaFixture, useTempDirectories, waitUntil} from '../helpers/cli.js';
import {connectMcp} from '../helpers/mcp.js';
import {Tmux} from '../helpers/tmux.js';

const tempDirectory = useTempDirectories();
const cleanups: Array<() => void> = [];
afterEach(() => {
	for (const cleanup of cleanups.splice(0)) {
		cleanup();
	}
});

const readJson = (file: string): unknown => JSON.parse(fs.readFileSync(file, 'utf8'));

test('a whole hand-off through the MCP tools, driven by the SDK\'s client, with the person answering in the real screen', async () => {
	expect.hasAssertions();
	const project = tempDirectory();
	const {workspace} = await newWorkspace([], project);
	const shared = (name: string): string => path.join(workspace, 'shared', name);
	const tmux = new Tmux();
	cleanups.push(() => {
		tmux.kill();
	});
	tmux.start(`"${process.execPath}" "${cliPath}" watch ${workspace}; echo "watch exit=$?"; sleep 30`);
	await tmux.waitForScreen('analyze-spec');

	const mcp = await connectMcp(['--workspace', workspace], {env: {HANDOFF_TOOL: 'mcp-client'}});
	const {tools} = await mcp.client.listTools();
	expect(tools.map(tool => tool.name)).toEqual([...mcpToolNames]);
	for (const tool of tools) {
		// Complete schemas: every argument typed, nothing else accepted.
		expect(tool.inputSchema).toMatchObject({type: 'object', additionalProperties: false, properties: {workspace: {type: 'string'}}});
		expect(tool.description).toBeTruthy();
	}

	// get_task: the task, the inputs by absolute path, the result path and its schema.
	const task = await mcp.call('get_task');
	expect(task.isError).toBeFalsy();
	const taskView = JSON.parse(task.text) as {inputs: {spec: string}};
	expect(taskView).toMatchObject({task: 'analyze-spec', result_path: 'output/analysis.json', result_file: path.join(workspace, 'output/analysis.json'), schema: schemaFixture});
	expect(fs.readFileSync(taskView.inputs.spec, 'utf8')).toContain('Ticket.status');

	// claim: .lock and RUNNING; claiming again in the same session is no error.
	expect((await mcp.call('claim')).isError).toBeFalsy();
	expect(fs.readFileSync(shared('status.txt'), 'utf8')).toContain('RUNNING');
	expect(readJson(path.join(workspace, '.lock'))).toMatchObject({tool: 'mcp-client'});
	expect((await mcp.call('claim')).text).toContain('already');

	await mcp.call('report_progress', {message: 'Reading the spec'});
	await tmux.waitForScreen('Reading the spec');

	const partial = await mcp.call('publish_partial', {result: {state_machines: [{entity: 7}]}});
	expect(JSON.parse(partial.text)).toEqual({file: 'output/analysis.partial.json', schema_errors: ['output/analysis.partial.json: /state_machines/0/entity: must be string']});
	expect(readJson(path.join(workspace, 'output/analysis.partial.json'))).toEqual({state_machines: [{entity: 7}]});

	// The same question asked twice (and once more without its id) is one question.
	const question = {text: 'Should admins see deleted tickets?', options: ['Yes', 'No'], id: 'admins-deleted'};
	expect(JSON.parse((await mcp.call('ask_question', question)).text)).toMatchObject({id: 'admins-deleted', created: true, status: 'pending'});
	expect(JSON.parse((await mcp.call('ask_question', question)).text)).toMatchObject({id: 'admins-deleted', created: false, status: 'pending'});
	expect(JSON.parse((await mcp.call('ask_question', {text: question.text, options: question.options})).text)).toMatchObject({id: 'admins-deleted', created: false});
	expect((readJson(shared('questions.json')) as {questions: unknown[]}).questions).toHaveLength(1);

	// Nobody has answered: pending, after the time asked for.
	const pending = await mcp.call('await_answer', {id: 'admins-deleted', wait_seconds: 1});
	expect(pending.isError).toBeFalsy();
	expect(JSON.parse(pending.text)).toMatchObject({id: 'admins-deleted', status: 'pending'});
	expect(fs.existsSync(shared('receipts.json'))).toBe(false);

	// A wait under way wakes when the person answers on the screen.
	const waiting = mcp.call('await_answer', {id: 'admins-deleted', wait_seconds: 40});
	await tmux.waitForScreen('[admins-deleted] Should admins see deleted tickets?');
	tmux.sendKeys('1');
	await tmux.waitForScreen('Enter sends "Yes"');
	tmux.sendKeys('Enter');
	const answeredAt = Date.now();
	const answered = await waiting;
	expect(Date.now() - answeredAt).toBeLessThan(20_000);
	expect(answered.isError).toBeFalsy();
	expect(JSON.parse(answered.text)).toEqual({id: 'admins-deleted', status: 'answered', answer: 'Yes'});
	expect(readJson(shared('receipts.json'))).toMatchObject({receipts: [{id: 'admins-deleted'}]});
	await tmux.waitForScreen('picked up');
	// Asked again once answered, the answer comes back at once.
	expect(JSON.parse((await mcp.call('ask_question', question)).text)).toMatchObject({id: 'admins-deleted', status: 'answered', answer: 'Yes'});

	// An invalid result is refused with every error by its JSON path, and nothing is signalled.
	const invalid = await mcp.call('submit_result', {result: {state_machines: [{entity: 5}, {}]}});
	expect(invalid.isError).toBe(true);
	expect(invalid.structuredContent).toEqual({valid: false, errors: [
		'output/analysis.json: /state_machines/0/entity: must be string',
		'output/analysis.json: /state_machines/1/entity: missing required field "entity"',
	]});
	expect(invalid.text).toContain('/state_machines/1/entity: missing required field "entity"');
	expect(fs.existsSync(path.join(workspace, '.done'))).toBe(false);

	// A valid one completes: the screen archives it and ends with 0.
	const valid = await mcp.call('submit_result', {result: {state_machines: [{entity: 'Ticket'}]}});
	expect(valid.isError).toBeFalsy();
	expect(JSON.parse(valid.text)).toMatchObject({valid: true, file: 'output/analysis.json', status: 'complete'});
	await tmux.waitForScreen('watch exit=0', 20_000);
	const archive = path.join(project, '.handoff/results', path.basename(workspace));
	expect(readJson(path.join(archive, 'output/analysis.json'))).toEqual({state_machines: [{entity: 'Ticket'}]});
	expect(readJson(path.join(archive, 'output/metadata.json'))).toMatchObject({status: 'complete', execution: {tool: 'mcp-client'}});
	await waitUntil(() => !fs.existsSync(workspace), 10_000, 'the workspace to be removed');
	// The server outlived its workspace: the next call is a tool error, not a dead connection.
	const gone = await mcp.call('get_task');
	expect(gone.isError).toBe(true);
	expect(gone.text).toContain('does not exist');
}, 90_000);

test('run --tool claude --mcp shows on the screen how to register the server, before the person starts the tool', async () => {
	expect.hasAssertions();
	const project = tempDirectory();
	fs.writeFileSync(path.join(project, 'schema.json'), '{"type": "object"}');
	const tmux = new Tmux();
	cleanups.push(() => {
		tmux.kill();
	});
	tmux.start(`"${process.execPath}" "${cliPath}" run --task registered --schema schema.json --tool claude --mcp --timeout 60`, {columns: 200, cwd: project});
	await tmux.waitForScreen(`Register handoff's MCP server once: claude mcp add --scope user handoff -- ${process.execPath} ${cliPath} mcp`);
	tmux.sendKeys('q');
	const workspaces = path.join(project, '.handoff/workspaces');
	const [name] = fs.readdirSync(workspaces).filter(entry => !entry.startsWith('.'));
	// The prompt saved for pasting names the tools and the workspace, and the registration too.
	const prompt = fs.readFileSync(path.join(workspaces, name!, 'input/prompt.txt'), 'utf8');
	expect(prompt).toContain(`Use the tools of the MCP server "handoff" (get_task first), passing "workspace": ${JSON.stringify(path.join(fs.realpathSync(workspaces), name!))} to each.`);
	expect(prompt).toContain('register it once with: claude mcp add --scope user handoff --');
});
