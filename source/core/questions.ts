import {watch} from 'node:fs';
import path from 'node:path';
import {setTimeout as delay} from 'node:timers/promises';
import answersSchema from './schemas/answers.schema.json' with {type: 'json'};
import questionsSchema from './schemas/questions.schema.json' with {type: 'json'};
import {HandoffError, exitCode} from './errors.js';
import {withFileLock} from './file-lock.js';
import {layout} from './paths.js';
import {ensureProducerStateDirectory} from './producer-state.js';
import {parseJson, readTextFile, writeJsonAtomic} from './safe-io.js';
import {compileSchema, describeErrors, formatSchemaError} from './schema-validator.js';
import {checkJson} from './validation.js';
import {receiptFor} from './receipts.js';
import type {Answer, Question, QuestionView, Receipt} from './snapshot.js';
import {isoTimestamp} from './time.js';

export {default as questionsSchema} from './schemas/questions.schema.json' with {type: 'json'};
export {default as answersSchema} from './schemas/answers.schema.json' with {type: 'json'};

const validateQuestionsFile = compileSchema(questionsSchema);
const validateAnswersFile = compileSchema(answersSchema);

/** Checks the parsed content of shared/questions.json. */
export function parseQuestions(value: unknown, name: string = layout.questions): Question[] {
	if (!validateQuestionsFile(value)) {
		throw new HandoffError(describeErrors(validateQuestionsFile.errors).map(formatSchemaError).join('; '), exitCode.usage, name);
	}

	return (value as {questions: Question[]}).questions;
}

/** An entry of shared/answers.json as written: a typed answer may be any JSON value. */
type AnswerEntry = {id: string; answer: unknown; answered_at?: string; [key: string]: unknown};

/** Checks the parsed content of shared/answers.json. Non-string answers (typed answers) are kept as JSON text. */
export function parseAnswers(value: unknown, name: string = layout.answers): Answer[] {
	return parseAnswerEntries(value, name).map(answer =>
		({...answer, answer: typeof answer.answer === 'string' ? answer.answer : JSON.stringify(answer.answer)}),
	);
}

function parseAnswerEntries(value: unknown, name: string = layout.answers): AnswerEntry[] {
	if (!validateAnswersFile(value)) {
		throw new HandoffError(describeErrors(validateAnswersFile.errors).map(formatSchemaError).join('; '), exitCode.usage, name);
	}

	return (value as {answers: AnswerEntry[]}).answers;
}

/**
Pending questions first, each group in the order asked; a later answer with the same id wins.

Of questions sharing an id (a consumer may write questions.json by hand), only the first is shown and answerable: an answer is recorded by id, so it could not say which of them it answers. The others are reported (duplicateQuestionProblems), never answered.
*/
export function mergeQuestions(questions: Question[], answers: Answer[], receipts: Receipt[] = []): QuestionView[] {
	const answerById = new Map(answers.map(answer => [answer.id, answer]));
	const views = firstOfEachId(questions).map(question => {
		const answer = answerById.get(question.id);
		return {...question, answer, receipt: receiptFor(answer, receipts)};
	});
	return [...views.filter(view => !view.answer), ...views.filter(view => view.answer)];
}

/** The first question with each id, in order. */
function firstOfEachId(questions: Question[]): Question[] {
	const seen = new Set<string>();
	return questions.filter(question => !seen.has(question.id) && seen.add(question.id));
}

/** One message per id that more than one question uses, for the snapshot's problems. */
export function duplicateQuestionProblems(questions: Question[]): string[] {
	const counts = new Map<string, number>();
	for (const question of questions) {
		counts.set(question.id, (counts.get(question.id) ?? 0) + 1);
	}

	return [...counts].filter(([, count]) => count > 1).map(([id, count]) => `${count} questions have the id ${JSON.stringify(id)}; only the first is shown and can be answered (ask the others with new ids)`);
}

