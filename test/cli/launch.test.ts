import fs from 'node:fs';
import path from 'node:path';
import {expect, test} from 'vitest';
import {runCli, runDetached, useTempDirectories} from '../helpers/cli.js';

const tempDirectory = useTempDirectories();

/** A stand-in `claude` that records its arguments, talks, and does the task through the files. */
function stubTool(directory: string): string {
	const bin = path.join(directory, 'bin');
	fs.mkdirSync(bin);
	fs.writeFileSync(path.join(bin, 'claude'), `#!/bin/sh
printf '%s\\0' "$@" > "${path.join(directory, 'args.txt')}"
echo "stub: reading the instructions"
echo "stub: a warning" >&2
while [ "$1" != "--add-dir" ]; do shift; done
workspace="$2"
sleep 0.3
echo '{"state_machines": []}' > "$workspace/output/result.json"
: > "$workspace/.done"
`, {mode: 0o755});
	return bin;
}

test('--launch starts the tool with the prompt and shows its output; the hand-off completes', async () => {
	const project = tempDirectory();
	const bin = stubTool(project);
	const {code, stdout, stderr} = await runDetached(['run', '--task', 'launched', '--tool', 'claude', '--launch'], {cwd: project, env: {PATH: `${bin}:${process.env.PATH}`}});
	expect(stderr).toContain('claude: stub: reading the instructions');
	expect(stderr).toContain('claude: stub: a warning');
	expect(code).toBe(0);
	const summary = JSON.parse(stdout);
	const args = fs.readFileSync(path.join(project, 'args.txt'), 'utf8').split('\0');
	expect(args[0]).toBe('-p');
	expect(args[1]).toContain(`Read ${path.join(summary.workspace, 'input/instructions.md')} and follow it exactly.`);
	expect(args.slice(2, 4)).toEqual(['--add-dir', summary.workspace]);
	expect(args).toContain('--permission-mode');
});

test('--launch refuses a tool that is not on PATH, or has no non-interactive form, before creating anything', async () => {
	const project = tempDirectory();
	const missing = await runCli(['run', '--task', 't', '--tool', 'codex', '--launch'], {cwd: project, env: {PATH: '/nonexistent'}});
	expect(missing.code).toBe(2);
	expect(missing.stderr).toContain('codex is not on PATH');
	const cursor = await runCli(['run', '--task', 't', '--tool', 'cursor', '--launch'], {cwd: project});
	expect(cursor.code).toBe(2);
	expect(cursor.stderr).toContain('Cursor runs in its editor');
	expect(fs.existsSync(path.join(project, '.handoff'))).toBe(false);
});
