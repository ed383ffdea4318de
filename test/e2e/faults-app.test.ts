import fs from 'node:fs';
import path from 'node:path';
import {afterEach, describe, expect, test} from 'vitest';
import {cliPath, newWorkspace, runCli, useTempDirectories, waitUntil} from '../helpers/cli.js';
import {canMountReadOnly, readOnlyMountPrefix} from '../helpers/faults.js';
import {Tmux} from '../helpers/tmux.js';
import {sh} from '../terminal/helpers.js';

/**
Faults met by the full-screen app in a real terminal (tmux): an intent that cannot be carried out is said on screen, the app stays up, and every end leaves one clear message, its exit code and the JSON summary.
*/

const project = useTempDirectories();
const terminals: Tmux[] = [];
afterEach(() => {
	for (const tmux of terminals.splice(0)) {
		tmux.kill();
	}
});

/** Runs `handoff watch <workspace> --json > summary.json` in a real terminal (behind `prefix`, if any); the pane stays open afterwards so its last screen can be read. */
function watchInTerminal(directory: string, workspace: string, prefix: string[] = []) {
	const tmux = new Tmux();
	terminals.push(tmux);
	const exitFile = path.join(directory, 'exit-code');
	const summaryFile = path.join(directory, 'summary.json');
	const command = [...prefix, process.execPath, cliPath, 'watch', workspace, '--json'].map(word => sh(word)).join(' ');
	fs.writeFileSync(path.join(directory, 'watch.sh'), `${command} > ${sh(summaryFile)}\necho $? > ${sh(exitFile)}\nsleep 30\n`);
	tmux.start(`sh ${sh(path.join(directory, 'watch.sh'))}`, {cwd: directory});
	return {
		tmux,
		async exitCode(): Promise<number> {
			return Number(await waitUntil(() => fs.existsSync(exitFile) && fs.readFileSync(exitFile, 'utf8').trim(), 20_000, 'the exit code'));
		},
		summary(): {state: string; exit_code: number; errors: string[]} {
			return JSON.parse(fs.readFileSync(summaryFile, 'utf8')) as {state: string; exit_code: number; errors: string[]};
		},
	};
}

/** What the terminal shows once the app has left the alternate screen: no stack trace among it. */
function expectNoStackTrace(screen: string): void {
	expect(screen).not.toMatch(/^\s+at /m);
	expect(screen).not.toContain('node:internal');
}

function linkShared(directory: string, workspace: string): string {
	const elsewhere = path.join(directory, 'elsewhere');
	fs.mkdirSync(elsewhere);
	fs.renameSync(path.join(workspace, 'shared'), path.join(directory, 'shared-real'));
	fs.symlinkSync(elsewhere, path.join(workspace, 'shared'));
	return elsewhere;
}

describe('the app meets faults', () => {
	test('cancel while shared/ is a symlink: canceled (130), the screen and summary say the consumer was not told, nothing written through the link', async () => {
		const directory = project();
		const {workspace} = await newWorkspace([], directory);
		const app = watchInTerminal(directory, workspace);
		await app.tmux.waitForScreen('not started');
		const elsewhere = linkShared(directory, workspace);
		await app.tmux.waitForScreen('shared/: is a symlink');
		app.tmux.sendKeys('x');
		await app.tmux.waitForScreen('Cancel this hand-off?');
		app.tmux.sendKeys('y');
		expect(await app.exitCode()).toBe(130);
		const screen = app.tmux.screen();
		expectNoStackTrace(screen);
		expect(screen).toContain('handoff: canceled; the workspace is kept');
		expect(screen).toContain('shared/status.txt could not be set to CANCELED, so the consumer was not told');
		expect(app.summary()).toMatchObject({state: 'canceled', exit_code: 130, errors: [expect.stringContaining('is a symlink')]});
		expect(fs.readdirSync(elsewhere)).toEqual([]);
	});

	test.skipIf(!canMountReadOnly)('cancel while shared/ is read-only: canceled (130) with the reason, EROFS named', async () => {
		const directory = project();
		const {workspace} = await newWorkspace([], directory);
		const app = watchInTerminal(directory, workspace, readOnlyMountPrefix(path.join(workspace, 'shared')));
		await app.tmux.waitForScreen('not started');
		app.tmux.sendKeys('x');
		await app.tmux.waitForScreen('Cancel this hand-off?');
		app.tmux.sendKeys('y');
		expect(await app.exitCode()).toBe(130);
		expectNoStackTrace(app.tmux.screen());
		expect(app.summary()).toMatchObject({state: 'canceled', exit_code: 130, errors: [expect.stringMatching(/shared\/status\.txt could not be set to CANCELED.*read-only file system \(EROFS/)]});
	});

	test('an answer that cannot be saved (shared/ swapped for a link) is said on screen; the app stays up and quits normally', async () => {
		const directory = project();
		const {workspace} = await newWorkspace([], directory);
		expect((await runCli(['ask', 'Ship it?', '--option', 'Yes', '--option', 'No', '--workspace', workspace])).code).toBe(0);
		const app = watchInTerminal(directory, workspace);
		await app.tmux.waitForScreen('Ship it?');
		const elsewhere = linkShared(directory, workspace);
		await app.tmux.waitForScreen('shared/: is a symlink');
		app.tmux.sendKeys('1');
		await app.tmux.waitForScreen('Enter sends "Yes"');
		app.tmux.sendKeys('Enter');
		const screen = await app.tmux.waitForScreen('Answer to q1 not saved');
		expect(screen).toMatch(/is a symlink/);
		// Still alive: the clock and the keys still work.
		app.tmux.sendKeys('q');
		expect(await app.exitCode()).toBe(130);
		expectNoStackTrace(app.tmux.screen());
		expect(app.summary()).toMatchObject({state: 'interrupted', exit_code: 130});
		expect(fs.readdirSync(elsewhere)).toEqual([]);
	});

	test.each([
		['removed', (workspace: string) => {
			fs.rmSync(workspace, {recursive: true});
		}, (workspace: string) => `the workspace was removed: ${workspace}`],
		['renamed', (workspace: string) => {
			fs.renameSync(workspace, `${workspace}-renamed`);
		}, (workspace: string) => `the workspace was moved or renamed to ${workspace}-renamed (it was ${workspace})`],
	])('a workspace %s while the app watches ends it: the reason on screen, exit 1, the summary', async (what, fault, reason) => {
		const directory = project();
		const {workspace} = await newWorkspace([], directory);
		const app = watchInTerminal(directory, workspace);
		await app.tmux.waitForScreen('not started');
		fault(workspace);
		const screen = await app.tmux.waitForScreen(`the workspace was ${what === 'removed' ? 'removed' : 'moved or renamed'}`);
		expect(screen).toContain('Failed.');
		expect(screen).not.toContain('The workspace is kept');
		app.tmux.sendKeys('q');
		expect(await app.exitCode()).toBe(1);
		expectNoStackTrace(app.tmux.screen());
		expect(app.summary()).toMatchObject({state: 'failed', exit_code: 1, errors: [reason(workspace)]});
	});
});
