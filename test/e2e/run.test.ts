import {spawn} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {afterEach, expect, test} from 'vitest';
import {currentProducerHold} from '../../source/core/hold.js';
import {cliPath, makeTempDirectory, runCli, schemaFixture, waitUntil} from '../helpers/cli.js';
import {Tmux} from '../helpers/tmux.js';

const consumerScript = new URL('../fixtures/scripted-consumer.mjs', import.meta.url).pathname;
const cleanups: Array<() => void> = [];
afterEach(() => {
	for (const cleanup of cleanups.splice(0)) {
		cleanup();
	}
});

/** The built CLI as a shell command. */
const handoff = `"${process.execPath}" "${cliPath}"`;

/** A project folder, removed after the test. */
function newProject(): string {
	const project = makeTempDirectory();
	cleanups.push(() => {
		fs.rmSync(project, {recursive: true, force: true});
	});
	return project;
}

/**
Runs `command` in a real terminal (tmux, CI unset) in `project`; `exitCode()` waits for the command's exit status. The pane stays open afterwards so its last screen can be read.
*/
function inTerminal(command: string, project: string, size: {columns?: number; rows?: number} = {}) {
	const tmux = new Tmux();
	cleanups.push(() => {
		tmux.kill();
	});
	const exitFile = path.join(project, 'exit-code');
	fs.rmSync(exitFile, {force: true});
	tmux.start(`sh -c '${command}; echo $? > ${exitFile}; sleep 30'`, {cwd: project, ...size});
	return {
		tmux,
		exitCode: async (): Promise<number> => Number(await waitUntil(() => fs.existsSync(exitFile) && fs.readFileSync(exitFile, 'utf8').trim(), 20_000, 'the exit code')),
	};
}

/** A project with a spec and a schema, and the scripted consumer waiting for the workspace `run` will make. */
function setUp(mode: 'valid' | 'invalid') {
	const project = newProject();
	fs.writeFileSync(path.join(project, 'SPEC.md'), '# Spec\n');
	fs.writeFileSync(path.join(project, 'schema.json'), JSON.stringify(schemaFixture));
	const consumer = spawn(process.execPath, [consumerScript, project, mode], {stdio: 'ignore'});
	cleanups.push(() => consumer.kill());
	return {project, run: `${handoff} run --task analyze-spec --input spec=SPEC.md --schema schema.json --result output/analysis.json --no-clipboard`};
}

test('a full hand-off in a real terminal: progress, partial, a question answered by key, archived, exit 0', async () => {
	const {project, run} = setUp('valid');
	const {tmux, exitCode} = inTerminal(run, project);
	const screen = await tmux.waitForScreen('Should users edit their own profiles?');
	expect(screen).toContain('Reading the spec');
	expect(screen).toContain('Found 1 state machine');
	expect(screen).toContain('"entity": "Ticket"');
	expect(screen).toContain('waiting for an answer');
	expect(screen).toContain('claimed by scripted');
	tmux.sendKeys('2');
	await tmux.waitForScreen('Enter sends "No"');
	tmux.sendKeys('Enter');
	expect(await exitCode()).toBe(0);
	const after = tmux.screen();
	expect(after).toContain('handoff: complete; archived to');
	// The alternate screen is gone: the panes are no longer on the terminal.
	expect(after).not.toContain('Questions');
	const results = path.join(project, '.handoff', 'results');
	const [archive] = fs.readdirSync(results);
	expect(JSON.parse(fs.readFileSync(path.join(results, archive!, 'output/analysis.json'), 'utf8'))).toEqual({state_machines: [{entity: 'Ticket'}], profile_editing: 'No'});
	// The workspace and its producer state are gone; the shared state folder beside them stays, empty.
	expect(fs.readdirSync(path.join(project, '.handoff', 'workspaces'))).toEqual(['.handoff-state']);
	expect(fs.readdirSync(path.join(project, '.handoff', 'workspaces', '.handoff-state'))).toEqual([]);
});

