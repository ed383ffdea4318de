import fs from 'node:fs';
import path from 'node:path';
import {beforeEach, describe, expect, test} from 'vitest';
import {HandoffError} from '../../source/core/errors.js';
import {layout} from '../../source/core/paths.js';
import {readManifest} from '../../source/core/manifest.js';
import {askQuestions, type NewQuestion} from '../../source/core/consumer.js';
import {addAnswer, checkAnswer, duplicateQuestionProblems, mergeQuestions, readAnswers, readQuestions} from '../../source/core/questions.js';
import {SnapshotReader} from '../../source/core/snapshot-reader.js';
import {useTempDirectories} from './helpers.js';

const temporaryDirectory = useTempDirectories();
let workspace: string;
beforeEach(async () => {
	// One level down, so the producer's state folder beside the workspace is inside the temp folder too.
	workspace = path.join(await temporaryDirectory(), 'ws');
	fs.mkdirSync(path.join(workspace, 'shared'), {recursive: true});
});

/** One question asked through the consumer module, as `handoff ask` does. */
const addQuestion = async (directory: string, question: NewQuestion): Promise<{id: string; created: boolean}> => (await askQuestions(directory, [question]))[0]!;
const questionsFile = (): string => path.join(workspace, layout.questions);
const answersFile = (): string => path.join(workspace, layout.answers);
const readFile = (file: string): unknown => JSON.parse(fs.readFileSync(file, 'utf8'));
const leftovers = (): string[] => fs.readdirSync(path.join(workspace, 'shared')).filter(name => name.endsWith('.tmp') || name.endsWith('.lock'));

describe('askQuestions', () => {
	test('assigns q1, q2, ... in the seed\'s shape', async () => {
		expect((await addQuestion(workspace, {text: 'Edit own profile?', options: ['Yes', 'No', 'Admin only']})).id).toBe('q1');
		expect((await addQuestion(workspace, {text: 'Which database?'})).id).toBe('q2');
		expect((await addQuestion(workspace, {text: 'Third?', options: []})).id).toBe('q3');
		const file = readFile(questionsFile()) as {questions: Array<Record<string, unknown>>};
		expect(file.questions.map(({asked_at: _askedAt, ...question}) => question)).toEqual([
			{id: 'q1', text: 'Edit own profile?', options: ['Yes', 'No', 'Admin only']},
			{id: 'q2', text: 'Which database?'},
			{id: 'q3', text: 'Third?'},
		]);
		expect(file.questions.every(question => typeof question.asked_at === 'string')).toBe(true);
		expect(leftovers()).toEqual([]);
	});

	test('keeps every earlier question, including ones a consumer wrote by hand with extra fields, and skips taken ids', async () => {
		fs.writeFileSync(questionsFile(), JSON.stringify({questions: [{id: 'q2', text: 'Hand-written?', priority: 'high'}, {id: 'custom', text: 'Mine'}]}));
		const added = await addQuestion(workspace, {text: 'Next?'});
		expect(added.id).toBe('q3');
		const added2 = await addQuestion(workspace, {text: 'And?', id: 'named', schema: {type: 'integer'}});
		expect(added2).toEqual({id: 'named', created: true});
		expect((await readQuestions(workspace)).at(-1)).toMatchObject({id: 'named', schema: {type: 'integer'}});
		expect(await readQuestions(workspace)).toEqual([
			{id: 'q2', text: 'Hand-written?', priority: 'high'},
			{id: 'custom', text: 'Mine'},
			expect.objectContaining({id: 'q3', text: 'Next?'}),
			expect.objectContaining({id: 'named', text: 'And?'}),
		]);
	});

	test('refuses another question under a taken id (naming both) and an empty text, changing nothing', async () => {
		await addQuestion(workspace, {text: 'A?'});
		const before = fs.readFileSync(questionsFile(), 'utf8');
		await expect(addQuestion(workspace, {text: 'B?', id: 'q1'})).rejects.toThrow('shared/questions.json: "q1" was already asked as "A?"; this asks "B?" under the same id');
		await expect(addQuestion(workspace, {text: '   '})).rejects.toThrow('The question text is empty');
		expect(fs.readFileSync(questionsFile(), 'utf8')).toBe(before);
	});

	test('twenty concurrent questions get twenty distinct ids and none is lost', async () => {
		const added = await Promise.all(Array.from({length: 20}, async (_, index) => addQuestion(workspace, {text: `Question ${index}?`})));
		const ids = added.map(question => question.id);
		expect(new Set(ids).size).toBe(20);
		const stored = await readQuestions(workspace);
		expect(stored.map(question => question.text).sort()).toEqual(Array.from({length: 20}, (_, index) => `Question ${index}?`).sort());
		expect(stored.map(question => question.id).sort()).toEqual([...ids].sort());
		expect(leftovers()).toEqual([]);
	});
});

