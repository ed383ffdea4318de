import {execFile} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {promisify} from 'node:util';
import {expect, test} from 'vitest';
import {childEnvironment, runCli, schemaFixture, startCli, useTempDirectories, waitUntil} from '../helpers/cli.js';

const execFileAsync = promisify(execFile);
const tempDirectory = useTempDirectories();

/** Creates a workspace with unusual options: spaces everywhere, a non-default --dir, a custom result name. */
async function unusualWorkspace(): Promise<{project: string; workspace: string; instructions: string}> {
	const project = path.join(tempDirectory(), 'my project');
	fs.mkdirSync(project);
	fs.writeFileSync(path.join(project, 'the spec.md'), '# Spec\n');
	fs.writeFileSync(path.join(project, 'result schema.json'), JSON.stringify(schemaFixture));
	fs.writeFileSync(path.join(project, 'task.md'), 'Find the state machines in the spec.');
	const created = await runCli(['new', '--task', 'spec analysis', '--dir', 'hand offs', '--input', 'spec=the spec.md', '--schema', 'result schema.json', '--instructions', 'task.md', '--result', 'output/spec analysis.json', '--retries', '1'], {cwd: project});
	expect(created.code).toBe(0);
	const workspace = created.stdout.trim();
	return {project, workspace, instructions: fs.readFileSync(path.join(workspace, 'input/instructions.md'), 'utf8')};
}

/** The command lines the instructions give, by step, exactly as written. */
function commandsIn(instructions: string): Record<string, string> {
	const commands: Record<string, string> = {};
	for (const match of instructions.matchAll(/^ {3}`([^`]+ (claim|progress|partial|ask|done|fail)(?: [^`]*)?)`/gm)) {
		commands[match[2]!] = match[1]!;
	}

	return commands;
}

test('the instructions name the task, inputs, the exact result path and schema, and commands that work here', async () => {
	const {workspace, instructions} = await unusualWorkspace();
	expect(workspace).toContain(path.join('my project', 'hand offs', 'workspaces', 'spec-analysis_'));
	expect(instructions).toContain('Find the state machines in the spec.');
	expect(instructions).toContain('spec: `input/the spec.md`');
	expect(instructions).toContain(`**Write the result** to \`output/spec analysis.json\` (that is \`${path.join(workspace, 'output/spec analysis.json')}\`) as JSON valid against the schema in \`input/schema.json\``);
	expect(instructions).toContain('`output/spec analysis.partial.json`');
	expect(instructions).toContain('can be fixed and sent again 1 time');
	const commands = commandsIn(instructions);
	expect(Object.keys(commands).sort()).toEqual(['ask', 'claim', 'done', 'fail', 'partial', 'progress']);
	for (const command of Object.values(commands)) {
		expect(command.startsWith(`${process.execPath} `)).toBe(true);
		expect(command).toContain(`--workspace '${workspace}'`);
	}
});

test('a consumer that only reads input/instructions.md and runs exactly its commands completes the hand-off', async () => {
	const {workspace, instructions} = await unusualWorkspace();
	const wait = startCli(['wait', workspace, '--json']);
	await wait.waitFor('state: not started');
	const commands = commandsIn(instructions);
	// The agent runs from somewhere else entirely, with nothing on PATH but the shell's basics.
	const run = async (command: string) => execFileAsync('sh', ['-c', command], {cwd: '/', env: childEnvironment({PATH: '/usr/bin:/bin'})});
	await run(commands.claim!);
	await run(commands.progress!);
	const asking = run(commands.ask!);
	await wait.waitFor('question q1: Should admins see deleted tickets? [1) Yes 2) No]');
	await runCli(['answer', workspace, 'q1', '1']);
	expect((await asking).stdout.trim()).toBe('Yes');
	const resultPath = /\*\*Write the result\*\* to `[^`]+` \(that is `([^`]+)`\)/.exec(instructions)![1]!;
	fs.writeFileSync(resultPath, JSON.stringify({state_machines: [{entity: 'Ticket'}]}));
	await run(commands.done!);
	const result = await wait.result;
	expect(result.code).toBe(0);
	expect(JSON.parse(result.stdout).result).toMatch(/output\/spec analysis\.json$/);
	expect(fs.readFileSync(path.join(JSON.parse(result.stdout).archive, 'shared/progress.txt'), 'utf8')).toContain('Reading the spec');
	await waitUntil(() => !fs.existsSync(workspace), 5000, 'the workspace to be archived');
});
