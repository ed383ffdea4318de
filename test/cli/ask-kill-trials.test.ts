import fs from 'node:fs';
import path from 'node:path';
import {expect, test} from 'vitest';
import {newWorkspace, runCli, startCli, useTempDirectories, waitUntil, type CliResult} from '../helpers/cli.js';

/**
An agent's shell kills `ask --wait` and `await` at any moment (a tool time limit, a turn that ends) and runs the same command again, while the person answers whenever they like. Trials: each asks one question with `ask --wait` (with or without --id), killed with SIGKILL or SIGTERM at a random moment (from its start, or from when it waits) once or twice (each time run again, as an agent does), while a separate `handoff answer` process answers at a random moment; then a clean run (the same `ask --wait`, or `await <id>`) must print the answer. At the end every file is parsed: exactly one question per trial, one answer and one receipt per question, nothing else.

100 trials by default, in 8 workspaces at once; HANDOFF_SLOW_TESTS=1 runs 400.
*/

const project = useTempDirectories();
const slow = process.env.HANDOFF_SLOW_TESTS === '1';
const trialCount = slow ? 400 : 100;
const lanes = 8;
const options = ['Red', 'Green', 'Blue'];

const readJson = (file: string): any => JSON.parse(fs.readFileSync(file, 'utf8'));
const randomInt = (below: number): number => Math.floor(Math.random() * below);
const sleep = async (ms: number): Promise<void> => new Promise(resolve => {
	setTimeout(resolve, ms);
});

type Expected = {text: string; id: string; answer: string};

/** The id the question with `text` has in questions.json, once it is there (as the person sees it on the screen). */
function idOf(workspace: string, text: string): string | undefined {
	try {
		return (readJson(path.join(workspace, 'shared/questions.json')).questions as Array<{id: string; text: string}>).find(question => question.text === text)?.id;
	} catch {
		return undefined;
	}
}

/** The outcomes a run killed at a random moment may have: killed, ended by its SIGTERM handler (143), or done before the kill (0, with the right answer). */
function checkKilledRun(result: CliResult, answer: string): void {
	if (result.code === 0) {
		expect(result.stdout).toBe(`${answer}\n`);
		return;
	}

	expect(result.code === 143 || result.signal === 'SIGKILL' || result.signal === 'SIGTERM', `unexpected end: ${JSON.stringify(result)}`).toBe(true);
}

async function runTrial(workspace: string, trial: number, lane: number): Promise<Expected> {
	const text = `Lane ${lane}, trial ${trial}: which colour?`;
	const id = trial % 2 === 0 ? `t${trial}` : undefined;
	const pick = 1 + randomInt(options.length);
	const answer = options[pick - 1]!;
	const ask = ['ask', text, ...options.flatMap(option => ['--option', option]), ...(id ? ['--id', id] : []), '--wait', '--for', '20', '--workspace', workspace];
	const answering = (async () => {
		await sleep(randomInt(700));
		const questionId = (await waitUntil(() => idOf(workspace, text), 20_000, `question ${text}`))!;
		const answered = await runCli(['answer', workspace, questionId, String(pick)]);
		expect(answered.code, answered.stderr).toBe(0);
	})();
	const kills = 1 + randomInt(2);
	for (let kill = 0; kill < kills; kill++) {
		const run = startCli(ask);
		// Half the kills land anywhere from the start (loading, asking under the lock), half once it waits (reading answers, writing the receipt).
		if (Math.random() < 0.5) {
			await run.waitFor('waiting up to', 'stderr', 20_000).catch(() => undefined);
		}

		await sleep(randomInt(400));
		run.child.kill(Math.random() < 0.5 ? 'SIGKILL' : 'SIGTERM');
		checkKilledRun(await run.result, answer);
	}

	// Every run may have been killed before it asked: then only `ask` can go on (await needs the id).
	const asked = idOf(workspace, text);
	const clean = await runCli(asked !== undefined && trial % 3 === 0 ? ['await', asked, '--for', '20', '--workspace', workspace] : ask);
	await answering;
	expect([clean.code, clean.stdout], clean.stderr).toEqual([0, `${answer}\n`]);
	return {text, id: idOf(workspace, text)!, answer};
}

test(`${trialCount} trials killing ask --wait and await at random moments while answers come at random moments: nothing duplicated, lost or corrupted`, async () => {
	const workspaces = await Promise.all(Array.from({length: lanes}, async () => (await newWorkspace([], project())).workspace));
	const results = await Promise.all(workspaces.map(async (workspace, lane) => {
		const expected: Expected[] = [];
		for (let trial = lane; trial < trialCount; trial += lanes) {
			expected.push(await runTrial(workspace, trial, lane));
		}

		return expected;
	}));
	for (const [lane, workspace] of workspaces.entries()) {
		const expected = results[lane]!;
		const questions = readJson(path.join(workspace, 'shared/questions.json')).questions as Array<{id: string; text: string; options: string[]}>;
		const answers = readJson(path.join(workspace, 'shared/answers.json')).answers as Array<{id: string; answer: string}>;
		const receipts = readJson(path.join(workspace, 'shared/receipts.json')).receipts as Array<{id: string; read_at: string}>;
		expect(questions.map(question => [question.id, question.text, question.options])).toEqual(expected.map(item => [item.id, item.text, options]));
		expect(new Set(questions.map(question => question.id)).size).toBe(questions.length);
		expect(Object.fromEntries(answers.map(entry => [entry.id, entry.answer]))).toEqual(Object.fromEntries(expected.map(item => [item.id, item.answer])));
		expect(answers).toHaveLength(expected.length);
		expect(receipts.map(receipt => receipt.id).sort()).toEqual(expected.map(item => item.id).sort());
		expect(receipts.every(receipt => !Number.isNaN(Date.parse(receipt.read_at)))).toBe(true);
	}

	expect(results.flat()).toHaveLength(trialCount);
}, slow ? 900_000 : 180_000);