describe('addAnswer', () => {
	beforeEach(async () => {
		await addQuestion(workspace, {text: 'Edit own profile?', options: ['Yes', 'No', 'Admin only']});
		await addQuestion(workspace, {text: 'How many?', options: ['1', '2', '5']});
		await addQuestion(workspace, {text: 'Free text?'});
	});

	test('writes the seed\'s shape and merges by id, keeping earlier answers', async () => {
		await addAnswer(workspace, 'q1', 'Yes');
		await addAnswer(workspace, 'q3', 'Because');
		const file = readFile(answersFile()) as {answers: Array<Record<string, unknown>>};
		expect(file.answers.map(({answered_at: _answeredAt, ...answer}) => answer)).toEqual([{id: 'q1', answer: 'Yes'}, {id: 'q3', answer: 'Because'}]);
		expect(file.answers.every(answer => typeof answer.answered_at === 'string')).toBe(true);
		expect(leftovers()).toEqual([]);
	});

	test('never loses an answer someone else wrote, whatever its fields or type', async () => {
		const earlier = {answers: [{id: 'q0', answer: 'from python', note: 'kept'}, {id: 'q2', answer: 5}]};
		fs.writeFileSync(answersFile(), JSON.stringify(earlier));
		await addAnswer(workspace, 'q1', 'No');
		const file = readFile(answersFile()) as {answers: unknown[]};
		expect(file.answers).toEqual([...earlier.answers, expect.objectContaining({id: 'q1', answer: 'No'})]);
	});

	test('a number picks an option, unless that number is itself an option or out of range', async () => {
		expect((await addAnswer(workspace, 'q1', '3')).answer).toBe('Admin only');
		expect((await addAnswer(workspace, 'q2', '2')).answer).toBe('2');
		expect((await addAnswer(workspace, 'q3', '2')).answer).toBe('2');
		await expect(addAnswer(workspace, 'q1', '9', {force: true})).rejects.toThrow('q1 has 3 options: 9 is not one of them');
	});

	test('refuses to answer twice without force; force replaces, still one answer per id', async () => {
		await addAnswer(workspace, 'q1', 'Yes');
		await expect(addAnswer(workspace, 'q1', 'No')).rejects.toThrow('Question "q1" is already answered ("Yes"); use --force to replace it');
		expect((await readAnswers(workspace)).map(answer => answer.answer)).toEqual(['Yes']);
		await addAnswer(workspace, 'q1', 'No', {force: true});
		expect((await readAnswers(workspace)).map(answer => [answer.id, answer.answer])).toEqual([['q1', 'No']]);
	});

	test('refuses an unknown id, naming the known ones, unless allowed', async () => {
		const error = await addAnswer(workspace, 'q9', 'x').catch((error_: unknown) => error_);
		expect(error).toBeInstanceOf(HandoffError);
		expect((error as Error).message).toBe('No question with id "q9" in shared/questions.json (asked: q1, q2, q3)');
		expect(fs.existsSync(answersFile())).toBe(false);
		await addAnswer(workspace, 'q9', 'x', {allowUnknown: true});
		expect((await readAnswers(workspace)).map(answer => answer.id)).toEqual(['q9']);
	});

	test('twenty concurrent answers lose nothing', async () => {
		const ids = Array.from({length: 20}, (_, index) => `c${index}`);
		for (const id of ids) {
			await addQuestion(workspace, {text: `${id}?`, id});
		}

		await Promise.all(ids.map(async id => addAnswer(workspace, id, `answer ${id}`)));
		const answers = await readAnswers(workspace);
		expect(answers).toHaveLength(20);
		expect(Object.fromEntries(answers.map(answer => [answer.id, answer.answer]))).toEqual(Object.fromEntries(ids.map(id => [id, `answer ${id}`])));
		expect(leftovers()).toEqual([]);
	});

	test('a torn answers.json makes it throw rather than overwrite it', async () => {
		const torn = '{"answers": [{"id": "q0", "answer": "keep me"}';
		fs.writeFileSync(answersFile(), torn);
		const error = await addAnswer(workspace, 'q1', 'Yes').catch((error_: unknown) => error_);
		expect(error).toBeInstanceOf(HandoffError);
		expect((error as Error).message).toMatch(/^shared\/answers\.json: is not valid JSON/);
		expect(fs.readFileSync(answersFile(), 'utf8')).toBe(torn);
		expect(leftovers()).toEqual([]);
	});

	test('an answers.json of the wrong shape is not overwritten either', async () => {
		const wrong = '{"answers": {"q0": "keep me"}}';
		fs.writeFileSync(answersFile(), wrong);
		await expect(addAnswer(workspace, 'q1', 'Yes')).rejects.toThrow('shared/answers.json: /answers: must be array');
		expect(fs.readFileSync(answersFile(), 'utf8')).toBe(wrong);
	});

	test('a torn answers.json that a slow writer finishes a moment later is read once it is whole', async () => {
		fs.writeFileSync(answersFile(), '{"answers": [{"id": "q0", "ans');
		setTimeout(() => {
			fs.writeFileSync(answersFile(), '{"answers": [{"id": "q0", "answer": "late"}]}');
		}, 100);
		await addAnswer(workspace, 'q1', 'Yes');
		expect((await readAnswers(workspace)).map(answer => [answer.id, answer.answer])).toEqual([['q0', 'late'], ['q1', 'Yes']]);
	});
});

