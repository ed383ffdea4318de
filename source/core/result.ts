import fs from 'node:fs';
import path from 'node:path';
import type {ValidateFunction} from 'ajv';
import {HandoffError, describeError, exitCode, isExpectedError} from './errors.js';
import type {Manifest} from './manifest.js';
import {resolveInside, resolveInsideReal} from './paths.js';
import {parseJson, readRegularFile, readTextFile} from './safe-io.js';
import {compileSchema, describeErrors, formatSchemaError, type SchemaError} from './schema-validator.js';

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

/** The manifest's result schema compiled, or undefined when the manifest names none. Errors name the schema file. */
export async function loadResultSchema(workspace: string, manifest: Manifest): Promise<ValidateFunction | undefined> {
	if (manifest.schemaPath === undefined) {
		return undefined;
	}

	const text = await readInputText(workspace, manifest.schemaPath);
	if (text === undefined) {
		throw new HandoffError('is named by the manifest but missing', exitCode.usage, manifest.schemaPath);
	}

	let schema: unknown;
	try {
		schema = parseJson(text, manifest.schemaPath);
		return compileSchema(schema);
	} catch (error) {
		throw new HandoffError(
			error instanceof HandoffError ? error.message.replace(`${manifest.schemaPath}: `, '') : `is not a usable JSON Schema (${(error as Error).message})`,
			exitCode.usage,
			manifest.schemaPath,
		);
	}
}

export function schemaErrors(validate: ValidateFunction | undefined, value: unknown): SchemaError[] {
	if (!validate || validate(value)) {
		return [];
	}

	return describeErrors(validate.errors);
}

export type ResultCheck = {
	/** Workspace-relative path of the result. */
	file: string;
	valid: boolean;
	/** Each problem as one line: `<file>: <pointer>: <message>` or `<file>: <problem>`. */
	errors: string[];
	sizeBytes?: number;
	value?: unknown;
};

/**
Checks the consumer's result: present (when required), a regular file under the size cap, valid JSON when it is a .json file or a schema is given, and valid against the schema.
*/
export async function checkResult(workspace: string, manifest: Manifest, validate?: ValidateFunction): Promise<ResultCheck> {
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

	let value: unknown;
	try {
		value = parseJson(buffer.toString('utf8'), file);
	} catch (error) {
		return {file, valid: false, errors: [(error as Error).message], sizeBytes};
	}

	const errors = schemaErrors(validate ?? (await loadResultSchema(workspace, manifest)), value);
	return {
		file,
		valid: errors.length === 0,
		errors: errors.map(error => `${file}: ${formatSchemaError(error)}`),
		sizeBytes,
		value,
	};
}

/** `output/analysis.json` → `output/analysis.partial.json`, the seed's name for incremental results. */
export function partialPathFor(resultPath: string): string {
	const directory = path.posix.dirname(resultPath);
	const base = path.posix.basename(resultPath).replace(/\.json$/, '');
	return path.posix.join(directory, `${base}.partial.json`);
}
