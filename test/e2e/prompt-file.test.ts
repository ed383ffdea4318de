import fs from 'node:fs';
import path from 'node:path';
import {expect, test, vi} from 'vitest';
import {buildPrompt} from '../../source/core/prompt.js';
import {cliPath, makeTempDirectory, newWorkspace, startCli, waitUntil} from '../helpers/cli.js';
import {Tmux, hasTmux, useCleanups} from '../helpers/tmux.js';

vi.setConfig({testTimeout: 60_000});

const cleanups = useCleanups();

function project(): string {
	const directory = makeTempDirectory();
	cleanups.push(() => {
		fs.rmSync(directory, {recursive: true, force: true});
	});
	return directory;
}

/** A terminal wide enough that the prompt line is not cut (the layout at narrow widths is another test's). */
function terminal(command: string, cwd: string): Tmux {
	const tmux = new Tmux();
	cleanups.push(() => {
		tmux.kill();
	});
	tmux.start(`sh -c '${command}; sleep 30'`, {cwd, columns: 220, rows: 40});
	return tmux;
}

const handoff = `"${process.execPath}" "${cliPath}"`;
const promptFileOf = (workspace: string): string => path.join(workspace, 'input', 'prompt.txt');

test.skipIf(!hasTmux)('run --no-clipboard saves input/prompt.txt and the screen says where it is', async () => {
	const directory = project();
	fs.writeFileSync(path.join(directory, 'SPEC.md'), '# Spec\n');
	const tmux = terminal(`${handoff} run --task analyze-spec --input spec=SPEC.md --no-clipboard`, directory);
	const screen = await tmux.waitForScreen('The prompt is in ');
	const workspace = path.join(directory, '.handoff', 'workspaces', fs.readdirSync(path.join(directory, '.handoff', 'workspaces')).find(name => !name.startsWith('.'))!);
	expect(screen).toContain(`The prompt is in ${promptFileOf(workspace)}; c copies it`);
	expect(fs.readFileSync(promptFileOf(workspace), 'utf8')).toBe(`${buildPrompt({workspace})}\n`);
});

test.skipIf(!hasTmux)('watch writes input/prompt.txt again (for its --tool) and shows where it is', async () => {
	const {project: directory, workspace} = await newWorkspace([], project());
	expect(fs.existsSync(promptFileOf(workspace))).toBe(false);
	const tmux = terminal(`${handoff} watch "${workspace}" --tool claude`, directory);
	const screen = await tmux.waitForScreen('The prompt is in ');
	expect(screen).toContain(`The prompt is in ${promptFileOf(workspace)}; c copies it`);
	expect(fs.readFileSync(promptFileOf(workspace), 'utf8')).toBe(`${buildPrompt({workspace, tool: 'claude'})}\n`);
});

test('without a terminal, watch and a resumed pipeline stage save the prompt too and say where', async () => {
	const {project: directory, workspace} = await newWorkspace([], project());
	const watch = startCli(['watch', workspace], {cwd: directory, detached: true});
	await watch.waitFor(`handoff: The prompt is in ${promptFileOf(workspace)}`);
	expect(fs.readFileSync(promptFileOf(workspace), 'utf8')).toBe(`${buildPrompt({workspace})}\n`);
	watch.child.kill('SIGTERM');
	expect((await watch.result).code).toBe(143);

	fs.writeFileSync(path.join(directory, 'pipeline.json'), JSON.stringify({name: 'p', stages: [{name: 'analysis', task: 'analyze-spec', inputs: {spec: 'SPEC.md'}}]}));
	const first = startCli(['pipeline', 'run', 'pipeline.json', '--no-clipboard'], {cwd: directory, detached: true});
	await first.waitFor('state: not started');
	first.child.kill('SIGTERM');
	await first.result;
	const stage = path.join(/run folder (\S+)/.exec(first.stderr())![1]!, 'stage-1-analysis');
	fs.rmSync(promptFileOf(stage), {force: true});
	const resumed = startCli(['pipeline', 'resume', path.dirname(stage)], {cwd: directory, detached: true});
	await resumed.waitFor(`handoff: The prompt is in ${promptFileOf(stage)}`);
	await waitUntil(() => fs.existsSync(promptFileOf(stage)), 10_000, 'the prompt file');
	expect(fs.readFileSync(promptFileOf(stage), 'utf8')).toBe(`${buildPrompt({workspace: stage})}\n`);
	resumed.child.kill('SIGTERM');
	await resumed.result;
});
