import fs from 'node:fs';
import path from 'node:path';
import {HandoffError, describeError, exitCode, isExpectedError} from './errors.js';
import type {Manifest} from './manifest.js';
import {resolveInside, resolveInsideReal} from './paths.js';
import {readRegularFile, readTextFile} from './safe-io.js';
import {formatSchemaError} from './schema-validator.js';
import {checkJson, checkSchema, type JsonCheck, type SchemaSource} from './validation.js';

/**
Reads a file the producer put in input/. A symlink there is followed only when it resolves inside the workspace.
*/
export async function readInputText(workspace: string, relativePath: string): Promise<string | undefined> {
	const file = resolveInsideReal(workspace, relativePath);
	let real: string;
	try {
		real = fs.realpathSync(file);
	} catch {
		return undefined;
	}

	return readTextFile(real, {name: relativePath});
}

/**
The manifest's result schema, checked to parse and compile (in the validation worker, within its time limit), or undefined when the manifest names none. Errors name the schema file.
*/
export async function loadResultSchema(workspace: string, manifest: Manifest): Promise<SchemaSource | undefined> {
	if (manifest.schemaPath === undefined) {
		return undefined;
	}

	const name = manifest.schemaPath;
	const text = await readInputText(workspace, name);
	if (text === undefined) {
		throw new HandoffError('is named by the manifest but missing', exitCode.usage, name);
	}

	return checkedResultSchema(text, name);
}

/** A result schema's text, checked to parse and compile (in the validation worker, within its time limit); errors name the schema file and exit 2 (a broken schema is the producer's mistake). */
export async function checkedResultSchema(text: string, name: string): Promise<SchemaSource> {
	const schema = {name, text};
	const problem = await checkSchema(schema);
	if (problem !== undefined) {
		throw new HandoffError(problem.replace(`${name}: `, ''), exitCode.usage, name);
	}

	return schema;
}

/** Schema errors as lines `<file>: <pointer>: <message>`, with a last line saying how many more there were. */
export function schemaErrorLines(file: string, check: JsonCheck): string[] {
	const lines = check.errors.map(error => `${file}: ${formatSchemaError(error)}`);
	if (check.errorCount > check.errors.length) {
		lines.push(`${file}: … and ${check.errorCount - check.errors.length} more errors`);
	}

	return lines;
}

export type ResultCheck = {
	/** Workspace-relative path of the result. */
	file: string;
	valid: boolean;
	/** Each problem as one line: `<file>: <pointer>: <message>` or `<file>: <problem>`. */
	errors: string[];
	sizeBytes?: number;
	/** Validation ran out of time: checking again would only take as long. */
	outOfTime?: boolean;
};

/**
Checks the consumer's result: present (when required), a regular file under the size cap, valid JSON (nested at most maxJsonDepth levels) when it is a .json file or a schema is given, and valid against the schema. Parsing and validation run in the validation worker with a time limit.
*/
export async function checkResult(workspace: string, manifest: Manifest, schema?: SchemaSource): Promise<ResultCheck> {
	const file = manifest.result.path;
	const fail = (message: string): ResultCheck => ({file, valid: false, errors: [`${file}: ${message}`]});
	let buffer: Buffer | undefined;
	try {
		resolveInsideReal(workspace, file, 'the result path');
		buffer = await readRegularFile(resolveInside(workspace, file), {name: file});
	} catch (error) {
		if (error instanceof HandoffError) {
			return {file, valid: false, errors: [error.message]};
		}

		// A result the system will not open (a link loop, no permission) is the consumer's to fix, like any invalid result.
		if (isExpectedError(error)) {
			return fail(`cannot be read: ${describeError(error, workspace).replace(`${file}: `, '')}`);
		}

		throw error;
	}

	if (buffer === undefined) {
		return manifest.required ? fail('is missing; write the result to this path') : {file, valid: true, errors: []};
	}

	const sizeBytes = buffer.length;
	if (!file.endsWith('.json') && manifest.schemaPath === undefined) {
		return {file, valid: true, errors: [], sizeBytes};
	}

	const check = await checkJson(buffer, {name: file, schema: schema ?? (await loadResultSchema(workspace, manifest))});
	if (check.problem !== undefined) {
		return {file, valid: false, errors: [check.problem], sizeBytes, ...(check.outOfTime ? {outOfTime: true} : {})};
	}

	return {file, valid: check.errorCount === 0, errors: schemaErrorLines(file, check), sizeBytes};
}

/** `output/analysis.json` → `output/analysis.partial.json`, the seed's name for incremental results. */
export function partialPathFor(resultPath: string): string {
	const directory = path.posix.dirname(resultPath);
	const base = path.posix.basename(resultPath).replace(/\.json$/, '');
	return path.posix.join(directory, `${base}.partial.json`);
}
