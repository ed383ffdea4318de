import {spawn} from 'node:child_process';
import fs from 'node:fs';
import {describe, expect, test} from 'vitest';
import {enterSequence, leaveSequence} from '../../source/terminal/screen.js';
import {eventually, fixtureCommand, runFixture} from './helpers.js';

/** What the child's terminal stream shows: entered, drawn, then raw mode off and the screen left, exactly once. */
const restored = `${enterSequence}READY[raw false]${leaveSequence}`;

async function run(mode: string, signal?: NodeJS.Signals) {
	return runFixture('restore-child.ts', [mode], {
		onStdout(stdout, kill) {
			if (signal && stdout.includes('READY')) {
				kill(signal);
			}
		},
	});
}

describe('restoring the terminal (child processes drawing on a plain stream)', () => {
	test.each([['SIGTERM', 143], ['SIGINT', 130], ['SIGHUP', 129]] as const)('%s restores raw mode and the screen, then exits %i', async (signal, code) => {
		const result = await run('wait', signal);
		expect(result.stdout).toBe(restored);
		expect(result).toMatchObject({code, signal: null, stderr: ''});
	});

	test('an uncaught exception: restored first, then one line naming the error on stderr, exit 70 (internal error)', async () => {
		const result = await run('throw');
		expect(result.stdout).toBe(restored);
		expect(result.stderr).toBe('handoff: internal error: Error: boom; this is a bug in handoff (HANDOFF_DEBUG=1 shows where)\n');
		expect(result.code).toBe(70);
	});

	test('an unhandled rejection: the same', async () => {
		const result = await run('reject');
		expect(result.stdout).toBe(restored);
		expect(result.stderr).toBe('handoff: internal error: Error: rejected boom; this is a bug in handoff (HANDOFF_DEBUG=1 shows where)\n');
		expect(result.code).toBe(70);
	});

	test('with HANDOFF_DEBUG=1 the stack follows the line', async () => {
		const result = await runFixture('restore-child.ts', ['throw'], {env: {...process.env, HANDOFF_DEBUG: '1'}});
		expect(result.stdout).toBe(restored);
		expect(result.stderr).toMatch(/^handoff: internal error: Error: boom; this is a bug in handoff\nError: boom\n\s+at /);
		expect(result.code).toBe(70);
	});

	test.each(['exit', 'restore-then-exit'])('a normal end (%s) restores the screen exactly once', async mode => {
		const result = await run(mode);
		expect(result.stdout).toBe(restored);
		expect(result.code).toBe(0);
	});

	test('uninstall() removes every handler', async () => {
		const result = await run('uninstall-then-throw');
		expect(result.stdout).toBe(`${enterSequence}READY`);
		// Node's own crash report, not ours.
		expect(result.stderr).toContain('unhandled boom');
		expect(result.code).toBe(1);
	});

	test.skipIf(!fs.existsSync('/proc/self/stat'))('SIGTSTP leaves the screen and raw mode, then really stops; SIGCONT enters again, raw mode back on, and asks for a redraw', async () => {
		const [command, ...args] = fixtureCommand('restore-child.ts') as [string, ...string[]];
		const child = spawn(command, [...args, 'suspend'], {stdio: ['ignore', 'pipe', 'pipe']});
		let stdout = '';
		child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
			stdout += chunk;
		});
		const closed = new Promise<number | null>(resolve => {
			child.on('close', code => {
				resolve(code);
			});
		});
		const state = (): string | undefined => /^\d+ \(.*\) (\w)/s.exec(fs.readFileSync(`/proc/${child.pid}/stat`, 'utf8'))?.[1];
		try {
			await eventually(() => (state() === 'T' && stdout.length > 0 ? true : undefined), 'the child to stop');
			expect(stdout).toBe(`${enterSequence}READY[raw false]${leaveSequence}`);
			child.kill('SIGCONT');
			await eventually(() => (stdout.endsWith('BACK') ? true : undefined), 'the child to come back');
			expect(stdout).toBe(`${enterSequence}READY[raw false]${leaveSequence}${enterSequence}\u001B[H[raw true]BACK`);
			child.kill('SIGTERM');
			expect(await closed).toBe(143);
			// Left once more on the way out.
			expect(stdout).toBe(`${enterSequence}READY[raw false]${leaveSequence}${enterSequence}\u001B[H[raw true]BACK[raw false]${leaveSequence}`);
		} finally {
			child.kill('SIGKILL');
		}
	});
});