describe('mergeQuestions', () => {
	test('pending first, each group in the order asked, answers attached by id', () => {
		const views = mergeQuestions(
			[{id: 'q1', text: 'A'}, {id: 'q2', text: 'B'}, {id: 'q3', text: 'C'}],
			[{id: 'q2', answer: 'b'}, {id: 'q9', answer: 'stray'}],
		);
		expect(views.map(view => [view.id, view.answer?.answer])).toEqual([['q1', undefined], ['q3', undefined], ['q2', 'b']]);
	});
});

describe('duplicate question ids (a consumer may write questions.json by hand)', () => {
	const duplicates = {questions: [
		{id: 'q1', text: 'Edit own profile?', options: ['Yes', 'No', 'Admin only']},
		{id: 'q2', text: 'Which database?', options: ['Postgres', 'SQLite']},
		{id: 'q1', text: 'Delete the account?', options: ['Never', 'Always', 'Ask']},
		{id: 'q1', text: 'A third one?'},
	]};

	test('only the first question with an id is shown; the others are reported, naming the id', () => {
		const views = mergeQuestions(duplicates.questions, []);
		expect(views.map(view => [view.id, view.text])).toEqual([['q1', 'Edit own profile?'], ['q2', 'Which database?']]);
		expect(mergeQuestions(duplicates.questions, [{id: 'q1', answer: 'Yes'}]).map(view => [view.id, view.answer?.answer])).toEqual([['q2', undefined], ['q1', 'Yes']]);
		expect(duplicateQuestionProblems(duplicates.questions)).toEqual(['3 questions have the id "q1"; only the first is shown and can be answered (ask the others with new ids)']);
		expect(duplicateQuestionProblems(duplicates.questions.slice(0, 2))).toEqual([]);
	});

	test('the snapshot reports them as a problem of shared/questions.json and counts one pending question per id', async () => {
		fs.mkdirSync(path.join(workspace, 'input'));
		fs.mkdirSync(path.join(workspace, 'output'));
		fs.writeFileSync(path.join(workspace, layout.manifest), JSON.stringify({task: 't', outputs: {result: 'output/r.json'}}));
		fs.writeFileSync(questionsFile(), JSON.stringify(duplicates));
		const reader = new SnapshotReader(workspace, await readManifest(workspace));
		const snapshot = await reader.read();
		expect(snapshot.questions.map(question => question.text)).toEqual(['Edit own profile?', 'Which database?']);
		expect(snapshot.pendingQuestions).toBe(2);
		expect(snapshot.problems).toContainEqual({file: 'shared/questions.json', message: expect.stringContaining('3 questions have the id "q1"') as unknown});
	});

	test('an option number answers the first question with the id, with its own option, never another\'s', async () => {
		fs.writeFileSync(questionsFile(), JSON.stringify(duplicates));
		expect((await addAnswer(workspace, 'q1', '2')).answer).toBe('No');
		expect((await readAnswers(workspace)).map(answer => [answer.id, answer.answer])).toEqual([['q1', 'No']]);
		// The duplicates' options are never picked: 'Always' would be the second question's option 2.
		expect((await addAnswer(workspace, 'q1', '3', {force: true})).answer).toBe('Admin only');
	});

	test('literal: the text of the option the app showed is recorded as it is, never read as an option number', async () => {
		fs.writeFileSync(questionsFile(), JSON.stringify({questions: [{id: 'q1', text: 'How many?', options: ['3', '5', '8']}]}));
		// The consumer rewrites the question after the app showed it: the picked text "3" must not become option 3 of the new one.
		fs.writeFileSync(questionsFile(), JSON.stringify({questions: [{id: 'q1', text: 'Which colour?', options: ['Red', 'Green', 'Blue']}]}));
		expect((await addAnswer(workspace, 'q1', '3', {literal: true})).answer).toBe('3');
		expect((await addAnswer(workspace, 'q1', '3', {force: true})).answer).toBe('Blue');
	});
});

