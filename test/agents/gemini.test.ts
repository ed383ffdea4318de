import {spawn} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {afterEach, describe, expect, test} from 'vitest';
import {makeTempDirectory} from '../helpers/cli.js';
import {findAgentCli} from './agent-clis.js';
import {foreignGeminiVariables, geminiEnvironment, startGeminiServer, type GeminiServer} from './gemini-server.js';
import type {Move, ObedientModel, Observation} from './obedient-model.js';

const gemini = findAgentCli('gemini');
const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
	for (const cleanup of cleanups.splice(0).reverse()) {
		// One after the other: the CLI before its server, the server before its folder.
		await cleanup();
	}
});

function temporaryFolder(): string {
	const folder = makeTempDirectory('handoff-gemini-');
	cleanups.push(() => {
		fs.rmSync(folder, {recursive: true, force: true});
	});
	return folder;
}

async function startServer(model: ObedientModel, options: {maxRequests?: number; maxMs?: number} = {}): Promise<GeminiServer> {
	const server = await startGeminiServer({model, ...options});
	cleanups.push(async () => server.close());
	return server;
}

/** A model that plays a fixed list of moves, one per request, and keeps what it saw. */
function fixedModel(moves: Move[]): ObedientModel & {seen: Observation[][]} {
	const seen: Observation[][] = [];
	const log: string[] = [];
	return {
		seen,
		next(observations) {
			seen.push(observations);
			// One move per tool result: the number of results so far says which move is next, so a retried request gets the same one.
			const move = moves[observations.filter(observation => observation.kind === 'output').length] ?? {kind: 'finish', text: 'Done.'};
			log.push(`${move.kind}: ${move.kind === 'finish' ? move.text : move.why}`);
			return move;
		},
		log: () => log,
	};
}

/** The real gemini in `cwd`, its environment cleaned of the person's Gemini settings, with stdin closed. */
async function runGemini(cwd: string, environment: Record<string, string>, args: string[]): Promise<{code: number | null; stdout: string; stderr: string}> {
	const base = Object.fromEntries(Object.entries(process.env).filter(([key]) => !foreignGeminiVariables().includes(key) && key !== 'CI'));
	const child = spawn(gemini.binary!, args, {cwd, env: {...base, ...environment}, stdio: ['ignore', 'pipe', 'pipe']});
	cleanups.push(() => {
		child.kill('SIGKILL');
	});
	let stdout = '';
	let stderr = '';
	child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
		stdout += chunk;
	});
	child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
		stderr += chunk;
	});
	return new Promise(resolve => {
		child.on('close', code => {
			resolve({code, stdout, stderr});
		});
	});
}

describe.skipIf(gemini.missing !== undefined)(`the real Gemini CLI ${gemini.version ?? ''} against the scripted model${gemini.missing ? ` (skipped: ${gemini.missing})` : ''}`, () => {
	test('the server speaks its wire format: tool calls go out, tool results and exit codes come back, file tools take file_path', async () => {
		const folder = temporaryFolder();
		const project = path.join(folder, 'project');
		fs.mkdirSync(project);
		const note = path.join(project, 'note.txt');
		const model = fixedModel([
			{kind: 'shell', command: `${process.execPath} -e "console.log('printed'); process.exit(4)"`, why: 'Run a command that fails'},
			{kind: 'write', path: note, content: 'written by the model\n', why: 'Write a note'},
			{kind: 'read', path: note, why: 'Read it back'},
			{kind: 'shell', command: `${process.execPath} -e "console.log('fine')"`, why: 'Run one that succeeds'},
			{kind: 'shell', command: 'rm -rf /', why: 'A command its policy denies'},
		]);
		const server = await startServer(model);
		const environment = geminiEnvironment(path.join(folder, 'home'), server.baseUrl);
		const result = await runGemini(project, environment, ['-p', 'Do the steps.', '--approval-mode', 'auto_edit', '--allowed-tools', `run_shell_command(${process.execPath})`, '-o', 'stream-json', '--skip-trust']);
		expect(result.code, `${result.stderr}\n${server.story()}`).toBe(0);
		expect(server.problems).toEqual([]);
		expect(fs.readFileSync(note, 'utf8')).toBe('written by the model\n');
		const last = model.seen.at(-1)!;
		expect(last[0]).toEqual({kind: 'prompt', text: 'Do the steps.'});
		expect(last.slice(1)).toEqual([
			{kind: 'output', text: 'printed', exitCode: 4},
			{kind: 'output', text: expect.stringContaining(note) as string},
			{kind: 'output', text: 'written by the model\n'},
			{kind: 'output', text: 'fine', exitCode: 0},
			{kind: 'output', text: expect.stringMatching(/denied by policy/) as string},
		]);
		expect(server.tools.get('read_file')).toContain('file_path');
		expect(server.tools.get('run_shell_command')).toEqual(expect.arrayContaining(['command', 'description']));
		// Its stream shows our tool calls and ends with the finishing text.
		const events = result.stdout.split('\n').filter(Boolean).map(line => JSON.parse(line) as {type: string; tool_name?: string; content?: string});
		expect(events.filter(event => event.type === 'tool_use').map(event => event.tool_name)).toEqual(['run_shell_command', 'write_file', 'read_file', 'run_shell_command', 'run_shell_command']);
		expect(events.filter(event => event.type === 'message' && event.content === 'Done.')).toHaveLength(1);
	});
});
