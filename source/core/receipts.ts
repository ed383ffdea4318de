import {HandoffError, exitCode} from './errors.js';
import {layout} from './paths.js';
import {receipts as validateReceiptsFile} from './generated/own-file-validators.js';
import {describeErrors, formatSchemaError} from './schema-validator.js';
import type {Answer, Receipt} from './snapshot.js';
import {parseTime} from './time.js';

export {default as receiptsSchema} from './schemas/receipts.schema.json' with {type: 'json'};


/** Checks the parsed content of shared/receipts.json, which the consumer writes: untrusted, so only the shape the schema allows gets through. */
export function parseReceipts(value: unknown, name: string = layout.receipts): Receipt[] {
	if (!validateReceiptsFile(value)) {
		throw new HandoffError(describeErrors(validateReceiptsFile.errors).map(formatSchemaError).join('; '), exitCode.usage, name);
	}

	return (value as {receipts: Receipt[]}).receipts.map(({id, read_at}) => ({id, read_at}));
}

/**
The receipt that says the consumer picked up `answer`: the first for its id, and not older than the answer (an answer replaced with --force after it was read has not been picked up yet).
*/
export function receiptFor(answer: Answer | undefined, receipts: Receipt[]): Receipt | undefined {
	if (!answer) {
		return undefined;
	}

	const receipt = receipts.find(candidate => candidate.id === answer.id);
	if (!receipt) {
		return undefined;
	}

	const readAt = parseTime(receipt.read_at);
	const answeredAt = parseTime(answer.answered_at);
	return readAt !== undefined && answeredAt !== undefined && readAt < answeredAt ? undefined : receipt;
}

/** Where a question stands: asked (no answer yet), answered (waiting for the consumer to pick it up), or picked up. */
export type QuestionStage = 'asked' | 'answered' | 'picked-up';

export function questionStage(question: {answer?: Answer; receipt?: Receipt}): QuestionStage {
	if (!question.answer) {
		return 'asked';
	}

	return question.receipt ? 'picked-up' : 'answered';
}

/** A receipt's time as `HH:MM:SS` UTC (the progress lines' clock), or undefined when the consumer wrote no valid time. */
export function receiptClock(receipt: Receipt): string | undefined {
	const time = parseTime(receipt.read_at);
	return time === undefined ? undefined : new Date(time).toISOString().slice(11, 19);
}