describe('asking is idempotent', () => {
	test('the same question again (same text, options, schema, strict; schema keys in any order) returns its id and adds nothing', async () => {
		const question = {text: 'Size?', options: ['S', 'M'], schema: {type: 'string', maxLength: 1}, strict: true};
		expect(await addQuestion(workspace, question)).toEqual({id: 'q1', created: true});
		const before = fs.readFileSync(questionsFile(), 'utf8');
		expect(await addQuestion(workspace, {...question, schema: {maxLength: 1, type: 'string'}})).toEqual({id: 'q1', created: false});
		expect(await addQuestion(workspace, {...question, id: 'q1'})).toEqual({id: 'q1', created: false});
		expect(fs.readFileSync(questionsFile(), 'utf8')).toBe(before);
		// Each part counts: another option, no strict, another schema are other questions.
		expect(await addQuestion(workspace, {...question, options: ['S', 'M', 'L']})).toEqual({id: 'q2', created: true});
		expect(await addQuestion(workspace, {...question, strict: false})).toEqual({id: 'q3', created: true});
		await expect(addQuestion(workspace, {...question, id: 'q1', strict: false})).rejects.toThrow('"q1" was already asked as "Size?" with other strictness; this asks "Size?" under the same id');
	});

	test('a batch is added under one lock, all or none; the same question twice in a batch is one question', async () => {
		await addQuestion(workspace, {text: 'Old?', id: 'taken'});
		const before = fs.readFileSync(questionsFile(), 'utf8');
		await expect(askQuestions(workspace, [{text: 'A?'}, {text: 'B?', id: 'taken'}])).rejects.toThrow('"taken" was already asked as "Old?"; this asks "B?"');
		await expect(askQuestions(workspace, [{text: 'A?'}, {text: 'C?', options: ['x'], strict: true, schema: {type: 'string', pattern: '('}}])).rejects.toThrow('the schema of question 2');
		expect(fs.readFileSync(questionsFile(), 'utf8')).toBe(before);
		expect(await askQuestions(workspace, [{text: 'A?'}, {text: 'B?'}, {text: 'A?'}])).toEqual([{id: 'q2', created: true}, {id: 'q3', created: true}, {id: 'q2', created: false}]);
		expect((await readQuestions(workspace)).map(question => question.id)).toEqual(['taken', 'q2', 'q3']);
	});

	test('strict needs options', async () => {
		await expect(addQuestion(workspace, {text: 'Free?', strict: true})).rejects.toThrow('a strict question needs options');
	});
});

