import fs from 'node:fs';
import path from 'node:path';
import {expect, test} from 'vitest';
import {cliPath, newWorkspace, runCli, waitUntil} from '../helpers/cli.js';
import {hostile, terminalControls} from '../helpers/hostile.js';
import {Tmux, hasTmux, useCleanups} from '../helpers/tmux.js';


const cleanups = useCleanups();

const esc = '\u001B';
const bel = '\u0007';

/** `watch` on a fresh workspace in a real terminal (tmux), every byte it writes to the pane recorded. */
async function watchRecorded(extra: string[]): Promise<{workspace: string; tmux: Tmux; recorded: () => string}> {
	const {project, workspace} = await newWorkspace();
	cleanups.push(() => {
		fs.rmSync(project, {recursive: true, force: true});
	});
	const tmux = new Tmux();
	cleanups.push(() => {
		tmux.kill();
	});
	const recording = path.join(project, 'pane.raw');
	fs.writeFileSync(recording, '');
	tmux.start(`sh -c '"${process.execPath}" "${cliPath}" watch "${workspace}" ${extra.join(' ')}; sleep 30'`, {cwd: project});
	tmux.record(recording);
	await tmux.waitForScreen('The prompt is in');
	return {workspace, tmux, recorded: () => fs.readFileSync(recording, 'latin1')};
}

/** What tmux's passthrough carries: the sequence with its ESCs doubled, in a DCS. */
const passthrough = (sequence: string): string => `${esc}Ptmux;${sequence.replaceAll(esc, esc + esc)}${esc}\\`;

test.skipIf(!hasTmux)('a question arriving sends OSC 777 and OSC 9 through tmux besides the bell, its text safe; the end sends one too', async () => {
	const {workspace, tmux, recorded} = await watchRecorded(['--no-clipboard']);
	// The question carries escape sequences of its own: none of them may reach the terminal inside the notification.
	const asked = await runCli(['ask', `Should admins${hostile.oscTitle}${hostile.bel} see; deleted tickets?`, '--option', 'Yes', '--option', 'No', '--workspace', workspace]);
	expect(asked.code).toBe(0);
	const raw = await waitUntil(() => {
		const text = recorded();
		return text.includes(`${esc}${esc}]9;`) ? text : '';
	}, 15_000, 'the notification on the pane');
	const body = 'analyze-spec: Should admins␇ see, deleted tickets?';
	// Recorded as latin1: the ␇ (U+2407) is its UTF-8 bytes.
	const latin1 = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');
	expect(raw).toContain(latin1(passthrough(`${esc}]777;notify;handoff: a question;${body}${bel}`)));
	expect(raw).toContain(latin1(passthrough(`${esc}]9;handoff: a question: ${body}${bel}`)));
	expect(raw).not.toContain('pwned');
	// The bell still rings, outside any sequence.
	const outsideNotifications = (): string => recorded().replaceAll(/\u001B\u001B\](?:9|777);[^\u0007]*\u0007/g, '');
	expect(await waitUntil(() => outsideNotifications().includes(bel), 15_000, 'the bell')).toBe(true);
	await tmux.waitForScreen('Should admins');

	fs.writeFileSync(path.join(workspace, 'output/analysis.json'), JSON.stringify({state_machines: [{entity: 'Ticket'}]}));
	expect((await runCli(['done', '--workspace', workspace])).code).toBe(0);
	const ended = await waitUntil(() => {
		const text = recorded();
		return text.includes('handoff: complete;') ? text : '';
	}, 15_000, 'the end notification');
	expect(ended).toContain(passthrough(`${esc}]777;notify;handoff: complete;analyze-spec: the result is valid and archived${bel}`));
	// Every notification's payload is plain text.
	for (const match of ended.matchAll(/\u001B\u001B\](?:9|777);([^\u0007]*)\u0007/g)) {
		expect(Buffer.from(match[1]!, 'latin1').toString('utf8')).not.toMatch(terminalControls);
	}
});

test.skipIf(!hasTmux)('--no-notify: the bell rings, no notification is sent', async () => {
	const {workspace, tmux, recorded} = await watchRecorded(['--no-clipboard', '--no-notify']);
	expect((await runCli(['ask', 'Should admins see deleted tickets?', '--option', 'Yes', '--workspace', workspace])).code).toBe(0);
	await tmux.waitForScreen('Should admins see deleted tickets?');
	await waitUntil(() => recorded().includes(bel), 15_000, 'the bell');
	expect(recorded()).not.toMatch(/\](?:9|777);/);
});
