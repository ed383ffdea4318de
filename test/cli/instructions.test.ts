import {execFile} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {promisify} from 'node:util';
import {expect, test} from 'vitest';
import {promptTools} from '../../source/core/prompt.js';
import {toolLimits} from '../../source/core/tool-limits.js';
import {childEnvironment, cliPath, runCli, runShellLine, schemaFixture, startCli, useTempDirectories, waitUntil} from '../helpers/cli.js';

const execFileAsync = promisify(execFile);
const tempDirectory = useTempDirectories();

/** Creates a workspace with unusual options: spaces everywhere, a non-default --dir, a custom result name. */
async function unusualWorkspace(extra: string[] = []): Promise<{project: string; workspace: string; instructions: string}> {
	const project = path.join(tempDirectory(), 'my project');
	fs.mkdirSync(project);
	fs.writeFileSync(path.join(project, 'the spec.md'), '# Spec\n');
	fs.writeFileSync(path.join(project, 'result schema.json'), JSON.stringify(schemaFixture));
	fs.writeFileSync(path.join(project, 'task.md'), 'Find the state machines in the spec.');
	const created = await runCli(['new', '--task', 'spec analysis', '--dir', 'hand offs', '--input', 'spec=the spec.md', '--schema', 'result schema.json', '--instructions', 'task.md', '--result', 'output/spec analysis.json', '--retries', '1', ...extra], {cwd: project});
	expect(created.code).toBe(0);
	const workspace = created.stdout.trim();
	return {project, workspace, instructions: fs.readFileSync(path.join(workspace, 'input/instructions.md'), 'utf8')};
}