test('an invalid result shows the validator error naming the missing field, and exits 1; stdout captured draws on /dev/tty', async () => {
	const {project, run} = setUp('invalid');
	const {tmux, exitCode} = inTerminal(`${run} > summary.json`, project);
	const screen = await tmux.waitForScreen('Failed. The workspace is kept.');
	expect(screen).toContain('missing required field "state_machines"');
	tmux.sendKeys('q');
	expect(await exitCode()).toBe(1);
	const summary = JSON.parse(fs.readFileSync(path.join(project, 'summary.json'), 'utf8'));
	expect(summary).toMatchObject({state: 'failed', exit_code: 1});
	expect(summary.errors.join('\n')).toContain('output/analysis.json: /state_machines: missing required field "state_machines"');
	expect(tmux.screen()).toContain('handoff: failed; the workspace is kept');
});

test('q quits with 130 and leaves the workspace; watch resumes it', async () => {
	const project = newProject();
	const first = inTerminal(`${handoff} run --task quick --no-clipboard`, project);
	await first.tmux.waitForScreen('not started');
	first.tmux.sendKeys('q');
	expect(await first.exitCode()).toBe(130);
	expect(first.tmux.screen()).toContain(`resume with: ${process.execPath} `);
	const [name] = fs.readdirSync(path.join(project, '.handoff', 'workspaces')).filter(entry => !entry.startsWith('.'));
	const workspace = path.join(project, '.handoff', 'workspaces', name!);
	expect(fs.existsSync(path.join(workspace, 'input/manifest.json'))).toBe(true);
	first.tmux.kill();
	const again = inTerminal(`${handoff} watch ${workspace}`, project);
	await again.tmux.waitForScreen('not started');
	fs.appendFileSync(path.join(workspace, 'shared/progress.txt'), '[2025-01-01 10:00:00] came back\n');
	await again.tmux.waitForScreen('came back');
	again.tmux.sendKeys('q');
	expect(await again.exitCode()).toBe(130);
});

test('npx handoff demo as a new user runs it: answer by key, archived, exit 0', async () => {
	const project = newProject();
	const {tmux, exitCode} = inTerminal(`HANDOFF_DEMO_PACE=0.05 ${handoff} demo`, project, {columns: 100, rows: 30});
	await tmux.waitForScreen('Who should be able to edit a user profile?');
	tmux.sendKeys('2');
	await tmux.waitForScreen('Enter sends "Admins only"');
	tmux.sendKeys('Enter');
	expect(await exitCode()).toBe(0);
	const results = path.join(project, '.handoff', 'results');
	const [archive] = fs.readdirSync(results);
	expect(JSON.parse(fs.readFileSync(path.join(results, archive!, 'output/analysis.json'), 'utf8')).profile_editing).toBe('Admins only');
});

test('handoff demo shows the consumer\'s wait timing out and waiting again before the person answers; one question, the answer picked up, exit 0', async () => {
	const project = newProject();
	// Pace 0.2: the simulated consumer waits 0.6 s at a time, as an agent's `await --for` would, and asks again (idempotently) after each time-out.
	const {tmux, exitCode} = inTerminal(`HANDOFF_DEMO_PACE=0.2 ${handoff} demo`, project, {columns: 120, rows: 40});
	await tmux.waitForScreen('Who should be able to edit a user profile?');
	const timedOut = await tmux.waitForScreen('No answer to profile_editing yet; waiting again');
	expect(timedOut).not.toContain('Answer received');
	tmux.sendKeys('3');
	await tmux.waitForScreen('Enter sends "Both"');
	tmux.sendKeys('Enter');
	expect(await exitCode()).toBe(0);
	const results = path.join(project, '.handoff', 'results');
	const [archive] = fs.readdirSync(results);
	const record = (file: string): string => fs.readFileSync(path.join(results, archive!, file), 'utf8');
	expect(JSON.parse(record('output/analysis.json')).profile_editing).toBe('Both');
	// Asked again on every round, yet exactly one question exists.
	expect(JSON.parse(record('shared/questions.json')).questions).toHaveLength(1);
	const progress = record('shared/progress.txt');
	expect(progress.indexOf('No answer to profile_editing yet')).toBeGreaterThan(-1);
	expect(progress.indexOf('No answer to profile_editing yet')).toBeLessThan(progress.indexOf('Answer received: Both'));
});

