import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {describe, expect, test} from 'vitest';
import {ensureProducerStateDirectory, producerStateDirectory} from '../../source/core/producer-state.js';
import {newWorkspace, runCli, startCli, useTempDirectories, waitUntil} from '../helpers/cli.js';

const project = useTempDirectories();

const readJson = (file: string): any => JSON.parse(fs.readFileSync(file, 'utf8'));

/** A workspace with question q1 (options Yes, No) and q2 (free text) asked through the CLI. */
async function workspaceWithQuestions(): Promise<string> {
	const {workspace} = await newWorkspace([], project());
	expect((await runCli(['ask', 'Proceed?', '--option', 'Yes', '--option', 'No', '--workspace', workspace])).code).toBe(0);
	expect((await runCli(['ask', 'Why?', '--workspace', workspace])).code).toBe(0);
	return workspace;
}

describe('handoff answer: its lock cannot be held hostage', () => {
	test('a lock file the consumer plants in shared/ and keeps fresh blocks nothing', async () => {
		const workspace = await workspaceWithQuestions();
		const planted = path.join(workspace, 'shared/answers.json.lock');
		// A live pid on this host, touched all the time: before, every answer waited 5 s and failed.
		fs.writeFileSync(planted, JSON.stringify({pid: process.pid, host: os.hostname()}));
		const toucher = setInterval(() => {
			const now = new Date();
			fs.utimesSync(planted, now, now);
		}, 20);
		try {
			const result = await runCli(['answer', workspace, 'q1', '1']);
			expect(result.stderr).toBe('Answered q1: Yes\n');
			expect(result.code).toBe(0);
		} finally {
			clearInterval(toucher);
		}

		expect(readJson(path.join(workspace, 'shared/answers.json')).answers).toEqual([expect.objectContaining({id: 'q1', answer: 'Yes'})]);
		expect(fs.existsSync(planted)).toBe(true);
	});

	test('an answer killed while holding the lock does not hold up the next one', async () => {
		const workspace = await workspaceWithQuestions();
		const lock = path.join(producerStateDirectory(workspace), 'answers.json.lock');
		// A torn answers.json keeps the first answer inside its lock for half a second (it waits for the file to be whole).
		fs.writeFileSync(path.join(workspace, 'shared/answers.json'), '{"answers": [');
		const first = startCli(['answer', workspace, 'q1', '1']);
		const holder = await waitUntil(() => fs.existsSync(lock) && readJson(lock), 5000, 'the first answer to take its lock');
		expect(holder.pid).toBe(first.child.pid);
		first.child.kill('SIGKILL');
		expect((await first.result).signal).toBe('SIGKILL');
		expect(fs.existsSync(lock)).toBe(true);

		fs.writeFileSync(path.join(workspace, 'shared/answers.json'), '{"answers": []}');
		const second = await runCli(['answer', workspace, 'q2', 'Because']);
		expect(second.stderr).toBe('Answered q2: Because\n');
		expect(second.code).toBe(0);

		expect(fs.existsSync(lock)).toBe(false);
	});

	test('garbage in the producer\'s own lock is broken after a second, not obeyed', async () => {
		const workspace = await workspaceWithQuestions();
		const lock = path.join(await ensureProducerStateDirectory(workspace), 'answers.json.lock');
		fs.writeFileSync(lock, '\u001B]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\u0007');
		const result = await runCli(['answer', workspace, 'q1', 'No']);
		expect(result.code).toBe(0);
		expect(readJson(path.join(workspace, 'shared/answers.json')).answers).toEqual([expect.objectContaining({id: 'q1', answer: 'No'})]);
	});

	test('with duplicate question ids, a number picks the option of the first question with the id', async () => {
		const {workspace} = await newWorkspace([], project());
		fs.writeFileSync(path.join(workspace, 'shared/questions.json'), JSON.stringify({questions: [
			{id: 'q1', text: 'Edit own profile?', options: ['Yes', 'No', 'Admin only']},
			{id: 'q1', text: 'Delete the account?', options: ['Never', 'Always', 'Ask']},
		]}));
		const result = await runCli(['answer', workspace, 'q1', '2']);
		expect(result.code).toBe(0);
		expect(readJson(path.join(workspace, 'shared/answers.json')).answers).toEqual([expect.objectContaining({id: 'q1', answer: 'No'})]);
	});
});

describe('handoff ask: a killed ask does not hold up the next one', () => {
	test('the questions lock left by a killed ask is broken at once', async () => {
		const {workspace} = await newWorkspace([], project());
		const lock = path.join(workspace, 'shared/questions.json.lock');
		const questions = path.join(workspace, 'shared/questions.json');
		// A torn questions.json keeps the first ask inside its lock for half a second.
		fs.writeFileSync(questions, '{"questions": [');
		const first = startCli(['ask', 'First?', '--workspace', workspace]);
		const holder = await waitUntil(() => fs.existsSync(lock) && readJson(lock), 5000, 'the first ask to take its lock');
		expect(holder.pid).toBe(first.child.pid);
		first.child.kill('SIGKILL');
		expect((await first.result).signal).toBe('SIGKILL');
		expect(fs.existsSync(lock)).toBe(true);

		fs.writeFileSync(questions, '{"questions": []}');
		const second = await runCli(['ask', 'Second?', '--workspace', workspace]);
		expect(second.code).toBe(0);
		expect(second.stdout.trim()).toBe('q1');
		expect(readJson(questions).questions.map((question: {text: string}) => question.text)).toEqual(['Second?']);
		expect(fs.existsSync(lock)).toBe(false);
	});
});