/** The command lines the instructions give, by step, exactly as written. */
function commandsIn(instructions: string): Record<string, string> {
	const commands: Record<string, string> = {};
	for (const match of instructions.matchAll(/^ {3}`([^`]+ (claim|progress|partial|ask|await|done|fail)(?: [^`]*)?)`/gm)) {
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
	expect(Object.keys(commands).sort()).toEqual(['ask', 'await', 'claim', 'done', 'fail', 'partial', 'progress']);
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
	expect((await run(commands.ask!)).stdout.trim()).toBe('admins-deleted');
	await wait.waitFor('question admins-deleted: Should admins see deleted tickets? [1) Yes 2) No]');
	await runCli(['answer', workspace, 'admins-deleted', '1']);
	expect((await run(commands.await!)).stdout.trim()).toBe('Yes');
	const resultPath = /\*\*Write the result\*\* to `[^`]+` \(that is `([^`]+)`\)/.exec(instructions)![1]!;
	fs.writeFileSync(resultPath, JSON.stringify({state_machines: [{entity: 'Ticket'}]}));
	await run(commands.done!);
	const result = await wait.result;
	expect(result.code).toBe(0);
	expect(JSON.parse(result.stdout).result).toMatch(/output\/spec analysis\.json$/);
	expect(fs.readFileSync(path.join(JSON.parse(result.stdout).archive, 'shared/progress.txt'), 'utf8')).toContain('Reading the spec');
	await waitUntil(() => !fs.existsSync(workspace), 5000, 'the workspace to be archived');
});

/** Runs a command line as an agent's shell tool does: from another folder, with nothing on PATH but the basics, and no terminal (a session of its own). */
async function runAsAgent(command: string): Promise<{code: number | null; stdout: string; stderr: string}> {
	return runShellLine(command, {PATH: '/usr/bin:/bin'});
}

test('every --tool has a row in the limits table, and the table is the one docs/protocol.md shows', () => {
	const protocol = fs.readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');
	for (const tool of promptTools) {
		expect(Object.hasOwn(toolLimits, tool)).toBe(true);
	}

	for (const [tool, limit] of Object.entries(toolLimits)) {
		expect(protocol).toContain(`| \`${tool}\` | ${limit.name} | ${limit.limit} | ${limit.awaitSeconds === undefined ? 'plain files' : `\`--for ${limit.awaitSeconds}\``} |`);
	}
});

test.each(promptTools)('step 5 for --tool %s: the ask + await loop with the --for that fits its limit, or the plain-file wait recipe', async tool => {
	const {instructions} = await unusualWorkspace(['--tool', tool]);
	const step5 = /^5\. [\s\S]*?(?=^6\. )/m.exec(instructions)![0];
	const limit = toolLimits[tool];
	expect(step5).toContain(limit.name);
	expect(step5).toContain(limit.limit);
	// The plain-file way, for every tool: a concrete wait and the receipt.
	expect(step5).toContain('If it is not there yet, wait about 20 seconds (e.g. `sleep 20`) and look again');
	expect(step5).toContain('to the `"receipts"` array of `shared/receipts.json`');
	if (limit.awaitSeconds === undefined) {
		expect(step5).toMatch(/so ask and wait with files: add/);
		return;
	}

	const commands = commandsIn(instructions);
	expect(commands.await).toMatch(new RegExp(` await admins-deleted --for ${limit.awaitSeconds}$`));
	expect(commands.ask).toMatch(/ ask 'Should admins see deleted tickets\?' --option Yes --option No --id admins-deleted$/);
	expect(step5).toContain('**When it exits 75, the question is still open: run the same await command again**');
	expect(step5).toContain('work on other parts of the task');
});

test('a literal reader of the codex instructions (--for 8) asks, re-runs await after exit 75, and gets the answer given after its first wait timed out', async () => {
	const {workspace, instructions} = await unusualWorkspace(['--tool', 'codex']);
	const commands = commandsIn(instructions);
	expect((await runAsAgent(commands.claim!)).code).toBe(0);
	const runs: Array<{code: number | null; stdout: string; stderr: string}> = [];
	let answered = false;
	// The reader does what step 5 says: ask, await; exit 75 → run the same await again. Re-asking on each round, as an agent that lost track would, must not add a question.
	let awaitCommand = commands.await!;
	for (let round = 0; round < 5; round++) {
		const asked = await runAsAgent(commands.ask!);
		expect(asked.code).toBe(0);
		expect(asked.stdout.trim()).toBe('admins-deleted');
		const started = Date.now();
		const run = await runAsAgent(awaitCommand);
		runs.push(run);
		if (run.code !== 75) {
			break;
		}

		// The wait ended in time (before Codex's 10 s yield) and says what to run next: the same wait, in the absolute form, which the reader runs as written.
		expect(Date.now() - started).toBeLessThan(10_000);
		awaitCommand = /run the same command again to keep waiting: (.+)$/m.exec(run.stderr)![1]!;
		expect(awaitCommand.startsWith(`${process.execPath} ${cliPath} `)).toBe(true);
		expect(awaitCommand).toMatch(/ await admins-deleted\b.*--for 8\b|--for 8\b.* await admins-deleted\b/);
		if (!answered) {
			answered = true;
			expect((await runCli(['answer', workspace, 'admins-deleted', '2'])).code).toBe(0);
		}
	}

	expect(runs.map(run => run.code)).toEqual([75, 0]);
	expect(runs[1]!.stdout.trim()).toBe('No');
	const questions = JSON.parse(fs.readFileSync(path.join(workspace, 'shared/questions.json'), 'utf8')).questions as unknown[];
	expect(questions).toHaveLength(1);
	const receipts = JSON.parse(fs.readFileSync(path.join(workspace, 'shared/receipts.json'), 'utf8')).receipts as Array<{id: string}>;
	expect(receipts.map(receipt => receipt.id)).toEqual(['admins-deleted']);
}, 60_000);

test('shared/rejection.md gives a command that runs as written: the repaired result is signalled with it and archived', async () => {
	const {workspace, instructions} = await unusualWorkspace();
	const wait = startCli(['wait', workspace, '--json']);
	await wait.waitFor('state: not started');
	const resultPath = /\*\*Write the result\*\* to `[^`]+` \(that is `([^`]+)`\)/.exec(instructions)![1]!;
	fs.writeFileSync(resultPath, JSON.stringify({state_machines: [{}]}));
	fs.writeFileSync(path.join(workspace, '.done'), '');
	await wait.waitFor('rejected: the result is invalid');
	const rejection = fs.readFileSync(path.join(workspace, 'shared/rejection.md'), 'utf8');
	expect(rejection).not.toMatch(/`handoff /);
	const command = /^ {4}(\S.*)$/m.exec(rejection)![1]!;
	expect(command.startsWith(`${process.execPath} ${cliPath} done --workspace `)).toBe(true);
	fs.writeFileSync(resultPath, JSON.stringify({state_machines: [{entity: 'Ticket'}]}));
	const signalled = await runAsAgent(command);
	expect(signalled.stderr).toContain('is valid; signalled completion');
	expect(signalled.code).toBe(0);
	const result = await wait.result;
	expect(result.code).toBe(0);
});

test('the hints wait prints run as written: "answer with:" answers the question, "resume with:" watches the workspace to its end', async () => {
	const {workspace, instructions} = await unusualWorkspace();
	const wait = startCli(['wait', workspace]);
	await wait.waitFor('state: not started');
	expect((await runAsAgent(commandsIn(instructions).ask!)).code).toBe(0);
	await wait.waitFor(/answer with: .+\n/);
	const answerWith = /answer with: (.+)$/m.exec(wait.stderr())![1]!;
	expect(answerWith.startsWith(`${process.execPath} ${cliPath} answer `)).toBe(true);
	const answered = await runAsAgent(answerWith);
	expect(answered.code).toBe(0);
	expect(JSON.parse(fs.readFileSync(path.join(workspace, 'shared/answers.json'), 'utf8')).answers[0]).toMatchObject({id: 'admins-deleted', answer: 'Yes'});
	await wait.waitFor('state: running');
	wait.child.kill('SIGINT');
	const stopped = await wait.result;
	expect(stopped.code).toBe(130);
	const resumeWith = /resume with: (.+)$/m.exec(stopped.stderr)![1]!;
	expect(resumeWith).toBe(`${process.execPath} ${cliPath} watch '${workspace}'`);
	// The resumed watch (no terminal here, so headless) completes once the result is in.
	const resumed = runAsAgent(resumeWith);
	const resultPath = /\*\*Write the result\*\* to `[^`]+` \(that is `([^`]+)`\)/.exec(instructions)![1]!;
	fs.writeFileSync(resultPath, JSON.stringify({state_machines: [{entity: 'Ticket'}]}));
	fs.writeFileSync(path.join(workspace, '.done'), '');
	const finished = await resumed;
	expect(finished.stderr).toContain('handoff: complete; archived to');
	expect(finished.code).toBe(0);
});

test('a plain-file reader following the aider recipe (its 20 s pause scaled down 100 times) asks, waits, reads the answer and leaves a receipt', async () => {
	const {workspace, instructions} = await unusualWorkspace(['--tool', 'aider']);
	const step5 = /^5\. [\s\S]*?(?=^6\. )/m.exec(instructions)![0];
	const wait = startCli(['wait', workspace]);
	await wait.waitFor('state: not started');
	// The entries exactly as the recipe writes them.
	const question = JSON.parse(/add `(\{"id": [^`]+\})` to the `"questions"` array/.exec(step5)![1]!) as {id: string};
	const receiptShape = /add `(\{"id": [^`]+\})` to the `"receipts"` array/.exec(step5)![1]!;
	fs.writeFileSync(path.join(workspace, 'shared/questions.json'), JSON.stringify({questions: [question]}));
	await wait.waitFor(`question ${question.id}: Should admins see deleted tickets? [1) Yes 2) No]`);
	// The person answers while the reader is already waiting.
	const answering = new Promise(resolve => {
		setTimeout(resolve, 500);
	}).then(async () => runCli(['answer', workspace, question.id, 'No']));
	let answer: string | undefined;
	for (let look = 0; answer === undefined && look < 100; look++) {
		const file = path.join(workspace, 'shared/answers.json');
		const answers = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as {answers: Array<{id: string; answer: string}>}).answers : [];
		answer = answers.find(entry => entry.id === question.id)?.answer;
		if (answer === undefined) {
			await new Promise(resolve => {
				setTimeout(resolve, 200);
			});
		}
	}

	expect((await answering).code).toBe(0);
	expect(answer).toBe('No');
	const receipt = JSON.parse(receiptShape.replace('<the time, ISO 8601 UTC>', new Date().toISOString())) as {id: string; read_at: string};
	fs.writeFileSync(path.join(workspace, 'shared/receipts.json'), JSON.stringify({receipts: [receipt]}));
	expect(receipt).toEqual({id: question.id, read_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown});
	wait.child.kill('SIGINT');
	expect((await wait.result).code).toBe(130);
});

test('gemini may not pipe into a handoff command, so its step 4 names a file to write first, and the partial command publishes from it as written', async () => {
	const {workspace, instructions} = await unusualWorkspace(['--tool', 'gemini']);
	const step = /^4\. \*\*Share partial results\*\*[\s\S]*?(?=^5\. )/m.exec(instructions)![0];
	expect(step).not.toContain('stdin');
	const draft = /a file first, e\.g\. `([^`]+)`/.exec(step)![1]!;
	expect(path.dirname(draft)).toBe(workspace);
	fs.writeFileSync(draft, JSON.stringify({state_machines: []}));
	const published = await runAsAgent(commandsIn(instructions).partial!.replace(/ FILE$/, ` '${draft}'`));
	expect(published.code, published.stderr).toBe(0);
	expect(JSON.parse(fs.readFileSync(path.join(workspace, 'output/spec analysis.partial.json'), 'utf8'))).toEqual({state_machines: []});
	// Every other tool keeps the stdin form.
	expect((await unusualWorkspace(['--tool', 'codex'])).instructions).toContain('(or `-` to read JSON from stdin)');
});
