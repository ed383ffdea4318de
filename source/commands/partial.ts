import fs from 'node:fs/promises';
import path from 'node:path';
import {text} from 'node:stream/consumers';
import {HandoffError, exitCode} from '../core/errors.js';
import {readManifest} from '../core/manifest.js';
import {loadResultSchema, partialPathFor} from '../core/result.js';
import {defaultMaxBytes, parseJson, writeJsonAtomic} from '../core/safe-io.js';
import {formatSchemaError} from '../core/schema-validator.js';
import {checkJson, type SchemaSource} from '../core/validation.js';
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
	const manifest = await readManifest(workspace);
	const content = source === '-' ? await text(stdin) : await fs.readFile(path.resolve(context.cwd, source), 'utf8').catch(() => {
		throw usageError(`Cannot read ${source}`);
	});
	if (Buffer.byteLength(content) > defaultMaxBytes) {
		throw new HandoffError('The partial result is over the 10 MB limit', exitCode.usage);
	}

	const value = parseJson(content, source === '-' ? 'stdin' : source);
	const target = partialPathFor(manifest.result.path);
	await writeJsonAtomic(path.join(workspace, target), value);
	const schema = await loadResultSchema(workspace, manifest);
	printLine(context.stderr, `Wrote ${target}${schema ? await schemaNote(content, target, schema) : ''}`);
	return 0;
}

/** Whether the partial already matches the schema, checked in the validation worker like the result. */
async function schemaNote(content: string, target: string, schema: SchemaSource): Promise<string> {
	const check = await checkJson(content, {name: target, schema});
	if (check.problem !== undefined) {
		return ` (not checked against the schema: ${check.problem.replace(`${target}: `, '')})`;
	}

	const first = check.errors[0];
	return first ? ` (${check.errorCount} schema error${check.errorCount === 1 ? '' : 's'} so far, e.g. ${formatSchemaError(first)})` : ' (already matches the schema)';
}
