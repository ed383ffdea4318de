import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {describe, expect, test} from 'vitest';
import {generateValidators, generatedFile} from '../../scripts/generate-validators.js';
import * as ownFileValidators from '../../source/core/generated/own-file-validators.js';
import {compileSchema, type OwnFileValidator} from '../../source/core/schema-validator.js';

const schemasDirectory = fileURLToPath(new URL('../../source/core/schemas/', import.meta.url));
const ownSchemas = fs.readdirSync(schemasDirectory).filter(name => name.endsWith('.schema.json'));
const readSchema = (name: string): object => JSON.parse(fs.readFileSync(path.join(schemasDirectory, name), 'utf8')) as object;

describe('our own schemas, compiled ahead of time (source/core/generated/own-file-validators.js)', () => {
	// The generated validators skip the check against the meta-schema: this is where it happens.
	test.each(ownSchemas)('%s is a valid draft-07 schema', name => {
		expect(() => compileSchema(readSchema(name))).not.toThrow();
	});

	test('a schema that breaks the meta-schema is refused by compileSchema', () => {
		expect(() => compileSchema({type: 'object', required: 'name'})).toThrow(/must be array/);
	});

	test('the generated module is up to date with the schemas (npm run generate rewrites it)', () => {
		expect(fs.readFileSync(generatedFile, 'utf8')).toBe(generateValidators());
	});

	test('each generated validator gives the same verdicts and errors as compileSchema on its schema', () => {
		const samples: Record<string, unknown[]> = {
			manifest: [{task: 't', outputs: {result: 'output/result.json'}}, {task: '', outputs: {}}, {task: 't', outputs: {result: 'r.json'}, created_at: 'yesterday'}, {task: 't', outputs: {result: 'r.json'}, created_at: '2026-01-01T00:00:00Z'}, {}, [], 'text'],
			questions: [{questions: [{id: 'q1', text: 'Which?'}]}, {questions: [{id: 5}]}, {questions: 'none'}, {}, null],
			answers: [{answers: [{id: 'q1', answer: 'Yes'}]}, {answers: [{id: 'q1'}]}, {answers: {}}, 7],
			receipts: [{receipts: [{id: 'q1'}]}, {receipts: [{}]}, {receipts: null}],
			pipeline: [{name: 'p', stages: []}, {stages: [{}]}, 'x'],
		};
		for (const name of ownSchemas.map(file => file.replace('.schema.json', ''))) {
			const validate = (ownFileValidators as Record<string, OwnFileValidator>)[name]!;
			const reference = compileSchema(readSchema(`${name}.schema.json`));
			expect(samples[name], name).toBeDefined();
			for (const value of samples[name]!) {
				expect(validate(value), `${name}: ${JSON.stringify(value)}`).toBe(reference(value));
				expect(validate.errors ?? null).toEqual(reference.errors ?? null);
			}
		}
	});

	test('own properties only: a value inheriting a required field fails', () => {
		// The generated validators are built with the same options; `task` is required in a manifest.
		const inherited = Object.create({task: 't', outputs: {result: 'r.json'}}) as object;
		expect(ownFileValidators.manifest(inherited)).toBe(false);
		expect(ownFileValidators.manifest({task: 't', outputs: {result: 'r.json'}})).toBe(true);
	});
});