/**
Reads a JSON file the other side may be rewriting. A file that does not parse is read again for a moment (a non-atomic writer may be halfway) before it counts as bad.
*/
async function readSettledJson<T>(workspace: string, relativePath: string, parse: (value: unknown) => T, empty: T): Promise<T> {
	for (let attempt = 0; ; attempt++) {
		try {
			const text = await readTextFile(path.join(workspace, relativePath), {name: relativePath});
			return text === undefined || text.trim() === '' ? empty : parse(parseJson(text, relativePath));
		} catch (error) {
			if (attempt >= 10 || !(error instanceof HandoffError)) {
				throw error;
			}

			await delay(50);
		}
	}
}

export async function readQuestions(workspace: string): Promise<Question[]> {
	return readSettledJson(workspace, layout.questions, value => parseQuestions(value), []);
}

export async function readAnswers(workspace: string): Promise<Answer[]> {
	return readSettledJson(workspace, layout.answers, value => parseAnswers(value), []);
}

export type NewQuestion = {text: string; options?: string[]; id?: string; schema?: unknown};

/** Adds a question to shared/questions.json, keeping every earlier one. Returns the question with its id. */
export async function addQuestion(workspace: string, question: NewQuestion): Promise<Question> {
	if (question.text.trim() === '') {
		throw new HandoffError('The question text is empty', exitCode.usage);
	}

	const file = path.join(workspace, layout.questions);
	return withFileLock(`${file}.lock`, async () => {
		const questions = await readQuestions(workspace);
		const ids = new Set(questions.map(existing => existing.id));
		if (question.id !== undefined && ids.has(question.id)) {
			throw new HandoffError(`A question with id "${question.id}" was already asked`, exitCode.usage, layout.questions);
		}

		let id = question.id;
		for (let n = questions.length + 1; id === undefined; n++) {
			id = ids.has(`q${n}`) ? undefined : `q${n}`;
		}

		const added: Question = {
			id,
			text: question.text,
			...(question.options && question.options.length > 0 ? {options: question.options} : {}),
			...(question.schema === undefined ? {} : {schema: question.schema}),
			asked_at: isoTimestamp(),
		};
		await writeJsonAtomic(file, {questions: [...questions, added]});
		return added;
	});
}

export type AnswerOptions = {
	/** Replace an existing answer for the same id instead of refusing. */
	force?: boolean;
	/** Accept an id that is not (yet) in questions.json. */
	allowUnknown?: boolean;
	/** Record the answer as given, never as an option number: for the app, which sends the text of the option the person picked. */
	literal?: boolean;
};

/**
Records an answer in shared/answers.json, merged by id under a lock so no earlier answer is lost. An option may be given by its 1-based number.
*/
export async function addAnswer(workspace: string, id: string, answer: string, options: AnswerOptions = {}): Promise<Answer> {
	const file = path.join(workspace, layout.answers);
	return withFileLock(await answersLockFile(workspace), async () => {
		// The entries as written, so that rewriting the file keeps a typed answer's type.
		const [questions, answers] = await Promise.all([readQuestions(workspace), readSettledJson(workspace, layout.answers, value => parseAnswerEntries(value), [])]);
		// The first question with the id: the one shown, as mergeQuestions does.
		const question = questions.find(candidate => candidate.id === id);
		if (!question && !options.allowUnknown) {
			const known = questions.map(candidate => candidate.id).join(', ') || 'none';
			throw new HandoffError(`No question with id "${id}" in ${layout.questions} (asked: ${known})`, exitCode.usage);
		}

		const previous = answers.find(candidate => candidate.id === id);
		if (previous && !options.force) {
			throw new HandoffError(`Question "${id}" is already answered (${JSON.stringify(previous.answer)}); use --force to replace it`, exitCode.usage);
		}

		const value = options.literal ? answer : resolveOptionNumber(question, answer);
		const added: Answer = {id, answer: value, answered_at: isoTimestamp()};
		await writeJsonAtomic(file, {answers: [...answers.filter(candidate => candidate.id !== id), added]});
		return added;
	});
}

/**
The producer is the only writer of answers.json, so its lock lives in the producer's state folder, outside the workspace: a lock file the consumer plants in shared/ blocks nothing.
*/
export async function answersLockFile(workspace: string): Promise<string> {
	return path.join(await ensureProducerStateDirectory(workspace), 'answers.json.lock');
}

