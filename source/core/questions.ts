import path from 'node:path';
import {setTimeout as delay} from 'node:timers/promises';
import {HandoffError, exitCode} from './errors.js';
import {withFileLock} from './file-lock.js';
import {layout} from './paths.js';
import {ensureProducerStateDirectory} from './producer-state.js';
import {parseJson, readTextFile, writeJsonAtomic} from './safe-io.js';
import {answers as validateAnswersFile, questions as validateQuestionsFile} from './generated/own-file-validators.js';
import {describeErrors, formatSchemaError} from './schema-validator.js';
import {checkJson} from './validation.js';
import {parseReceipts, receiptFor} from './receipts.js';
import type {Answer, Question, QuestionView, Receipt} from './snapshot.js';
import {isoTimestamp} from './time.js';

export {default as questionsSchema} from './schemas/questions.schema.json' with {type: 'json'};
export {default as answersSchema} from './schemas/answers.schema.json' with {type: 'json'};


/** Checks the parsed content of shared/questions.json. */
export function parseQuestions(value: unknown, name: string = layout.questions): Question[] {
	if (!validateQuestionsFile(value)) {
		throw new HandoffError(describeErrors(validateQuestionsFile.errors).map(formatSchemaError).join('; '), exitCode.usage, name);
	}

	return (value as {questions: Question[]}).questions;
}

/** An entry of shared/answers.json as written: a typed answer may be any JSON value. */
export type AnswerEntry = {id: string; answer: unknown; answered_at?: string; [key: string]: unknown};

/** Checks the parsed content of shared/answers.json. Non-string answers (typed answers) are kept as JSON text. */
export function parseAnswers(value: unknown, name: string = layout.answers): Answer[] {
	return parseAnswerEntries(value, name).map(answer =>
		({...answer, answer: typeof answer.answer === 'string' ? answer.answer : JSON.stringify(answer.answer)}),
	);
}

/** The entries of shared/answers.json as written, a typed answer keeping its type. */
export function parseAnswerEntries(value: unknown, name: string = layout.answers): AnswerEntry[] {
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

/** The answers as written: a typed answer keeps its JSON type. */
export async function readAnswerEntries(workspace: string): Promise<AnswerEntry[]> {
	return readSettledJson(workspace, layout.answers, value => parseAnswerEntries(value), []);
}

export async function readReceipts(workspace: string): Promise<Receipt[]> {
	return readSettledJson(workspace, layout.receipts, value => parseReceipts(value), []);
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
Records an answer in shared/answers.json, merged by id under a lock so no earlier answer is lost. The answer is checked first (checkAnswer): an option may be given by its 1-based number, a number out of range or an answer a strict question does not allow is refused, and a typed answer is saved as the value its schema accepted.
*/
export async function addAnswer(workspace: string, id: string, answer: string, options: AnswerOptions = {}): Promise<Answer> {
	const file = path.join(workspace, layout.answers);
	return withFileLock(await answersLockFile(workspace), async () => {
		// The entries as written, so that rewriting the file keeps a typed answer's type.
		const [questions, answers] = await Promise.all([readQuestions(workspace), readAnswerEntries(workspace)]);
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

		const checked = question ? await checkAnswer(question, answer, {literal: options.literal}) : {value: answer};
		if ('error' in checked) {
			throw new HandoffError(checked.error, exitCode.usage);
		}

		const answeredAt = isoTimestamp();
		await writeJsonAtomic(file, {answers: [...answers.filter(candidate => candidate.id !== id), {id, answer: checked.value, answered_at: answeredAt}]});
		return {id, answer: typeof checked.value === 'string' ? checked.value : JSON.stringify(checked.value), answered_at: answeredAt};
	});
}

/**
The producer is the only writer of answers.json, so its lock lives in the producer's state folder, outside the workspace: a lock file the consumer plants in shared/ blocks nothing.
*/
export async function answersLockFile(workspace: string): Promise<string> {
	return path.join(await ensureProducerStateDirectory(workspace), 'answers.json.lock');
}

export type AnswerCheck = {value: unknown} | {error: string};

/**
Checks an answer against its question before it is saved; `{value}` is what to save.

- Digits pick an option by number when the question has options and none of them is literally those digits; a number out of range is refused (`q1 has 3 options: 5 is not one of them`). `literal` (the app, which sends the text of the option picked) takes the answer as written.
- A `strict` question takes only one of its options.
- A question with a `schema` takes a typed answer: the text is parsed as JSON when it parses, else taken as a string, and validated against the schema in the time-limited validation worker (the schema is the consumer's). When the parsed value fails but the text itself as a string passes (`42` for `{"type": "string"}`), the string is saved. Each schema error is one line, `<pointer>: <message>`.
*/
export async function checkAnswer(question: Question, answer: string, options: {literal?: boolean} = {}): Promise<AnswerCheck> {
	const choices = question.options ?? [];
	let text = answer;
	if (!options.literal && choices.length > 0 && /^\d+$/.test(answer) && !choices.includes(answer)) {
		const picked = choices[Number(answer) - 1];
		if (picked === undefined) {
			return {error: `${question.id} has ${choices.length} option${choices.length === 1 ? '' : 's'}: ${answer} is not one of them`};
		}

		text = picked;
	}

	if (question.strict === true && choices.length > 0 && !choices.includes(text)) {
		return {error: `${question.id} takes only one of its options (or its number): ${choices.map(choice => JSON.stringify(choice)).join(', ')}`};
	}

	if (question.schema === undefined) {
		return {value: text};
	}

	return checkTypedAnswer(question, text);
}

/** Validates a typed answer against the question's schema: the text as JSON first, then as a plain string. */
async function checkTypedAnswer(question: Question, text: string): Promise<AnswerCheck> {
	const schema = {name: `the schema of ${question.id}`, text: JSON.stringify(question.schema)};
	const name = `the answer to ${question.id}`;
	const parsed = parseOrUndefined(text);
	const candidates = parsed === undefined || typeof parsed.value === 'string' ? [text] : [parsed.value, text];
	let firstErrors: string[] | undefined;
	for (const candidate of candidates) {
		const check = await checkJson(JSON.stringify(candidate), {name, schema});
		if (check.problem !== undefined) {
			return {error: check.problem};
		}

		if (check.errors.length === 0) {
			return {value: candidate};
		}

		firstErrors ??= [
			...check.errors.map(error => formatSchemaError(error)),
			...(check.errorCount > check.errors.length ? [`… and ${check.errorCount - check.errors.length} more errors`] : []),
		];
	}

	return {error: [`${question.id}: the answer does not match the question's schema:`, ...firstErrors!].join('\n')};
}

function parseOrUndefined(text: string): {value: unknown} | undefined {
	try {
		return {value: JSON.parse(text) as unknown};
	} catch {
		return undefined;
	}
}
