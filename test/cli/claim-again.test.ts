import fs from 'node:fs';
import path from 'node:path';
import {expect, test} from 'vitest';
import {newWorkspace, runCli, useTempDirectories} from '../helpers/cli.js';

const tempDirectory = useTempDirectories();

// Found with the real codex (test/agents/codex.test.ts): a session resumed with the answer reads the instructions
// from the top and claims again; the same tool coming back carries on, anyone else is still refused.
test('the same tool claiming again carries on; another tool, or none, is refused with the holder named', async () => {
	const {workspace} = await newWorkspace([], tempDirectory());
	expect((await runCli(['claim', '--workspace', workspace], {env: {HANDOFF_TOOL: 'codex'}})).code).toBe(0);
	const lock = fs.readFileSync(path.join(workspace, '.lock'), 'utf8');
	const again = await runCli(['claim', '--workspace', workspace], {env: {HANDOFF_TOOL: 'codex'}});
	expect(again.code, again.stderr).toBe(0);
	// The first claim stands as it was.
	expect(fs.readFileSync(path.join(workspace, '.lock'), 'utf8')).toBe(lock);
	for (const other of [['--tool', 'claude'], []]) {
		const refused = await runCli(['claim', '--workspace', workspace, ...other]);
		expect(refused.code).toBe(2);
		expect(refused.stderr).toContain('already claimed');
		expect(refused.stderr).toContain('codex');
	}
});
