import fs from 'node:fs';
import path from 'node:path';
import {afterEach, expect, test} from 'vitest';
import {cliPath, makeTempDirectory, newWorkspace, waitUntil} from '../helpers/cli.js';
import {Tmux} from '../helpers/tmux.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
	for (const cleanup of cleanups.splice(0)) {
		cleanup();
	}
});

/** `handoff watch` on a workspace whose consumer asked `questions`, in a real terminal. */
async function watchQuestions(questions: unknown[]) {
	const {workspace} = await newWorkspace([], makeTempDirectory());
	cleanups.push(() => {
		fs.rmSync(path.dirname(path.dirname(path.dirname(workspace))), {recursive: true, force: true});
	});
	fs.writeFileSync(path.join(workspace, 'shared/questions.json'), JSON.stringify({questions}));
	const tmux = new Tmux();
	cleanups.push(() => {
		tmux.kill();
	});
	tmux.start(`"${process.execPath}" "${cliPath}" watch ${workspace}; sleep 30`);
	const answersFile = path.join(workspace, 'shared/answers.json');
	return {tmux, workspace, answers: (): unknown => (fs.existsSync(answersFile) ? JSON.parse(fs.readFileSync(answersFile, 'utf8')) : undefined)};
}

test('a typed answer that breaks the question\'s schema is refused under the answer line, the draft kept; the fixed one is saved', async () => {
	expect.hasAssertions();
	const {tmux, answers} = await watchQuestions([{id: 'q1', text: 'How many admins?', schema: {type: 'integer', minimum: 1}}]);
	await tmux.waitForScreen('▸ [q1] How many admins? · asked');
	tmux.sendKeys('Enter');
	await tmux.waitForScreen('answer q1 ›');
	tmux.sendKeys('-l', 'two');
	await tmux.waitForScreen('answer q1 › two');
	tmux.sendKeys('Enter');
	const refused = await tmux.waitForScreen('/: must be integer');
	// Under the line where it was typed, with the draft still in it.
	const lines = refused.split('\n');
	const answerLine = lines.findIndex(line => line.includes('answer q1 › two'));
	expect(answerLine).toBeGreaterThan(-1);
	expect(lines[answerLine + 1]).toContain('✗ q1: the answer does not match the question\'s schema:');
	expect(lines[answerLine + 2]).toContain('/: must be integer');
	expect(answers()).toBeUndefined();
	// One key at a time, each drawn before the next, as a person types.
	for (const shown of ['tw', 't', '']) {
		tmux.sendKeys('BSpace');
		await tmux.waitForScreen(new RegExp(`answer q1 › ${shown}\\s`));
	}

	tmux.sendKeys('0');
	await tmux.waitForScreen(/answer q1 › 0\s/);
	tmux.sendKeys('Enter');
	await tmux.waitForScreen('/: must be >= 1');
	expect(answers()).toBeUndefined();
	tmux.sendKeys('BSpace');
	await tmux.waitForScreen(/answer q1 › \s/);
	tmux.sendKeys('3');
	await tmux.waitForScreen(/answer q1 › 3\s/);
	tmux.sendKeys('Enter');
	await waitUntil(() => answers(), 10_000, 'the answer saved');
	expect(answers()).toMatchObject({answers: [{id: 'q1'}]});
	await tmux.waitForScreen('answered, waiting to be picked up · How many admins? → 3');
	await waitUntil(() => !tmux.screen().includes('answer q1 ›'), 10_000, 'the answer line to close');
	expect(tmux.screen()).not.toContain('✗');
});

test('t types a free answer to a question with options; a strict question takes only its options', async () => {
	expect.hasAssertions();
	const {tmux, answers} = await watchQuestions([
		{id: 'q1', text: 'Who may edit profiles?', options: ['Everyone', 'Admins only']},
		{id: 'q2', text: 'Which region?', options: ['EU', 'US'], strict: true},
	]);
	await tmux.waitForScreen('t types another answer');
	tmux.sendKeys('t');
	await tmux.waitForScreen('answer q1 ›');
	tmux.sendKeys('-l', 'nobody');
	await tmux.waitForScreen('answer q1 › nobody');
	tmux.sendKeys('Enter');
	await tmux.waitForScreen('→ nobody');
	expect(answers()).toMatchObject({answers: [{id: 'q1', answer: 'nobody'}]});
	await tmux.waitForScreen('▸ [q2]');
	tmux.sendKeys('2');
	await tmux.waitForScreen('Enter sends "US"');
	tmux.sendKeys('t');
	// t changes nothing on screen here; ? after it opens the help, and keys are read in order, so once the help shows, t was read.
	tmux.sendKeys('?');
	await tmux.waitForScreen('choose a question in the questions pane');
	tmux.sendKeys('Escape');
	const screen = await tmux.waitForScreen('Enter sends "US"');
	expect(screen).not.toContain('answer q2 ›');
});
