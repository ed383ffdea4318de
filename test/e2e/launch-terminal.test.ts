import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {afterEach, expect, test} from 'vitest';
import {cliPath, makeTempDirectory, waitUntil} from '../helpers/cli.js';
import {Tmux} from '../helpers/tmux.js';

const fakes = fileURLToPath(new URL('../fixtures/fake-clis', import.meta.url));
const hasTmux = spawnSync('tmux', ['-V'], {stdio: 'ignore'}).status === 0;
const cleanups: Array<() => void> = [];
afterEach(() => {
	for (const cleanup of cleanups.splice(0)) {
		cleanup();
	}
});

test.skipIf(!hasTmux)('the full screen shows a launched tool that ended early within 2 s, with its exit code and stderr, and the hand-off fails', async () => {
	const project = makeTempDirectory();
	cleanups.push(() => {
		fs.rmSync(project, {recursive: true, force: true});
	});
	const stamp = path.join(project, 'exited-at');
	const exitFile = path.join(project, 'exit-code');
	const environment = `PATH='${fakes}:${process.env.PATH}' FAKE_EXIT_AFTER=claim FAKE_EXIT_CODE=7 FAKE_STDERR='fatal: out of credits' FAKE_EXIT_STAMP='${stamp}'`;
	const tmux = new Tmux();
	cleanups.push(() => {
		tmux.kill();
	});
	tmux.start(`sh -c '${environment.replaceAll('\'', '"')} "${process.execPath}" "${cliPath}" run --task early --tool claude --launch --no-clipboard; echo $? > ${exitFile}; sleep 30'`, {cwd: project, columns: 160, rows: 40});
	const screen = await tmux.waitForScreen('exited with code 7', 20_000);
	const noticed = Date.now();
	expect(noticed - Number(fs.readFileSync(stamp, 'utf8'))).toBeLessThan(2000);
	expect(screen).toContain('fatal: out of credits');
	await tmux.waitForScreen(/failed/i);
	tmux.sendKeys('q');
	expect(Number(await waitUntil(() => fs.existsSync(exitFile) && fs.readFileSync(exitFile, 'utf8').trim(), 20_000, 'the exit code'))).toBe(1);
}, 60_000);
