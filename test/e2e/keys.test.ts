import fs from 'node:fs';
import path from 'node:path';
import {describe, expect, test} from 'vitest';
import {newWorkspace, runCli, useTempDirectories, waitUntil} from '../helpers/cli.js';
import {askedWorkspace, screenWords, watchInTerminal} from '../helpers/screen.js';

/**
Each key rule of the app, in a real terminal (tmux, keys as a terminal sends them): the answer line owns its keys, Ctrl+C always quits (asking first over a half-typed answer), Esc keeps the draft, a number and Enter in one read answer, the ended screen closes on any key and shows the result (staying with --stay).
*/

const project = useTempDirectories();

/** The answers the app saved, by question id. */
function answers(workspace: string): Record<string, string> {
	const file = path.join(workspace, 'shared/answers.json');
	if (!fs.existsSync(file)) {
		return {};
	}

	const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as {answers?: Array<{id: string; answer: string}>};
	return Object.fromEntries((saved.answers ?? []).map(answer => [answer.id, answer.answer]));
}

describe('the answer line owns its keys', () => {
	test('n, q, x and ? are letters there: "No" can be typed and sent', async () => {
		const directory = project();
		const workspace = await askedWorkspace(directory, 'Shall we ship?');
		const app = watchInTerminal(directory, workspace);
		await app.tmux.waitForScreen('Enter to type an answer');
		app.tmux.sendKeys('Enter');
		await app.tmux.waitForScreen('answer q1 ›');
		app.tmux.sendKeys('-l', 'No?qxn');
		await app.tmux.waitForScreen('answer q1 › No?qxn');
		for (let index = 0; index < 4; index++) {
			app.tmux.sendKeys('BSpace');
		}

		await app.tmux.waitForScreen(/answer q1 › No +\S/);
		app.tmux.sendKeys('Enter');
		await waitUntil(() => answers(workspace).q1 === 'No', 10_000, 'the answer No saved');
		await app.tmux.waitForScreen('Answer to q1 saved: No');
		expect(app.exited()).toBe(false);
	});

	test('Esc leaves the line and keeps the draft; Enter opens the line on it again', async () => {
		const directory = project();
		const workspace = await askedWorkspace(directory, 'Name the product?');
		const app = watchInTerminal(directory, workspace);
		await app.tmux.waitForScreen('Enter to type an answer');
		app.tmux.sendKeys('Enter');
		await app.tmux.waitForScreen('answer q1 ›');
		app.tmux.sendKeys('-l', 'Dazz');
		await app.tmux.waitForScreen('answer q1 › Dazz');
		app.tmux.sendKeys('Escape');
		await app.tmux.waitForScreen('? help · q quit');
		expect(app.tmux.screen()).not.toContain('answer q1 ›');
		app.tmux.sendKeys('Enter');
		await app.tmux.waitForScreen('answer q1 › Dazz');
		app.tmux.sendKeys('-l', 'le');
		app.tmux.sendKeys('Enter');
		await waitUntil(() => answers(workspace).q1 === 'Dazzle', 10_000, 'the answer Dazzle saved');
	});
});

describe('Ctrl+C always quits', () => {
	test('with the answer line open and empty it quits at once (130)', async () => {
		const directory = project();
		const workspace = await askedWorkspace(directory, 'Shall we ship?');
		const app = watchInTerminal(directory, workspace);
		await app.tmux.waitForScreen('Enter to type an answer');
		app.tmux.sendKeys('Enter');
		await app.tmux.waitForScreen('answer q1 ›');
		app.tmux.sendKeys('C-c');
		expect(await app.exitCode()).toBe(130);
	});

	test('with an answer half-typed it asks first: n stays with the draft, y quits (130) and sends nothing', async () => {
		const directory = project();
		const workspace = await askedWorkspace(directory, 'Shall we ship?');
		const app = watchInTerminal(directory, workspace);
		await app.tmux.waitForScreen('Enter to type an answer');
		app.tmux.sendKeys('Enter');
		await app.tmux.waitForScreen('answer q1 ›');
		app.tmux.sendKeys('-l', 'Mayb');
		await app.tmux.waitForScreen('answer q1 › Mayb');
		app.tmux.sendKeys('C-c');
		await app.tmux.waitForScreen('Quit with an answer not sent? y: quit · n: stay');
		app.tmux.sendKeys('n');
		await app.tmux.waitForScreen('Enter send');
		expect(app.tmux.screen()).toContain('answer q1 › Mayb');
		app.tmux.sendKeys('C-c');
		await app.tmux.waitForScreen('Quit with an answer not sent?');
		app.tmux.sendKeys('y');
		expect(await app.exitCode()).toBe(130);
		expect(answers(workspace)).toEqual({});
	});

	test('a draft left with Esc is asked about too; Ctrl+C twice quits', async () => {
		const directory = project();
		const workspace = await askedWorkspace(directory, 'Shall we ship?');
		const app = watchInTerminal(directory, workspace);
		await app.tmux.waitForScreen('Enter to type an answer');
		app.tmux.sendKeys('Enter');
		await app.tmux.waitForScreen('answer q1 ›');
		app.tmux.sendKeys('-l', 'Mayb');
		await app.tmux.waitForScreen('answer q1 › Mayb');
		app.tmux.sendKeys('Escape');
		await app.tmux.waitForScreen('? help · q quit');
		app.tmux.sendKeys('C-c');
		await app.tmux.waitForScreen('Quit with an answer not sent?');
		app.tmux.sendKeys('C-c');
		expect(await app.exitCode()).toBe(130);
	});
});

