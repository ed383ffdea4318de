import type {PartialResult, ProgressLine, QuestionView} from '../core/snapshot.js';
import {questionStage, receiptClock} from '../core/receipts.js';
import {formatSchemaError} from '../core/schema-validator.js';

/** One rendered line of a pane. */
export type Line = {text: string; color?: string; dim?: boolean; bold?: boolean; inverse?: boolean};

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
	lines: PaneLines;
	/** Which line each pending question starts on, to keep the chosen one in view. */
	pendingStarts: number[];
};

type PendingMarks = {selected: number; picked: number | undefined; focused: boolean; pickRefused?: {id: string; error: string}};

/**
The questions pane's lines, pending questions first. Only their count and where each question starts are worked out for all of them; the lines themselves are made for the rows shown (slice), so ten thousand questions cost a few rows per frame.
*/
export function questionLines(questions: QuestionView[], selected: number, picked: number | undefined, focused: boolean, pickRefused?: {id: string; error: string}): QuestionLayout {
	if (questions.length === 0) {
		return {lines: [{text: 'No questions yet.', dim: true}], pendingStarts: []};
	}

	const pending = questions.filter(question => !question.answer);
	const ordered = [...pending, ...questions.filter(question => question.answer)];
	const marks: PendingMarks = {selected, picked, focused, pickRefused};
	const linesOf = (index: number): Line[] => index < pending.length ? pendingLines(ordered[index]!, index, marks) : [answeredLine(ordered[index]!)];
	const starts: number[] = [];
	let length = 0;
	for (const [index, question] of ordered.entries()) {
		starts.push(length);
		// A question that is neither chosen nor refused is its line and, with options, the options' line (as pendingLines makes it); the others are made to be counted.
		const special = index < pending.length && (index === selected || pickRefused?.id === question.id);
		length += index >= pending.length ? 1 : special ? linesOf(index).length : 1 + (question.options?.length ? 1 : 0);
	}

	const slice = (from = 0, to = length): Line[] => {
		const first = Math.max(0, from < 0 ? length + from : from);
		const last = Math.min(length, to < 0 ? length + to : to);
		const lines: Line[] = [];
		// The question holding the first row: the last start at or before it.
		let low = 0;
		let high = starts.length - 1;
		while (low < high) {
			const middle = Math.ceil((low + high) / 2);
			if (starts[middle]! <= first) {
				low = middle;
			} else {
				high = middle - 1;
			}
		}

		for (let index = low; index < ordered.length && starts[index]! < last; index++) {
			const made = linesOf(index);
			const at = starts[index]!;
			lines.push(...made.slice(Math.max(0, first - at), last - at));
		}

		return lines;
	};

	return {lines: {length, slice}, pendingStarts: starts.slice(0, pending.length)};
}

function pendingLines(question: QuestionView, index: number, {selected, picked, focused, pickRefused}: PendingMarks): Line[] {
	const lines: Line[] = [];
	const chosen = index === selected;
	lines.push({text: `${chosen && focused ? '▸' : '?'} [${question.id}] ${question.text} · asked`, bold: chosen, color: 'yellow'});
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

	return lines;
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
