import fs from 'node:fs';
import path from 'node:path';
import {expect, test, vi} from 'vitest';
import {cliPath, runCli, runShellLine, startCli, useTempDirectories, type CliResult} from '../helpers/cli.js';

const tempDirectory = useTempDirectories();
vi.setConfig({testTimeout: 60_000});

/** Every "… with: COMMAND" hint a command left on stderr for going on after it ended ("answer with:" is about a question, tested with the instructions). */
function hints(stderr: string): Array<{label: string; command: string}> {
	return [...stderr.matchAll(/^ {2}([a-z ]+) with: (.+)$/gm)].map(match => ({label: match[1]!, command: match[2]!})).filter(hint => hint.label !== 'answer');
}

test('a quit demo suggests one command, rerunning the demo in the same folder, and it runs as written from anywhere', async () => {
	const project = tempDirectory();
	const demo = startCli(['demo', '--no-clipboard'], {cwd: project, detached: true, env: {HANDOFF_DEMO_PACE: '0'}});
	await demo.waitFor('question profile_editing');
	demo.child.kill('SIGTERM');
	const stopped = await demo.result;
	expect(stopped.code).toBe(143);
	// Its consumer is gone with it, so no watch hint: the one hint reruns the demo.
	const base = path.join(project, '.handoff');
	expect(hints(stopped.stderr)).toEqual([{label: 'run the demo again', command: `${process.execPath} ${cliPath} demo --dir ${base}`}]);
	expect(stopped.stderr).not.toContain(' watch ');

	// Run from / in a shell of its own, as a person would paste it; answered from outside as in the demo tests.
	let answering: Promise<CliResult> | undefined;
	const again = await runShellLine(hints(stopped.stderr)[0]!.command, {HANDOFF_DEMO_PACE: '0'}, stderr => {
		const workspace = /demo workspace (\S+)/.exec(stderr)?.[1];
		if (!answering && workspace && stderr.includes('question profile_editing')) {
			answering = runCli(['answer', path.resolve('/', workspace), 'profile_editing', '3']);
		}
	});
	expect((await answering)?.code).toBe(0);
	expect(again.code).toBe(0);
	expect(again.stderr).toContain(`handoff: complete; archived to ${path.join(base, 'results')}`);
});

test('an interrupted pipeline suggests one resume command, pipeline resume, and it continues the run as written from anywhere', async () => {
	const project = tempDirectory();
	fs.writeFileSync(path.join(project, 'SPEC.md'), '# Spec\n');
	fs.writeFileSync(path.join(project, 'analysis.schema.json'), JSON.stringify({type: 'object', required: ['state_machines']}));
	fs.writeFileSync(path.join(project, 'pipeline.json'), JSON.stringify({
		name: 'hints',
		stages: [{name: 'analysis', task: 'analyze-spec', inputs: {spec: 'SPEC.md'}, schema: 'analysis.schema.json', result: 'output/analysis.json'}],
	}));
	const first = startCli(['pipeline', 'run', 'pipeline.json', '--no-clipboard'], {cwd: project, detached: true});
	await first.waitFor('state: not started');
	first.child.kill('SIGTERM');
	const stopped = await first.result;
	expect(stopped.code).toBe(143);
	const run = /run folder (\S+)/.exec(stopped.stderr)![1]!;
	// One hint, not the stage's `watch` besides the pipeline's own: watching the stage alone would not continue the run.
	expect(hints(stopped.stderr)).toEqual([{label: 'resume', command: `${process.execPath} ${cliPath} pipeline resume ${run}`}]);

	const stage = path.join(run, 'stage-1-analysis');
	fs.writeFileSync(path.join(stage, 'output/analysis.json'), JSON.stringify({state_machines: []}));
	expect((await runCli(['done', '--workspace', stage])).code).toBe(0);
	const resumed = await runShellLine(hints(stopped.stderr)[0]!.command);
	expect(resumed.stderr).toContain('pipeline: all 1 stages complete');
	expect(resumed.code).toBe(0);
});
