import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {describe, expect, test} from 'vitest';
import {newWorkspace, runCli, useTempDirectories} from '../helpers/cli.js';

const project = useTempDirectories();
const recorder = fileURLToPath(new URL('../fixtures/record-modules.mjs', import.meta.url));

/** Runs the CLI with the module recorder preloaded; returns its result and the packages it loaded. */
async function runRecorded(args: string[], cwd: string): Promise<{code: number | null; stderr: string; packages: Set<string>}> {
	const record = path.join(cwd, `modules-${args[0]}.txt`);
	fs.writeFileSync(record, '');
	const result = await runCli(args, {cwd, env: {NODE_OPTIONS: `--import=${recorder}`, HANDOFF_RECORD_MODULES: record}});
	return {...result, packages: new Set(fs.readFileSync(record, 'utf8').split('\n').filter(Boolean))};
}

describe('what a consumer command loads', () => {
	test('the recorder sees ajv where ask --file compiles a schema, and ink and react where watch loads the screen', async () => {
		const {workspace, project: directory} = await newWorkspace([], project());
		// ask --file validates the new questions with ajv; the screen's module graph is ink and react.
		fs.writeFileSync(path.join(directory, 'questions.json'), JSON.stringify({questions: [{text: 'Which?', options: ['A', 'B']}]}));
		const ask = await runRecorded(['ask', '--file', 'questions.json', '--workspace', workspace], directory);
		expect(ask.code).toBe(0);
		expect(ask.packages).toContain('ajv');
		const watch = await runRecorded(['watch', path.join(directory, 'no-such-workspace')], directory);
		expect(watch.code).toBe(2);
		expect(watch.packages).toContain('ink');
		expect(watch.packages).toContain('react');
	});

	test.each([
		['progress', ['progress', 'Reading the spec']],
		['claim', ['claim', '--tool', 'claude']],
		['--version', ['--version']],
	])('%s loads none of ink, react, ajv and meow', async (_, args) => {
		const {workspace, project: directory} = await newWorkspace([], project());
		const run = await runRecorded([...args, ...(args[0] === '--version' ? [] : ['--workspace', workspace])], directory);
		expect(run.code, run.stderr).toBe(0);
		expect(run.packages.size).toBeGreaterThan(0);
		for (const heavy of ['ink', 'react', 'ajv', 'ajv-formats', 'meow']) {
			expect(run.packages, heavy).not.toContain(heavy);
		}
	});

	test('await and ask load no ink or react', async () => {
		const {workspace, project: directory} = await newWorkspace([], project());
		const ask = await runRecorded(['ask', 'Which?', '--option', 'A', '--workspace', workspace], directory);
		expect(ask.code).toBe(0);
		const wait = await runRecorded(['await', 'q1', '--for', '0.1', '--workspace', workspace], directory);
		expect(wait.code).toBe(75);
		for (const run of [ask, wait]) {
			expect(run.packages).not.toContain('ink');
			expect(run.packages).not.toContain('react');
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
