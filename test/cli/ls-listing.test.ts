import fs from 'node:fs';
import path from 'node:path';
import {describe, expect, test} from 'vitest';
import {layout} from '../../source/core/paths.js';
import {producerRecordPath} from '../../source/core/producer-record.js';
import {mkfifo, newTestHandoff, settlesWithin} from '../core/helpers.js';
import {startCli, useTempDirectories} from '../helpers/cli.js';
import {runRecordingModules} from '../helpers/loaded-modules.js';

const project = useTempDirectories();

type Listed = {name: string; kind: string; state: string; task: string | null; pending_questions: number; error?: string};

/** `handoff ls --json --dir base`, which must end on its own within a few seconds whatever the workspaces hold. */
async function listJson(base: string): Promise<Map<string, Listed>> {
	const result = await settlesWithin(startCli(['ls', '--json', '--dir', base]).result, 15_000, 'handoff ls');
	expect(result.code, result.stderr).toBe(0);
	return new Map((JSON.parse(result.stdout) as Listed[]).map(entry => [entry.name, entry]));
}

describe('handoff ls over untrusted workspaces', () => {
	test('FIFOs, links, oversized and torn files never hang it or leak into what it shows; each workspace gets its own state', async () => {
		const base = project();
		const outside = path.join(base, 'outside');
		fs.mkdirSync(outside);
		fs.writeFileSync(path.join(outside, 'questions.json'), JSON.stringify({questions: [{id: 'x1', text: 'From outside?'}]}));
		fs.writeFileSync(path.join(outside, 'status.txt'), 'COMPLETE');
		fs.writeFileSync(path.join(outside, 'manifest.json'), JSON.stringify({task: 'outside-task', version: '1.0', inputs: {}, outputs: {result: 'output/result.json'}}));
		const made = new Map<string, string>();
		for (const name of ['plain', 'asking', 'status-fifo', 'questions-fifo', 'lock-fifo', 'shared-link', 'questions-huge', 'manifest-fifo', 'manifest-link', 'manifest-torn', 'record-fifo']) {
			made.set(name, (await newTestHandoff(base, name)).workspace);
		}

		const at = (name: string, relativePath: string): string => path.join(made.get(name)!, relativePath);
		fs.writeFileSync(at('asking', layout.questions), JSON.stringify({questions: [{id: 'q1', text: 'Which?'}, {id: 'q2', text: 'Why?'}]}));
		fs.writeFileSync(at('asking', layout.status), 'RUNNING');
		fs.rmSync(at('status-fifo', layout.status));
		mkfifo(at('status-fifo', layout.status));
		mkfifo(at('questions-fifo', layout.questions));
		mkfifo(at('lock-fifo', layout.lock));
		fs.rmSync(at('shared-link', layout.shared), {recursive: true});
		fs.symlinkSync(outside, at('shared-link', layout.shared));
		fs.writeFileSync(at('questions-huge', layout.questions), '');
		fs.truncateSync(at('questions-huge', layout.questions), (10 * 1024 * 1024) + 1);
		// A workspace made by another producer has no record: its manifest is read from input/.
		for (const name of ['manifest-fifo', 'manifest-link', 'manifest-torn']) {
			fs.rmSync(producerRecordPath(made.get(name)!));
			fs.rmSync(at(name, layout.manifest));
		}

		mkfifo(at('manifest-fifo', layout.manifest));
		fs.symlinkSync(path.join(outside, 'manifest.json'), at('manifest-link', layout.manifest));
		fs.writeFileSync(at('manifest-torn', layout.manifest), '{"task": "manifest-to');
		fs.rmSync(producerRecordPath(made.get('record-fifo')!));
		mkfifo(producerRecordPath(made.get('record-fifo')!));

		const listed = await listJson(base);
		const entry = (name: string): Listed => listed.get(path.basename(made.get(name)!))!;
		expect(listed.size).toBe(made.size);
		expect(entry('plain')).toMatchObject({state: 'not-started', task: 'plain', pending_questions: 0});
		// Reading works where nothing is wrong: the control for the refusals below.
		expect(entry('asking')).toMatchObject({state: 'waiting', task: 'asking', pending_questions: 2});
		for (const name of ['status-fifo', 'questions-fifo', 'questions-huge']) {
			expect(entry(name), name).toMatchObject({task: name, pending_questions: 0});
			expect(entry(name).state, name).not.toBe('invalid');
		}

		// A claim is listed as there, whatever .lock holds.
		expect(entry('lock-fifo')).toMatchObject({state: 'running', task: 'lock-fifo'});
		// shared/ as a link to a folder outside: its COMPLETE and its question are not believed.
		expect(entry('shared-link')).toMatchObject({task: 'shared-link', pending_questions: 0});
		expect(entry('shared-link').state).not.toBe('complete');
		expect(entry('manifest-fifo')).toMatchObject({state: 'invalid', task: null, error: 'input/manifest.json: is not a regular file'});
		expect(entry('manifest-link')).toMatchObject({state: 'invalid', task: null, error: 'input/manifest.json: is a symlink; refusing to follow it'});
		expect(entry('manifest-torn')).toMatchObject({state: 'invalid', task: null, error: expect.stringMatching(/^input\/manifest\.json: is not valid JSON/) as unknown});
		expect(entry('record-fifo')).toMatchObject({state: 'invalid', task: null, error: expect.stringMatching(/record\.json: is not a regular file$/) as unknown});
	});

	test('ls --json loads none of ink, react and ajv\'s compiler', async () => {
		const base = project();
		await newTestHandoff(base, 'listed');
		const run = await runRecordingModules(['ls', '--json', '--dir', base], base);
		expect(run.code, run.stderr).toBe(0);
		expect(run.sources).toContain('source/core/listing.ts');
		expect(run.packages).not.toContain('ink');
		expect(run.packages).not.toContain('react');
		expect([...run.packageFiles].filter(file => file.startsWith('ajv/') && !file.startsWith('ajv/dist/runtime/'))).toEqual([]);
	});
});