describe('checkAnswer', () => {
	const question = {id: 'q1', text: 'Pick', options: ['Yes', 'No', 'Admin only']};
	test('an option number picks the option; out of range is refused; free text is taken unless strict', async () => {
		expect(await checkAnswer(question, '2')).toEqual({value: 'No'});
		expect(await checkAnswer(question, '5')).toEqual({error: 'q1 has 3 options: 5 is not one of them'});
		expect(await checkAnswer(question, '0')).toEqual({error: 'q1 has 3 options: 0 is not one of them'});
		expect(await checkAnswer(question, '5', {literal: true})).toEqual({value: '5'});
		expect(await checkAnswer(question, 'Only on Sundays')).toEqual({value: 'Only on Sundays'});
		expect(await checkAnswer({...question, strict: true}, 'Only on Sundays')).toEqual({error: 'q1 takes only one of its options (or its number): "Yes", "No", "Admin only"'});
		expect(await checkAnswer({...question, strict: true}, 'Admin only')).toEqual({value: 'Admin only'});
		expect(await checkAnswer({...question, strict: true}, '3')).toEqual({value: 'Admin only'});
	});

	test('a typed answer is parsed and validated against the question\'s schema; errors are one line each', async () => {
		const typed = {id: 'age', text: 'Age?', schema: {type: 'object', required: ['years'], properties: {years: {type: 'integer', minimum: 0}}}};
		expect(await checkAnswer(typed, '{"years": 4}')).toEqual({value: {years: 4}});
		expect(await checkAnswer(typed, '{"years": -1, "x": 1}')).toEqual({error: 'age: the answer does not match the question\'s schema:\n/years: must be >= 0'});
		expect(await checkAnswer(typed, 'four')).toEqual({error: 'age: the answer does not match the question\'s schema:\n/: must be object'});
		// A string schema takes digits as the string they are.
		expect(await checkAnswer({id: 'zip', text: 'Zip?', schema: {type: 'string', pattern: '^\\d{5}$'}}, '01234')).toEqual({value: '01234'});
		expect(await checkAnswer({id: 'n', text: 'N?', schema: {type: 'integer'}}, '7')).toEqual({value: 7});
	});

	test('a schema whose pattern takes exponential time is ended by the worker\'s time limit, refusing the answer', async () => {
		const slow = {id: 'q1', text: 'Slow?', schema: {type: 'string', pattern: '^(a+)+$'}};
		const outcome = await checkAnswer(slow, `${'a'.repeat(40)}!`);
		expect(outcome).toEqual({error: expect.stringContaining('did not finish') as unknown});
	}, 20_000);

	test('addAnswer saves the typed value and refuses what checkAnswer refuses, writing nothing', async () => {
		await addQuestion(workspace, {text: 'N?', schema: {type: 'integer'}});
		await expect(addAnswer(workspace, 'q1', 'many')).rejects.toThrow('q1: the answer does not match the question\'s schema:');
		expect(fs.existsSync(answersFile())).toBe(false);
		expect((await addAnswer(workspace, 'q1', '12')).answer).toBe('12');
		expect(readFile(answersFile())).toMatchObject({answers: [{id: 'q1', answer: 12}]});
	});
});
