import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {describe, expect, test} from 'vitest';
import {newWorkspace, runCli} from '../helpers/cli.js';
import {createObedientModel, type Observation, type Scenario} from './obedient-model.js';

/*
The scripted model on its own, without an agent CLI: its moves run here (a shell for commands, fs for file tools)
against a real workspace and the built CLI, while a person answers with `handoff answer`. It shows the model does
what the instructions say, and only that.
*/

const question = {id: 'admins-deleted', text: 'Should admins see deleted tickets?', options: ['Yes', 'No']};
const result = (answer: string) => ({state_machines: [{entity: `Ticket (admins see deleted: ${answer})`}]});

async function playOut(workspace: string, scenario: Scenario): Promise<{log: string[]; finish: string}> {
	const model = createObedientModel(scenario);
	const transcript: Observation[] = [{kind: 'prompt', text: `Read \`${workspace}/input/instructions.md\` and follow it.`}];
	for (let turn = 0; turn < 200; turn++) {
		const move = model.next(transcript);
		switch (move.kind) {
			case 'finish': {
				return {log: model.log(), finish: move.text};
			}

			case 'shell': {
				// The person answers once the question is there, as from the screen.
				if (/ await |^sleep /.test(move.command) && fs.existsSync(path.join(workspace, 'shared/questions.json'))) {
					const answered = await runCli(['answer', workspace, question.id, '2']);
					if (answered.code !== 0) {
						throw new Error(`answer failed: ${answered.stderr}`);
					}
				}

				const ran = spawnSync('/bin/sh', ['-c', move.command], {encoding: 'utf8'});
				transcript.push({kind: 'output', text: `${ran.stdout}${ran.stderr}`, exitCode: ran.status ?? undefined});
				break;
			}

			case 'write': {
				fs.writeFileSync(move.path, move.content);
				transcript.push({kind: 'output', text: `Successfully wrote ${move.path}`});
				break;
			}

			case 'read': {
				transcript.push({kind: 'output', text: fs.existsSync(move.path) ? fs.readFileSync(move.path, 'utf8') : `File not found: ${move.path}`});
				break;
			}

			case 'poll': {
				throw new Error('nothing here runs in the background');
			}
		}
	}

	throw new Error('the model did not finish in 200 moves');
}

describe('the scripted model follows the instructions it reads', () => {
	test('the commands way: claim, progress, partial, ask, await, an invalid draft fixed, done', async () => {
		const {workspace} = await newWorkspace(['--tool', 'codex']);
		const played = await playOut(workspace, {question, result, invalidFirst: {state_machines: 'none'}, way: 'commands', fileTools: false});
		expect(played.finish, played.log.join('\n')).toMatch(/^Done/);
		expect(fs.existsSync(path.join(workspace, '.done'))).toBe(true);
		expect(JSON.parse(fs.readFileSync(path.join(workspace, 'output/analysis.json'), 'utf8'))).toEqual(result('No'));
		expect(fs.readFileSync(path.join(workspace, 'shared/status.txt'), 'utf8').trim()).toBe('COMPLETE');
		expect(played.log.filter(line => line.startsWith('shell: claim'))).toHaveLength(1);
		expect(fs.existsSync(path.join(workspace, 'output/analysis.partial.json'))).toBe(true);
	});

	test('gemini\'s instructions: the partial result is written to a file first and published from it (no pipe)', async () => {
		const {workspace} = await newWorkspace(['--tool', 'gemini']);
		const played = await playOut(workspace, {question, result, way: 'commands', fileTools: true});
		expect(played.finish, played.log.join('\n')).toMatch(/^Done/);
		expect(played.log.filter(line => line.includes('printf'))).toEqual([]);
		expect(played.log).toContain(`write: write the partial result to a file first, as the instructions say — ${workspace}/draft.json`);
		expect(JSON.parse(fs.readFileSync(path.join(workspace, 'output/analysis.partial.json'), 'utf8'))).toEqual(result('(not answered yet)'));
	});

	test('without a claim step in the instructions it does not claim (it does what it reads, nothing more)', async () => {
		const {workspace} = await newWorkspace(['--tool', 'codex']);
		const file = path.join(workspace, 'input/instructions.md');
		fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/^2\. \*\*Claim the task\*\*[\s\S]*?(?=^3\. )/m, ''));
		const played = await playOut(workspace, {question, result, way: 'commands', fileTools: false});
		expect(played.log.some(line => line.includes(' claim'))).toBe(false);
		expect(played.finish).toMatch(/^Done/);
	});

	test('the plain-file way through file tools: lock, status, progress, questions, answers, receipts, metadata, .done', async () => {
		const {workspace} = await newWorkspace(['--tool', 'gemini']);
		const played = await playOut(workspace, {question, result, way: 'plain-files', fileTools: true});
		expect(played.finish, played.log.join('\n')).toMatch(/^Done/);
		expect(fs.existsSync(path.join(workspace, '.done'))).toBe(true);
		expect(fs.existsSync(path.join(workspace, '.lock'))).toBe(true);
		expect(JSON.parse(fs.readFileSync(path.join(workspace, 'shared/receipts.json'), 'utf8'))).toMatchObject({receipts: [{id: question.id}]});
		expect(JSON.parse(fs.readFileSync(path.join(workspace, 'output/analysis.json'), 'utf8'))).toEqual(result('No'));
	}, 120_000);
});
