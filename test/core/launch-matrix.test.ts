import fs from 'node:fs';
import {describe, expect, test} from 'vitest';
import pinnedAgentClis from '../agents/agent-clis.json' with {type: 'json'};
import {checkToolVersion, launchMatrix, launchMatrixTable, launchTools, parseVersion, planLaunch} from '../../source/core/launch-matrix.js';

const context = {prompt: 'Read /ws/input/instructions.md and follow it exactly.', workspace: '/ws', node: '/usr/bin/node', inputs: ['input/SPEC.md']};

describe('the launch matrix', () => {
	test.each(launchTools)('%s: runs in the workspace, gets the prompt once, never a rejected or blanket flag', tool => {
		const row = launchMatrix[tool];
		const plan = planLaunch(tool, row.checked.version, context);
		expect(plan.cwd).toBe('/ws');
		expect(plan.binary).toBe(tool === 'cursor' ? 'agent' : tool);
		const promptCount = plan.args.filter(word => word === context.prompt).length + (plan.promptFile ? 1 : 0);
		expect(promptCount).toBe(1);
		expect(plan.args).not.toContain('--full-auto');
		expect(plan.args).not.toContain('--yolo');
		expect(plan.args).not.toContain('--dangerously-skip-permissions');
		expect(plan.args).not.toContain('--dangerously-bypass-approvals-and-sandbox');
		expect(row.checked.source).not.toBe('');
	});

	test('claude: the prompt comes straight after -p, before the variadic --allowedTools; the Bash rule covers the node of the instructions', () => {
		const {args} = planLaunch('claude', '2.1.197 (Claude Code)', context);
		expect(args.slice(0, 2)).toEqual(['-p', context.prompt]);
		expect(args).toContain('Bash(/usr/bin/node *)');
		expect(args).toEqual(expect.arrayContaining(['--output-format', 'stream-json', '--verbose']));
	});

	test('a node path with a space is quoted in the permission rules as the instructions quote it', () => {
		const {args} = planLaunch('claude', '2.1.197', {...context, node: '/opt/my node/bin/node'});
		expect(args).toContain('Bash(\'/opt/my node/bin/node\' *)');
	});

	test('codex: exec in a workspace-write sandbox rooted at the workspace, outside Git, with JSONL', () => {
		const {args, streamFormat} = planLaunch('codex', 'codex-cli 0.169.0', context);
		expect(args).toEqual(['exec', '-s', 'workspace-write', '--skip-git-repo-check', '-C', '/ws', '--json', context.prompt]);
		expect(streamFormat).toBe('codex-jsonl');
	});

	test.each([
		['0.61.0', true, true],
		['0.39.1', true, true],
		['0.39.0', false, true],
		['0.12.0', false, true],
		['0.10.0', false, false],
	])('gemini %s: --skip-trust %s, stream-json %s; the trust variable always', (version, skipTrust, stream) => {
		const plan = planLaunch('gemini', version, context);
		expect(plan.args.includes('--skip-trust')).toBe(skipTrust);
		expect(plan.args.includes('stream-json')).toBe(stream);
		expect(plan.streamFormat).toBe(stream ? 'gemini-stream-json' : undefined);
		expect(plan.environment).toEqual({GEMINI_CLI_TRUST_WORKSPACE: 'true'});
		expect(plan.args).toEqual(expect.arrayContaining(['--approval-mode', 'auto_edit']));
		// The handoff commands and the plain-file way's `sleep 20`, each rule after a flag of its own.
		expect(plan.args.flatMap((word, index) => word === '--allowed-tools' ? [plan.args[index + 1]] : [])).toEqual(['run_shell_command(/usr/bin/node)', 'run_shell_command(sleep)']);
	});

	test('aider: the prompt in a file, instructions and inputs read-only, no git', () => {
		const plan = planLaunch('aider', 'aider 0.86.1', context);
		expect(plan.promptFile).toBe('/ws/input/prompt.txt');
		expect(plan.args).toEqual(['--message-file', '/ws/input/prompt.txt', '--no-git', '--yes-always', '--no-check-update', '--read', 'input/instructions.md', '--read', 'input/SPEC.md']);
	});

	test('a version below the floor, or no version at all, is refused with the version and the flag named', () => {
		expect(() => checkToolVersion('codex', 'codex-cli 0.43.9')).toThrow(/codex 0\.43\.9 is too old: .*--json.* 0\.44\.0/);
		expect(() => checkToolVersion('gemini', '0.1.20')).toThrow(/gemini 0\.1\.20 is too old: .*--allowed-tools/);
		expect(() => checkToolVersion('claude', 'command not found')).toThrow(/printed no version/);
		expect(checkToolVersion('codex', 'codex-cli 0.44.0').text).toBe('0.44.0');
	});

	test.each([
		['codex-cli 0.169.0', '0.169.0'],
		['2.1.197 (Claude Code)', '2.1.197'],
		['GitHub Copilot CLI 1.0.102.\nRun \'copilot update\' to check for updates.', '1.0.102'],
		['0.0.1790142911-g7618fb (released 2026-09-23T05:55:11.000Z, 2mo ago)', '0.0.1790142911'],
		['aider 0.86.1', '0.86.1'],
	])('reads the version in %j', (output, version) => {
		expect(parseVersion(output)?.text).toBe(version);
	});
});

test('the versions the matrix says were tested end to end are the ones the agent tests pin', () => {
	const tested = Object.fromEntries(launchTools.filter(tool => launchMatrix[tool].testedEndToEnd).map(tool => [tool, launchMatrix[tool].testedEndToEnd]));
	expect(tested).toEqual({codex: pinnedAgentClis.codex.version, gemini: pinnedAgentClis.gemini.version});
});

test('the readme holds the launch matrix as it is in the code', () => {
	const readme = fs.readFileSync(new URL('../../readme.md', import.meta.url), 'utf8');
	expect(readme).toContain(launchMatrixTable());
});
