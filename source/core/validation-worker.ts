/**
The worker thread behind validation.ts: parses and validates JSON from the other side, and formats a partial result for display, away from the main thread. A schema pattern can take exponential time on a crafted string and a regular expression cannot be interrupted from its own thread; the main thread terminates this worker when its time is up.
*/
import {parentPort} from 'node:worker_threads';
import {Ajv, type ValidateFunction} from 'ajv';
import {Ajv2020} from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import {HandoffError} from './errors.js';
import {parseJson} from './safe-io.js';
import {compileSchema, describeErrors, compileWithAjv} from './schema-validator.js';
import type {WorkerReply, WorkerRequest} from './validation.js';

// ajv is imported, so the build bundles it into the worker's own file: one file to load and no resolving of its hundred, about 15 ms less before its first check.
compileWithAjv({Ajv, Ajv2020, addFormats});

/** Compiled schemas by their text: a session checks every partial and the result against the same one. */
const compiled = new Map<string, ValidateFunction>();
const maxCompiled = 8;

function validatorFor(text: string, name: string): ValidateFunction {
	let validate = compiled.get(text);
	if (!validate) {
		validate = compileSchema(parseJson(text, name));
		if (compiled.size >= maxCompiled) {
			compiled.clear();
		}

		compiled.set(text, validate);
	}

	return validate;
}

function reply(message: WorkerReply): void {
	parentPort!.postMessage(message);
}

function handle(request: WorkerRequest): void {
	const {id} = request;
	if (request.type === 'compile') {
		try {
			validatorFor(request.schema.text, request.schema.name);
			reply({id, type: 'done', errors: [], errorCount: 0});
		} catch (error) {
			reply({id, type: 'refused', message: error instanceof HandoffError ? error.message : `${request.schema.name}: is not a usable JSON Schema (${(error as Error).message})`, torn: false});
		}

		return;
	}

	const text = typeof request.data === 'string' ? request.data : Buffer.from(request.data.buffer, request.data.byteOffset, request.data.byteLength).toString('utf8');
	let value: unknown;
	try {
		value = parseJson(text, request.name);
	} catch (error) {
		const message = (error as Error).message;
		reply({id, type: 'refused', message, torn: message.includes('is not valid JSON')});
		return;
	}

	if (request.format) {
		reply({id, type: 'lines', ...formatLines(value, request.format)});
	}

	if (!request.schema) {
		reply({id, type: 'done', errors: [], errorCount: 0});
		return;
	}

	let validate: ValidateFunction;
	try {
		validate = validatorFor(request.schema.text, request.schema.name);
	} catch (error) {
		reply({id, type: 'refused', message: error instanceof HandoffError ? error.message : `${request.schema.name}: is not a usable JSON Schema (${(error as Error).message})`, torn: false});
		return;
	}

	if (validate(value)) {
		reply({id, type: 'done', errors: [], errorCount: 0});
		return;
	}

	const errors = validate.errors ?? [];
	reply({id, type: 'done', errors: describeErrors(errors.slice(0, request.maxErrors)), errorCount: errors.length});
}

/** The value pretty-printed as JSON, cut to the first `maxLines` lines of at most `maxLineLength` characters each. */
function formatLines(value: unknown, {maxLines, maxLineLength}: {maxLines: number; maxLineLength: number}): {lines: string[]; totalLines: number} {
	const text = JSON.stringify(value, null, 2) ?? String(value);
	const lines: string[] = [];
	let totalLines = 0;
	for (let start = 0; start <= text.length; totalLines++) {
		let end = text.indexOf('\n', start);
		if (end === -1) {
			end = text.length;
		}

		if (lines.length < maxLines) {
			lines.push(end - start > maxLineLength ? `${text.slice(start, start + maxLineLength)}…` : text.slice(start, end));
		}

		start = end + 1;
	}

	return {lines, totalLines};
}

parentPort!.on('message', (request: WorkerRequest) => {
	try {
		handle(request);
	} catch (error) {
		// A stack overflow or a bug in a schema keyword: one clear line, and the worker stays usable.
		reply({id: request.id, type: 'refused', message: `${request.type === 'compile' ? request.schema.name : request.name}: could not be checked (${(error as Error).message})`, torn: false});
	}
});