test('handoff ls on a terminal is a list; Enter opens the chosen workspace in watch', async () => {
	const project = newProject();
	const workspace = (await runCli(['new', '--task', 'listed-task'], {cwd: project})).stdout.trim();
	await runCli(['ask', 'Pick one?', '--option', 'A', '--workspace', workspace]);
	const {tmux, exitCode} = inTerminal(`${handoff} ls`, project);
	await tmux.waitForScreen(/▸ waiting for an answer\s+workspace/);
	tmux.sendKeys('Enter');
	await tmux.waitForScreen('[q1] Pick one?');
	tmux.sendKeys('1');
	await tmux.waitForScreen('Enter sends "A"');
	tmux.sendKeys('Enter');
	await waitUntil(() => fs.existsSync(path.join(workspace, 'shared/answers.json')), 10_000, 'the answer');
	// q leaves the workspace for the list (test/e2e/ls.test.ts), and q there ends ls.
	tmux.sendKeys('q');
	await tmux.waitForScreen(/▸ (?:not started|running)\s+workspace/);
	tmux.sendKeys('q');
	expect(await exitCode()).toBe(0);
	expect(JSON.parse(fs.readFileSync(path.join(workspace, 'shared/answers.json'), 'utf8')).answers[0]).toMatchObject({id: 'q1', answer: 'A'});
});

test('the full-screen app killed with SIGKILL: watch takes over the stale hold, shows the true state and finishes', async () => {
	const project = newProject();
	fs.writeFileSync(path.join(project, 'schema.json'), JSON.stringify(schemaFixture));
	const workspace = (await runCli(['new', '--task', 'killed', '--schema', 'schema.json', '--result', 'output/analysis.json'], {cwd: project})).stdout.trim();
	const watch = `${handoff} watch ${workspace}`;
	// The second watch in the same terminal takes over once the first is killed.
	const {tmux, exitCode} = inTerminal(`${watch}; ${watch}`, project);
	await tmux.waitForScreen('not started');
	const hold = (await currentProducerHold(workspace))!;
	await runCli(['claim', '--workspace', workspace]);
	await runCli(['progress', 'before the crash', '--workspace', workspace]);
	await tmux.waitForScreen('before the crash');
	process.kill(hold.pid!, 'SIGKILL');
	await waitUntil(async () => {
		const holder = await currentProducerHold(workspace);
		return holder?.pid !== undefined && holder.pid !== hold.pid;
	}, 10_000, 'a new watcher');
	await tmux.waitForScreen('before the crash');
	await runCli(['progress', 'after the crash', '--workspace', workspace]);
	await tmux.waitForScreen('after the crash');
	fs.writeFileSync(path.join(workspace, 'output/analysis.json'), '{"state_machines": []}');
	await runCli(['done', '--workspace', workspace]);
	expect(await exitCode()).toBe(0);
	const archive = path.join(project, '.handoff', 'results', path.basename(workspace));
	expect(fs.readFileSync(path.join(archive, 'shared/progress.txt'), 'utf8')).toMatch(/before the crash[\s\S]*after the crash/);
});

test('a rejected result puts a fix-up prompt on the clipboard and says so; the repaired result completes', async () => {
	const project = newProject();
	const {tmux, exitCode} = inTerminal(`HANDOFF_DEMO_PACE=0.2 ${handoff} demo --scenario invalid --stay`, project);
	await tmux.waitForScreen('Who should be able to edit a user profile?');
	tmux.sendKeys('1');
	await tmux.waitForScreen('Enter sends');
	tmux.sendKeys('Enter');
	const screen = await tmux.waitForScreen('Fix-up prompt:');
	expect(screen).toMatch(/Result rejected \(retry 1 of 1\)|Complete\. Archived/);
	await tmux.waitForScreen('Complete. Archived');
	tmux.sendKeys('q');
	expect(await exitCode()).toBe(0);
});