/** "2" picks the second option when the question has options and none of them is literally "2". */
function resolveOptionNumber(question: Question | undefined, answer: string): string {
	const options = question?.options ?? [];
	if (/^\d+$/.test(answer) && !options.includes(answer)) {
		const picked = options[Number(answer) - 1];
		if (picked !== undefined) {
			return picked;
		}
	}

	return answer;
}

/** Slow safety net under the file events, for file systems whose watch events go missing. */
const answerRecheckMs = 2000;

/**
Resolves with the answer to `id` once shared/answers.json has it, or undefined when `timeoutMs` runs out or `stop()` says so. Woken by file events on shared/.
*/
export async function waitForAnswer(workspace: string, id: string, options: {timeoutMs?: number; stop?: () => Promise<string | undefined>} = {}): Promise<Answer | {stopped: string} | undefined> {
	const sharedDirectory = path.join(workspace, layout.shared);
	const check = async (): Promise<Answer | {stopped: string} | undefined> => {
		const answers = await readAnswers(workspace).catch(() => []);
		const answer = answers.find(candidate => candidate.id === id);
		if (answer) {
			return answer;
		}

		const stopped = await options.stop?.();
		return stopped === undefined ? undefined : {stopped};
	};

	const first = await check();
	if (first) {
		return first;
	}

	return new Promise((resolve, reject) => {
		let checking = false;
		let again = false;
		const stopWatching = (): void => {
			watcher.close();
			clearInterval(recheck);
			clearTimeout(timer);
		};

		const finish = (value: Answer | {stopped: string} | undefined): void => {
			stopWatching();
			resolve(value);
		};

		const tryNow = (): void => {
			if (checking) {
				again = true;
				return;
			}

			checking = true;
			check().then(found => {
				checking = false;
				if (found) {
					finish(found);
				} else if (again) {
					again = false;
					tryNow();
				}
			}, (error: unknown) => {
				// A failing stop() check ends the wait with its error instead of an unhandled rejection.
				stopWatching();
				reject(error instanceof Error ? error : new Error(String(error)));
			});
		};

		const watcher = watch(sharedDirectory, tryNow);
		watcher.on('error', () => undefined);
		const recheck = setInterval(tryNow, answerRecheckMs);
		const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => finish(undefined), options.timeoutMs);
		tryNow();
	});
}

// --- H12 stand-in, to be replaced by H10's checkAnswer on merge (issue 9 contract: same signature and messages). ---
/**
Whether `answer` may be saved for `question`, and the value to save: an option number must be in range, a strict question takes only its options, a question with a schema takes a value that satisfies it (parsed as JSON when it parses, else the string).
*/
export async function checkAnswer(question: Question, answer: string, options: {literal?: boolean} = {}): Promise<{value: unknown} | {error: string}> {
	const choices = question.options ?? [];
	if (!options.literal && choices.length > 0 && /^\d+$/.test(answer) && !choices.includes(answer)) {
		const picked = choices[Number(answer) - 1];
		if (picked === undefined) {
			return {error: `${question.id} has ${choices.length} option${choices.length === 1 ? '' : 's'}: ${answer} is not one of them`};
		}

		return {value: picked};
	}

	if (question['strict'] === true && !choices.includes(answer)) {
		return {error: `${question.id} must be answered with one of its options: ${choices.map((choice, index) => `${index + 1}) ${choice}`).join(', ')}`};
	}

	if (question.schema === undefined) {
		return {value: answer};
	}

	let value: unknown = answer;
	try {
		value = JSON.parse(answer);
	} catch {}

	const data = JSON.stringify(value);
	const check = await checkJson(data, {name: `the answer to ${question.id}`, schema: {name: `the schema of ${question.id}`, text: JSON.stringify(question.schema)}});
	if (check.problem !== undefined) {
		return {error: check.problem};
	}

	return check.errors.length === 0 ? {value} : {error: check.errors.map(error => formatSchemaError(error)).join('\n')};
}
