import fs from 'node:fs';
import {afterEach, expect, test, vi} from 'vitest';
import {cliPath, makeTempDirectory, runCli, waitUntil} from '../helpers/cli.js';
import {Tmux} from '../helpers/tmux.js';

// Several steps in a real terminal, each waiting for the screen; on 2 shared cores under the whole suite they can take a while.
vi.setConfig({testTimeout: 90_000});
const cleanups: Array<() => void> = [];
afterEach(() => {
	for (const cleanup of cleanups.splice(0)) {
		cleanup();
	}
});

test('Ctrl+Z leaves the full screen for the shell, with its job control; fg brings the screen back, drawn in full, keys raw again', async () => {
	const project = makeTempDirectory();
	const tmux = new Tmux();
	cleanups.push(() => {
		tmux.kill();
		fs.rmSync(project, {recursive: true, force: true});
	});
	// A finished hand-off shown with --stay: a screen that never changes by itself, so whatever is on it after fg was drawn because of fg.
	const workspace = (await runCli(['new', '--task', 'quick'], {cwd: project})).stdout.trim();
	expect((await runCli(['fail', 'it broke', '--workspace', workspace])).code).toBe(0);
	tmux.start(`env PS1='READY$ ' bash --norc --noprofile -i`, {cwd: project, columns: 100, rows: 30});
	await tmux.waitForScreen('READY$');
	tmux.sendKeys(`"${process.execPath}" "${cliPath}" watch "${workspace}" --stay`, 'Enter');
	await tmux.waitForScreen('Failed. The workspace is kept.');
	expect(tmux.paneFormat('#{alternate_on}')).toBe('1');

	tmux.sendKeys('C-z');
	const shell = await tmux.waitForScreen(/Stopped[\s\S]*\nREADY\$/);
	expect(shell).not.toContain('Failed. The workspace is kept.');
	expect(tmux.paneFormat('#{alternate_on}')).toBe('0');
	// The shell is usable while the app is stopped.
	tmux.sendKeys('echo "in the shell"', 'Enter');
	await tmux.waitForScreen(/^in the shell$/m);

	tmux.sendKeys('fg', 'Enter');
	const again = await tmux.waitForScreen('Failed. The workspace is kept.');
	expect(again).toContain('it broke');
	expect(again).toContain('Progress');
	expect(again).not.toContain('in the shell');
	expect(tmux.paneFormat('#{alternate_on}')).toBe('1');
	// Raw mode is back: a single key, with no Enter, reaches the app (any key closes the finished screen).
	tmux.sendKeys('q');
	await waitUntil(() => tmux.paneFormat('#{alternate_on}') === '0', 10_000, 'the app to close');
	await tmux.waitForScreen(/handoff: failed; the workspace is kept[\s\S]*\nREADY\$/);
	tmux.sendKeys('echo "EXIT=$?"', 'Enter');
	await tmux.waitForScreen(/^EXIT=1$/m);
});
