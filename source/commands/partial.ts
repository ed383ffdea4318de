import fs from 'node:fs/promises';
import path from 'node:path';
import {text} from 'node:stream/consumers';
import {publishPartial} from '../core/consumer.js';
import {formatSchemaError} from '../core/schema-validator.js';
import type {JsonCheck} from '../core/validation.js';
import {locateWorkspace} from '../core/workspace.js';
import {printLine, usageError, type CommandContext} from './io.js';
import type {ConsumerFlags} from './claim.js';

/** Publishes a partial result to output/<stem>.partial.json, atomically, after checking it is JSON. */
export async function partialCommand(context: CommandContext<ConsumerFlags>, stdin: NodeJS.ReadableStream): Promise<number> {
	const source = context.input[0];
	if (source === undefined) {
		throw usageError('Give a JSON file, or - to read it from stdin: handoff partial draft.json');
	}

	const workspace = locateWorkspace(context.flags.workspace, context.environment, context.cwd);
	const content = source === '-' ? await text(stdin) : await fs.readFile(path.resolve(context.cwd, source), 'utf8').catch(() => {
		throw usageError(`Cannot read ${source}`);
	});
	const {file, schemaCheck} = await publishPartial(workspace, content, source === '-' ? 'stdin' : source);
	printLine(context.stderr, `Wrote ${file}${schemaCheck ? schemaNote(schemaCheck, file) : ''}`);
	return 0;
}

/** Whether the partial already matches the schema. */
function schemaNote(check: JsonCheck, file: string): string {
	if (check.problem !== undefined) {
		return ` (not checked against the schema: ${check.problem.replace(`${file}: `, '')})`;
	}

	const first = check.errors[0];
	return first ? ` (${check.errorCount} schema error${check.errorCount === 1 ? '' : 's'} so far, e.g. ${formatSchemaError(first)})` : ' (already matches the schema)';
}
