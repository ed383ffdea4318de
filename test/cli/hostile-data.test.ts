import fs from 'node:fs';
import path from 'node:path';
import {describe, expect, test} from 'vitest';
import {runCli, startCli, useTempDirectories} from '../helpers/cli.js';

const project = useTempDirectories();

/** A pattern that backtracks exponentially: `^(a+)+$` against 30 `a`s and a `!` takes V8 about 40 s. */
const evilSchema = {type: 'object', required: ['state_machines'], properties: {state_machines: {type: 'array', items: {type: 'object', properties: {entity: {type: 'string', pattern: '^(a+)+$'}}}}}};
const evilValue = JSON.stringify({state_machines: [{entity: `${'a'.repeat(30)}!`}]});
const recursiveSchema = {$ref: '#/definitions/node', definitions: {node: {type: 'object', properties: {a: {$ref: '#/definitions/node'}}}}};
const deep = (depth: number): string => `${'{"a":'.repeat(depth)}{}${'}'.repeat(depth)}`;
/** A line of a Node stack trace. */
const stackLine = /^\s+at .+:\d+:\d+\)?$/m;

/** `handoff new` with this schema in a fresh project; returns the workspace. */
async function newWorkspace(schema: unknown): Promise<string> {
	const directory = project();
	fs.writeFileSync(path.join(directory, 'schema.json'), JSON.stringify(schema));
	const result = await runCli(['new', '--task', 'hostile', '--schema', 'schema.json', '--result', 'output/analysis.json'], {cwd: directory});
	expect(result.stderr).toBe('');
	return result.stdout.trim();
}

describe('consumer data cannot hang or crash a command', () => {
	test('done with a result that an evil schema pattern chokes on: exit 1 within seconds with the time-limit line, nothing signalled', async () => {
		const workspace = await newWorkspace(evilSchema);
		fs.writeFileSync(path.join(workspace, 'output/analysis.json'), evilValue);
		const started = performance.now();
		const result = await runCli(['done', '--workspace', workspace]);
		const elapsed = performance.now() - started;
		expect(result.code).toBe(1);
		expect(result.stderr).toContain('output/analysis.json: validation did not finish in 5 s (a schema pattern may be too slow)');
		expect(result.stderr).not.toMatch(stackLine);
		// The limit is 5 s; without it this takes about 40 s. Generous for a loaded machine.
		expect(elapsed).toBeLessThan(20_000);
		expect(fs.existsSync(path.join(workspace, '.done'))).toBe(false);
	});

	test('done with {} against required ["constructor", "toString"]: exit 1 naming both', async () => {
		const workspace = await newWorkspace({type: 'object', required: ['constructor', 'toString']});
		fs.writeFileSync(path.join(workspace, 'output/analysis.json'), '{}');
		const result = await runCli(['done', '--workspace', workspace]);
		expect(result.code).toBe(1);
		expect(result.stderr).toContain('output/analysis.json: /constructor: missing required field "constructor"');
		expect(result.stderr).toContain('output/analysis.json: /toString: missing required field "toString"');
	});

	test('wait --json with a 100,000-deep result and a recursive schema: exit 1, a clear line, the JSON summary, no stack trace', async () => {
		const workspace = await newWorkspace(recursiveSchema);
		fs.writeFileSync(path.join(workspace, 'output/analysis.json'), deep(100_000));
		fs.writeFileSync(path.join(workspace, '.done'), '');
		const result = await runCli(['wait', workspace, '--json']);
		expect(result.code).toBe(1);
		expect(result.stderr).not.toMatch(stackLine);
		expect(result.stderr).toContain('output/analysis.json: is nested more than 512 levels deep; refusing to read it');
		expect(JSON.parse(result.stdout)).toMatchObject({state: 'failed', exit_code: 1, errors: ['output/analysis.json: is nested more than 512 levels deep; refusing to read it']});
	});

	test('wait with 100,000-deep metadata.json and answers.json reports them and still completes with its JSON summary', async () => {
		const workspace = await newWorkspace({type: 'object'});
		fs.writeFileSync(path.join(workspace, 'output/metadata.json'), `{"status": "failed", "errors": [], "execution": ${deep(100_000)}}`);
		fs.writeFileSync(path.join(workspace, 'shared/answers.json'), `{"answers": [{"id": "q1", "answer": ${deep(100_000)}}]}`);
		const wait = startCli(['wait', workspace, '--json']);
		await wait.waitFor('problem: output/metadata.json: is nested more than 512 levels deep; refusing to read it');
		await wait.waitFor('problem: shared/answers.json: is nested more than 512 levels deep; refusing to read it');
		fs.writeFileSync(path.join(workspace, 'output/analysis.json'), '{"ok": true}');
		fs.writeFileSync(path.join(workspace, '.done'), '');
		const result = await wait.result;
		expect(result.stderr).not.toMatch(stackLine);
		expect(result.code).toBe(0);
		expect(JSON.parse(result.stdout)).toMatchObject({state: 'complete', exit_code: 0});
	});

	test('SIGINT while an evil partial result is being checked ends wait at once with 130', async () => {
		const workspace = await newWorkspace(evilSchema);
		fs.writeFileSync(path.join(workspace, 'output/analysis.partial.json'), evilValue);
		const wait = startCli(['wait', workspace, '--json']);
		// The first state line comes from the first read, with the partial's 5 s check just started.
		await wait.waitFor('state: ');
		const signalled = performance.now();
		wait.child.kill('SIGINT');
		const result = await wait.result;
		const elapsed = performance.now() - signalled;
		expect(result.code).toBe(130);
		expect(JSON.parse(result.stdout)).toMatchObject({exit_code: 130});
		// Waiting behind the check would take most of its 5 s.
		expect(elapsed).toBeLessThan(3000);
	});
});
