import type {PartialResult, ProgressLine, QuestionView} from '../core/snapshot.js';
import {questionStage, receiptClock} from '../core/receipts.js';
import {formatSchemaError} from '../core/schema-validator.js';

/** One rendered line of a pane. */
export type Line = {text: string; color?: string; dim?: boolean; bold?: boolean; inverse?: boolean; /** Where rows after the first start when the line wraps (the width of a label before the text). */ hang?: number};

export function progressLines(progress: ProgressLine[]): Line[] {
	return progress.map(line => line.source
		? {text: `${line.source} │ ${line.message}`, dim: true}
		: {text: line.time ? `${line.time.slice(11)}  ${line.message}` : line.message});
}

export function partialLines(partial: PartialResult | undefined): Line[] {
	if (!partial) {
		return [{text: 'No partial result yet.', dim: true}];
	}

	const mark = partialMark(partial);
	const errors = partial.valid === false ? partial.errors.slice(0, 3).map(error => ({text: `  ${formatSchemaError(error)}`, color: 'yellow'})) : [];
	// The lines were formatted and cut once per file version (see partialDisplayLimits), so a big partial costs the same as a small one here.
	const more = partial.totalLines - partial.lines.length;
	const cut = more > 0 ? [{text: `… ${more} more line${more === 1 ? '' : 's'} (truncated; see ${partial.file})`, dim: true}] : [];
	return [...(mark ? [mark] : []), ...errors, ...partial.lines.map(text => ({text})), ...cut];
}

function partialMark(partial: PartialResult): Line | undefined {
	if (partial.valid === true) {
		return {text: '✓ matches the schema', color: 'green'};
	}

	if (partial.valid === false) {
		return {text: `✗ ${partial.errorCount} schema error${partial.errorCount === 1 ? '' : 's'} so far`, color: 'yellow'};
	}

	return undefined;
}

/** A pane's lines: an array, or a long list whose lines are made only for the rows asked for. */
export type PaneLines = {readonly length: number; slice(start?: number, end?: number): Line[]};

export type QuestionLayout = {
	lines: Line[];
	/** Which line each pending question starts on, to keep the chosen one in view. */
	pendingStarts: number[];
};

export function questionLines(questions: QuestionView[], selected: number, picked: number | undefined, focused: boolean, pickRefused?: {id: string; error: string}): QuestionLayout {
	const lines: Line[] = [];
	const pendingStarts: number[] = [];
	const pending = questions.filter(question => !question.answer);
	const answered = questions.filter(question => question.answer);
	if (questions.length === 0) {
		lines.push({text: 'No questions yet.', dim: true});
	}

	for (const [index, question] of pending.entries()) {
		const chosen = index === selected;
		pendingStarts.push(lines.length);
		lines.push({text: `${chosen && focused ? '▸' : '?'} [${question.id}] ${question.text} · asked`, bold: chosen, color: 'yellow', hang: 2});
		if (question.options?.length) {
			const options = question.options.map((option, optionIndex) => `${chosen && picked === optionIndex ? '●' : ' '}${optionIndex + 1}) ${option}`);
			lines.push({text: `    ${options.join('   ')}`, inverse: false, color: chosen && picked !== undefined ? 'cyan' : undefined});
			if (chosen && focused) {
				const typed = takesFreeAnswer(question) ? ' · t types another answer' : '';
				lines.push({text: picked === undefined ? `    press a number to pick, then Enter${typed}` : `    Enter sends "${question.options[picked] ?? ''}"`, dim: true});
			}
		} else if (chosen && focused) {
			lines.push({text: '    Enter to type an answer', dim: true});
		}

		if (pickRefused?.id === question.id) {
			lines.push(...pickRefused.error.split('\n').slice(0, 3).map(line => ({text: `    ✗ ${line}`, color: 'red'})));
		}
	}

	for (const question of answered) {
		lines.push(answeredLine(question));
	}

	return {lines, pendingStarts};
}

/** A question with options takes an answer that is none of them, unless it says it must be one of them (`"strict": true`). */
export function takesFreeAnswer(question: QuestionView): boolean {
	return question['strict'] !== true;
}

/** An answered question with where its answer stands: waiting for the consumer to pick it up, or picked up (and when). */
function answeredLine(question: QuestionView): Line {
	// The stage comes before the consumer's text, so a long question cannot push it off the row.
	const qa = `${question.text} → ${question.answer!.answer}`;
	if (questionStage(question) === 'picked-up') {
		const clock = receiptClock(question.receipt!);
		return {text: `✓ [${question.id}] picked up${clock ? ` ${clock}` : ''} · ${qa}`, dim: true};
	}

	return {text: `✓ [${question.id}] answered, waiting to be picked up · ${qa}`, color: 'cyan'};
}

/** Every question whole, for the detail view: the text, then each option on its own line, then the answer. */
export function questionDetailLines(questions: QuestionView[]): Line[] {
	if (questions.length === 0) {
		return [{text: 'No questions yet.', dim: true}];
	}

	return questions.flatMap((question, index) => [
		...(index > 0 ? [{text: ''}] : []),
		{text: `[${question.id}] ${question.answer ? 'answered' : 'asked'}${question.strict === true ? ' · the answer must be one of the options' : ''}`, bold: true, color: question.answer ? 'cyan' : 'yellow'},
		{text: question.text},
		...(question.options ?? []).map((option, optionIndex) => ({text: `  ${optionIndex + 1}) ${option}`})),
		...(question.answer ? [{text: `→ ${question.answer.answer}`, color: 'cyan'}] : []),
	]);
}

/** The validated result, as the edge read it once the hand-off completed. */
export type ResultView = {file: string; lines: string[]; totalLines: number};

export function resultLines(result: ResultView): Line[] {
	const more = result.totalLines - result.lines.length;
	return [
		{text: '✓ valid, archived', color: 'green'},
		...result.lines.map(text => ({text})),
		...(more > 0 ? [{text: `… ${more} more line${more === 1 ? '' : 's'} (see ${result.file})`, dim: true}] : []),
	];
}

/** The hand-off prompt whole, and where it is saved. */
export function promptLines(prompt: {text: string; file?: string} | undefined): Line[] {
	if (!prompt) {
		return [{text: 'No prompt for this hand-off.', dim: true}];
	}

	return [
		...prompt.text.split('\n').map(text => ({text})),
		...(prompt.file ? [{text: ''}, {text: `Saved in ${prompt.file}`, dim: true}] : []),
	];
}
