import fs from 'node:fs';
import path from 'node:path';
import {describe, expect, test} from 'vitest';
import {cliPath, newWorkspace, runCli, useTempDirectories, waitUntil} from '../helpers/cli.js';
import {recordedModules, recordingEnvironment, runRecordingModules} from '../helpers/loaded-modules.js';
import {hasTmux, Tmux, useCleanups} from '../helpers/tmux.js';

const project = useTempDirectories();
/** ajv's compiler (not the two runtime files the generated validators use). */
const ajvCompiler = (files: Set<string>): string[] => [...files].filter(file => file.startsWith('ajv/') && !file.startsWith('ajv/dist/runtime/'));
const cleanups = useCleanups();

describe('what a consumer command loads', () => {
	test('the recorder sees ajv where new compiles a result schema; a watch without a terminal loads no screen code', async () => {
		const {workspace, project: directory} = await newWorkspace([], project());
		// new --schema checks the producer's schema with ajv.
		fs.writeFileSync(path.join(directory, 'schema.json'), JSON.stringify({type: 'object', required: ['name']}));
		const created = await runRecordingModules(['new', '--task', 'schema', '--schema', 'schema.json', '--no-clipboard', '--dir', path.join(directory, 'more')], directory);
		expect(created.code, created.stderr).toBe(0);
		expect(ajvCompiler(created.packageFiles)).toContain('ajv/dist/core.js');
		expect(created.sources).toContain('source/core/create.ts');
		expect((await runCli(['fail', 'Stopped on purpose', '--workspace', workspace], {cwd: directory})).code).toBe(0);
		const watch = await runRecordingModules(['watch', workspace], directory);
		expect(watch.code).toBe(1);
		expect(watch.sources).toContain('source/commands/watch.ts');
		expect(watch.packages).not.toContain('ink');
		expect(watch.packages).not.toContain('react');
	});

	test.skipIf(!hasTmux)('the recorder sees ink and react where watch draws the screen in a terminal', async () => {
		const {workspace, project: directory} = await newWorkspace([], project());
		const record = path.join(directory, 'modules-watch-tty.txt');
		fs.writeFileSync(record, '');
		const tmux = new Tmux();
		cleanups.push(() => {
			tmux.kill();
		});
		const environment = Object.entries(recordingEnvironment(record)).map(([name, value]) => `${name}='${value}'`).join(' ');
		tmux.start(`${environment} '${process.execPath}' '${cliPath}' watch '${workspace}'`, {cwd: directory, columns: 100, rows: 30});
		await tmux.waitForScreen('not started');
		tmux.sendKeys('q');
		await waitUntil(() => recordedModules(record).sources.has('source/ui/watch-screen.tsx') || undefined, 10_000, 'the screen\'s modules recorded');
		const loaded = recordedModules(record);
		expect(loaded.packages).toContain('ink');
		expect(loaded.packages).toContain('react');
	});

	test.each([
		['progress', ['progress', 'Reading the spec']],
		['claim', ['claim', '--tool', 'claude']],
		['--version', ['--version']],
	])('%s loads none of ink, react and ajv\'s compiler', async (_, args) => {
		const {workspace, project: directory} = await newWorkspace([], project());
		const run = await runRecordingModules([...args, ...(args[0] === '--version' ? [] : ['--workspace', workspace])], directory);
		expect(run.code, run.stderr).toBe(0);
		expect(run.sources.size).toBeGreaterThan(0);
		expect(run.packages).not.toContain('ink');
		expect(run.packages).not.toContain('react');
		expect(ajvCompiler(run.packageFiles)).toEqual([]);
	});

	test('ask and await load no ink, react or ajv\'s compiler: our own files are checked by validators generated ahead of time', async () => {
		const {workspace, project: directory} = await newWorkspace([], project());
		const ask = await runRecordingModules(['ask', 'Which?', '--option', 'A', '--workspace', workspace], directory);
		expect(ask.code).toBe(0);
		const wait = await runRecordingModules(['await', 'q1', '--for', '0.1', '--workspace', workspace], directory);
		expect(wait.code).toBe(75);
		for (const run of [ask, wait]) {
			expect(run.sources).toContain('source/core/questions.ts');
			expect(run.packages).not.toContain('ink');
			expect(run.packages).not.toContain('react');
			expect(ajvCompiler(run.packageFiles)).toEqual([]);
		}
	});
});

describe('the command line, as meow parsed it', () => {
	test('--help prints the description and the help indented by two spaces; no command prints it with exit 2', async () => {
		const help = await runCli(['--help']);
		expect(help.code).toBe(0);
		expect(help.stdout).toMatch(/^\n {2}Hand a task to an LLM coding CLI through a workspace folder, and watch it live\n\n {2}Usage\n {4}\$ handoff <command> \[options]\n\n {2}Commands\n/);
		expect(help.stdout).toContain('\n    ask <text>                   Ask the producer a question and print its id (asking the same\n                                 question again');
		expect(help.stdout.endsWith('$ handoff await q1 --for 100\n\n')).toBe(true);
		const bare = await runCli([]);
		expect(bare.code).toBe(2);
		expect(bare.stdout).toBe(help.stdout);
		expect((await runCli(['progress', '--help'])).stdout).toBe(help.stdout);
	});

	test('--version prints the package version', async () => {
		const {version} = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {version: string};
		const result = await runCli(['--version']);
		expect(result).toMatchObject({code: 0, stdout: `${version}\n`});
	});

	test('unknown flags are all named, with exit 2; a flag without its value or given twice is a usage error', async () => {
		const {workspace} = await newWorkspace([], project());
		expect(await runCli(['progress', '--bogus', 'x', '-y', '--workspace', workspace])).toMatchObject({code: 2, stderr: 'Unknown flags\n--bogus\n-y\n'});
		expect(await runCli(['progress', 'x', '--workspace'])).toMatchObject({code: 2, stderr: 'handoff: --workspace needs a value\n'});
		expect(await runCli(['progress', 'x', '--workspace', workspace, '--workspace', workspace])).toMatchObject({code: 2, stderr: 'handoff: --workspace can only be given once\n'});
		expect(await runCli(['await', 'q1', '--for', 'soon', '--workspace', workspace])).toMatchObject({code: 2, stderr: 'handoff: --for must be a positive number\n'});
		expect(fs.existsSync(path.join(workspace, 'shared/progress.txt'))).toBe(false);
	});

	test('words after --, negative numbers, --kebab-case and --camelCase, --no-<flag> and --flag=value all parse', async () => {
		const {workspace} = await newWorkspace([], project());
		expect((await runCli(['progress', '--workspace', workspace, '--', '--not-a-flag'])).code).toBe(0);
		expect((await runCli(['progress', '-5', `--workspace=${workspace}`])).code).toBe(0);
		expect((await runCli(['progress', 'quiet', '--no-clipboard', '--json=false', '--stallAfter', '4', '--workspace', workspace])).code).toBe(0);
		const lines = fs.readFileSync(path.join(workspace, 'shared/progress.txt'), 'utf8').trim().split('\n').map(line => line.replace(/^\[[^\]]+] /, ''));
		expect(lines).toEqual(['--not-a-flag', '-5', 'quiet']);
	});
});