describe('batched input', () => {
	test('a number and Enter in one read ("3\\r") answer option 3', async () => {
		const directory = project();
		const workspace = await askedWorkspace(directory, 'Who may edit?', ['Users', 'Admins', 'Both']);
		const app = watchInTerminal(directory, workspace);
		await app.tmux.waitForScreen('press a number to pick');
		app.tmux.sendKeys('-l', '3\r');
		await waitUntil(() => answers(workspace).q1 === 'Both', 10_000, 'option 3 saved');
	});

	test('t, a free answer and Enter in one read type it and send it', async () => {
		const directory = project();
		const workspace = await askedWorkspace(directory, 'Who may edit?', ['Users', 'Admins']);
		const app = watchInTerminal(directory, workspace);
		await app.tmux.waitForScreen('t types another answer');
		app.tmux.sendKeys('-l', 'tNobody\r');
		await waitUntil(() => answers(workspace).q1 === 'Nobody', 10_000, 'the typed answer saved');
	});
});

describe('the ended screen', () => {
	test('with --stay the validated result is shown and stays until a key; any key (a) closes it, exit 0', async () => {
		const directory = project();
		const {workspace} = await newWorkspace([], directory);
		const app = watchInTerminal(directory, workspace, {flags: ['--stay']});
		await app.tmux.waitForScreen('not started');
		fs.writeFileSync(path.join(workspace, 'output/analysis.json'), JSON.stringify({state_machines: [{entity: 'Ticket42'}]}));
		expect((await runCli(['done', '--workspace', workspace])).code).toBe(0);
		const screen = await app.tmux.waitForScreen('Ticket42');
		expect(screen).toContain('Result · ');
		expect(screen).toContain('any other key closes');
		// It stays: the app is still there well past the 1.5 s it lingers without --stay (the ended screen has no clock that moves, so time is measured here).
		const shownAt = Date.now();
		await waitUntil(() => app.exited() || Date.now() - shownAt > 3000, 5000, 'the app to exit or stay past its linger');
		expect(app.exited()).toBe(false);
		expect(app.tmux.screen()).toContain('Ticket42');
		// v shows the result whole.
		app.tmux.sendKeys('v');
		await app.tmux.waitForScreen(/^Result · /m);
		app.tmux.sendKeys('Escape');
		await app.tmux.waitForScreen('any other key closes');
		app.tmux.sendKeys('a');
		expect(await app.exitCode()).toBe(0);
	});

	test('a failure reason opens whole from the status pane; then z closes the screen, exit 1', async () => {
		const directory = project();
		const {workspace} = await newWorkspace([], directory);
		const app = watchInTerminal(directory, workspace, {columns: 60, rows: 20});
		await app.tmux.waitForScreen('not started');
		const reason = `The spec contradicts itself ${Array.from({length: 30}, (_, index) => `clause${index}`).join(' ')} and that is the last clause.`;
		expect((await runCli(['fail', reason, '--workspace', workspace])).code).toBe(0);
		await app.tmux.waitForScreen('Failed');
		// Progress, partial, questions, status.
		app.tmux.sendKeys('Tab', 'Tab', 'Tab');
		app.tmux.sendKeys('v');
		await app.tmux.waitForScreen(/^Status/m);
		app.tmux.sendKeys('End');
		const seen = await app.tmux.waitForScreen('last clause.');
		expect(screenWords(seen)).toContain('clause29 and that is the last clause.');
		app.tmux.sendKeys('Escape');
		await app.tmux.waitForScreen('any other key closes');
		app.tmux.sendKeys('z');
		expect(await app.exitCode()).toBe(1);
	});
});
