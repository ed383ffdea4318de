import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterEach, expect, test} from 'vitest';
import {mcpLaunchArgs, mcpRegistration} from '../../source/core/mcp-setup.js';
import {cliPath} from '../helpers/cli.js';
import {findAgentCli} from './agent-clis.js';

/** The real CLIs read and check what handoff tells a person to type, and what --launch --mcp passes; each in a home of its own, so nobody's configuration is touched. */
const codex = findAgentCli('codex');
const gemini = findAgentCli('gemini');
const command = [process.execPath, cliPath];
const made: string[] = [];
afterEach(() => {
	for (const folder of made.splice(0)) {
		fs.rmSync(folder, {recursive: true, force: true});
	}
});

function home(): string {
	const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-agent-home-'));
	made.push(folder);
	return folder;
}

/** Runs a line as a person would paste it, with the real CLIs' folder first on PATH. */
function shell(line: string, environment: NodeJS.ProcessEnv, cwd: string): {status: number | null; stdout: string; stderr: string} {
	const binaries = path.dirname(codex.binary ?? gemini.binary ?? '/');
	return spawnSync('sh', ['-c', line], {cwd, encoding: 'utf8', timeout: 120_000, env: {...process.env, ...environment, PATH: `${binaries}${path.delimiter}${process.env.PATH}`}});
}

test.skipIf(codex.missing !== undefined)(`codex takes the registration line handoff shows${codex.missing ? ` (skipped: ${codex.missing})` : ''}`, () => {
	const codexHome = home();
	const added = shell(mcpRegistration('codex', command), {CODEX_HOME: codexHome}, codexHome);
	expect(added.status, added.stderr).toBe(0);
	expect(fs.readFileSync(path.join(codexHome, 'config.toml'), 'utf8')).toContain('[mcp_servers.handoff]');
	const shown = shell('codex mcp get handoff --json', {CODEX_HOME: codexHome}, codexHome);
	expect(JSON.parse(shown.stdout)).toMatchObject({name: 'handoff', transport: {type: 'stdio', command: process.execPath, args: [cliPath, 'mcp']}});
});

test.skipIf(codex.missing !== undefined)(`codex parses the -c overrides of --launch --mcp as the server, writing no configuration${codex.missing ? ` (skipped: ${codex.missing})` : ''}`, () => {
	const codexHome = home();
	const workspace = '/tmp/a workspace/with "quotes"';
	const {args} = mcpLaunchArgs('codex', command, workspace);
	const result = spawnSync(codex.binary!, [...args, 'mcp', 'get', 'handoff', '--json'], {encoding: 'utf8', timeout: 60_000, env: {...process.env, CODEX_HOME: codexHome}});
	expect(result.status, result.stderr).toBe(0);
	expect(JSON.parse(result.stdout)).toMatchObject({transport: {type: 'stdio', command: process.execPath, args: [cliPath, 'mcp', '--workspace', workspace], env: {HANDOFF_TOOL: 'codex'}}});
	expect(fs.existsSync(path.join(codexHome, 'config.toml'))).toBe(false);
});

test.skipIf(gemini.missing !== undefined)(`gemini takes the registration line handoff shows, and connects to the server${gemini.missing ? ` (skipped: ${gemini.missing})` : ''}`, () => {
	const geminiHome = home();
	const environment = {HOME: geminiHome, GEMINI_CLI_TRUST_WORKSPACE: 'true'};
	const added = shell(mcpRegistration('gemini', command), environment, geminiHome);
	expect(added.status, added.stderr).toBe(0);
	expect(JSON.parse(fs.readFileSync(path.join(geminiHome, '.gemini/settings.json'), 'utf8'))).toMatchObject({mcpServers: {handoff: {command: process.execPath, args: [cliPath, 'mcp']}}});
	// `mcp list` starts each server and does the MCP handshake: a real client reaching handoff mcp.
	const listed = shell('gemini mcp list', environment, geminiHome);
	expect(listed.stdout + listed.stderr).toMatch(/handoff: .* \(stdio\) - Connected/);
});

test.skipIf(gemini.missing !== undefined)(`gemini loads the server --launch --mcp puts in the workspace's project settings, and connects to it${gemini.missing ? ` (skipped: ${gemini.missing})` : ''}`, () => {
	const workspace = home();
	const geminiHome = home();
	const {args, files} = mcpLaunchArgs('gemini', command, workspace);
	expect(args).toEqual([]);
	for (const file of files!) {
		fs.mkdirSync(path.dirname(path.join(workspace, file.path)), {recursive: true});
		fs.writeFileSync(path.join(workspace, file.path), file.content);
	}

	// An empty home: the server can only come from the workspace's own settings. Trusted as --launch trusts it.
	const listed = shell('gemini mcp list', {HOME: geminiHome, GEMINI_CLI_TRUST_WORKSPACE: 'true'}, workspace);
	expect(listed.stdout + listed.stderr).toMatch(/handoff: .* \(stdio\) - Connected/);
	expect(fs.existsSync(path.join(geminiHome, '.gemini/settings.json'))).toBe(false);
});
