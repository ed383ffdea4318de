import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {describe, expect, test} from 'vitest';
import {compileOnUse, compileSchema} from '../../source/core/schema-validator.js';

const schemasDirectory = fileURLToPath(new URL('../../source/core/schemas/', import.meta.url));
const ownSchemas = fs.readdirSync(schemasDirectory).filter(name => name.endsWith('.schema.json'));

describe('our own schemas, compiled on use', () => {
	// compileOnUse skips the check against the meta-schema to start faster: this is where it happens.
	test.each(ownSchemas)('%s is a valid draft-07 schema', name => {
		const schema = JSON.parse(fs.readFileSync(path.join(schemasDirectory, name), 'utf8')) as object;
		expect(() => compileSchema(schema)).not.toThrow();
	});

	test('a schema that breaks the meta-schema is refused by compileSchema', () => {
		expect(() => compileSchema({type: 'object', required: 'name'})).toThrow(/must be array/);
	});

	test('gives the same verdicts and errors as compileSchema, and compiles only when first used', () => {
		const schema = {type: 'object', required: ['id'], properties: {id: {type: 'string', minLength: 1}, at: {type: 'string', format: 'date-time'}}};
		const validate = compileOnUse(schema);
		expect(validate.errors).toBeUndefined();
		const reference = compileSchema(schema);
		for (const value of [{id: 'q1'}, {id: ''}, {}, {id: 'q1', at: 'yesterday'}, {id: 'q1', at: '2026-01-01T00:00:00Z'}, [], 'text']) {
			expect(validate(value)).toBe(reference(value));
			expect(validate.errors ?? null).toEqual(reference.errors ?? null);
		}
	});

	test('own properties only: a value inheriting a required field fails', () => {
		const validate = compileOnUse({type: 'object', required: ['constructor']});
		expect(validate({})).toBe(false);
		expect(validate({constructor: 1})).toBe(true);
	});
});
