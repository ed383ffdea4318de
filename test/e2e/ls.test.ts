import fs from 'node:fs';
import path from 'node:path';
import {afterEach, expect, test, vi} from 'vitest';
import {cliPath, makeTempDirectory, runCli, waitUntil} from '../helpers/cli.js';
import {Tmux} from '../helpers/tmux.js';

vi.setConfig({testTimeout: 60_000});
const cleanups: Array<() => void> = [];
afterEach(() => {
	for (const cleanup of cleanups.splice(0)) {
		cleanup();
	}
});

const handoff = `"${process.execPath}" "${cliPath}"`;

function project(): string {
	const directory = makeTempDirectory();
	cleanups.push(() => {
		fs.rmSync(directory, {recursive: true, force: true});
	});
	return directory;
}

function inTerminal(command: string, cwd: string, size: {columns: number; rows: number}): {tmux: Tmux; exitCode: () => Promise<string>} {
	const tmux = new Tmux();
	cleanups.push(() => {
		tmux.kill();
	});
	const exitFile = path.join(cwd, 'exit-code');
	tmux.start(`sh -c '${command}; echo $? > ${exitFile}; sleep 30'`, {cwd, ...size});
	return {tmux, exitCode: async () => waitUntil(() => (fs.existsSync(exitFile) ? fs.readFileSync(exitFile, 'utf8').trim() : ''), 20_000, 'the exit code')};
}

/** Two workspaces of the same task and an archive of a third, in `directory`. */
async function listed(directory: string): Promise<{workspaces: string[]; archive: string}> {
	const workspaces: string[] = [];
	for (const _ of [1, 2]) {
		workspaces.push((await runCli(['new', '--task', 'same-task'], {cwd: directory})).stdout.trim());
	}

	const done = (await runCli(['new', '--task', 'archived-task'], {cwd: directory})).stdout.trim();
	fs.writeFileSync(path.join(done, 'output/result.json'), '{}');
	fs.writeFileSync(path.join(done, '.done'), '');
	const waited = await runCli(['wait', done, '--json'], {cwd: directory});
	expect(waited.code).toBe(0);
	return {workspaces, archive: (JSON.parse(waited.stdout) as {archive: string}).archive};
}

test('q in a workspace opened from the list goes back to the list (the same entry chosen); an archive opens read only; q in the list ends', async () => {
	const directory = project();
	const {archive} = await listed(directory);
	const {tmux, exitCode} = inTerminal(`${handoff} ls`, directory, {columns: 120, rows: 30});
	await tmux.waitForScreen('3 in ');
	// Choose a workspace: the first row, or the one below when the first is the archive (rows made in the same second list in either order).
	if (tmux.screen().split('\n').find(line => line.startsWith('▸ '))?.includes('archived')) {
		tmux.sendKeys('Down');
	}

	const chosenRow = (screen: string): string => screen.split('\n').find(line => line.startsWith('▸ '))!.replace(/\d+s /, '');
	const before = chosenRow(await tmux.waitForScreen(/▸ not started/));
	tmux.sendKeys('Enter');
	await tmux.waitForScreen('Questions');
	tmux.sendKeys('q');
	// Back in the list, not at the shell, with the workspace just left still chosen.
	expect(chosenRow(await tmux.waitForScreen('3 in '))).toBe(before);
	expect(fs.existsSync(path.join(directory, 'exit-code'))).toBe(false);

	// Rows made in the same second may list in either order: move towards the archive's row until it is chosen.
	await waitUntil(() => {
		const lines = tmux.screen().split('\n');
		const chosen = lines.findIndex(line => line.startsWith('▸ '));
		const archived = lines.findIndex(line => /^[▸ ] archived\s/.test(line));
		if (chosen !== -1 && chosen === archived) {
			return true;
		}

		tmux.sendKeys(archived < chosen ? 'Up' : 'Down');
		return false;
	}, 15_000, 'the archive chosen');
	tmux.sendKeys('Enter');
	const view = await tmux.waitForScreen('archive (read only)');
	expect(view).toContain('● complete');
	tmux.sendKeys('q');
	await tmux.waitForScreen('3 in ');
	tmux.sendKeys('q');
	expect(await exitCode()).toBe('0');
	expect(fs.existsSync(archive)).toBe(true);
});

test('a signal while a workspace opened from the list is watched ends ls with its exit code, not back in the list', async () => {
	const directory = project();
	await listed(directory);
	const pidFile = path.join(directory, 'ls.pid');
	// The inner shell records its pid, then becomes ls (exec), so the pid is ls's own.
	fs.writeFileSync(path.join(directory, 'ls.sh'), `echo $$ > ls.pid\nexec "${process.execPath}" "${cliPath}" ls\n`);
	const {tmux, exitCode} = inTerminal('sh ls.sh', directory, {columns: 120, rows: 30});
	await tmux.waitForScreen('3 in ');
	tmux.sendKeys('Down');
	await tmux.waitForScreen(/▸ not started/);
	tmux.sendKeys('Enter');
	await tmux.waitForScreen('Questions');
	process.kill(Number(fs.readFileSync(pidFile, 'utf8')), 'SIGTERM');
	expect(await exitCode()).toBe('143');
});

test.each([[120, 30], [80, 24], [60, 20], [40, 12]])('at %ix%i the columns fit the width and same-task rows differ by their path', async (columns, rows) => {
	const directory = project();
	const {workspaces} = await listed(directory);
	const {tmux} = inTerminal(`${handoff} ls`, directory, {columns, rows});
	const screen = await tmux.waitForScreen(/▸ /);
	const lines = screen.split('\n');
	for (const line of lines) {
		expect([...line.trimEnd()].length).toBeLessThanOrEqual(columns);
	}

	const header = lines.find(line => line.includes('STATE'))!;
	expect(header).toMatch(/STATE.*TASK.*PATH/);
	// Same task, same state: each row still ends with its own workspace's name (the pid at the end of it, at least).
	// The table's rows, not the line under it that repeats the chosen one.
	const rowsOf = lines.filter(line => /^[▸ ] not started\s/.test(line));
	expect(rowsOf).toHaveLength(2);
	for (const workspace of workspaces) {
		expect(rowsOf.filter(line => line.trimEnd().endsWith(path.basename(workspace).slice(-6)))).toHaveLength(1);
	}
});
