import fs from 'node:fs';
import path from 'node:path';
import {beforeEach, describe, expect, test} from 'vitest';
import {createHandoff} from '../../source/core/create.js';
import type {Manifest} from '../../source/core/manifest.js';
import {checkResult, loadResultSchema} from '../../source/core/result.js';
import {jsonDepthExceeds, maxJsonDepth, parseJson} from '../../source/core/safe-io.js';
import {checkJson, checkSchema, partialDisplayLimits} from '../../source/core/validation.js';
import {useTempDirectories, waitFor} from './helpers.js';

/** A pattern that backtracks exponentially on a run of `a`s that ends in something else: 30 `a`s and a `!` take V8 about 40 s. */
const evilSchema = {name: 'input/schema.json', text: JSON.stringify({type: 'object', properties: {name: {type: 'string', pattern: '^(a+)+$'}}})};
const evilValue = JSON.stringify({name: `${'a'.repeat(30)}!`});

/** Runs `fn` while a 10 ms interval counts its ticks and the longest gap between them: whether the event loop stayed free. */
async function whileTicking<T>(fn: () => Promise<T>): Promise<{value: T; ticks: number; longestGapMs: number}> {
	let ticks = 0;
	let last = performance.now();
	let longestGapMs = 0;
	const timer = setInterval(() => {
		const now = performance.now();
		longestGapMs = Math.max(longestGapMs, now - last);
		last = now;
		ticks++;
	}, 10);
	try {
		const value = await fn();
		longestGapMs = Math.max(longestGapMs, performance.now() - last);
		return {value, ticks, longestGapMs};
	} finally {
		clearInterval(timer);
	}
}

const nested = (depth: number, inner = '1'): string => `${'{"a":'.repeat(depth)}${inner}${'}'.repeat(depth)}`;

describe('a slow schema pattern cannot stall the main thread', () => {
	test('an evil pattern runs out of time: invalid with one clear line, the event loop kept ticking, and the next check works', async () => {
		const started = performance.now();
		const {value: check, ticks, longestGapMs} = await whileTicking(async () => checkJson(evilValue, {name: 'output/x.json', schema: evilSchema, timeLimitMs: 1000}));
		const elapsed = performance.now() - started;
		expect(check).toMatchObject({problem: 'output/x.json: validation did not finish in 1 s (a schema pattern may be too slow)', outOfTime: true, errors: []});
		// Generous bounds: the limit is 1 s, and the loop must not have stopped for anything like it.
		expect(elapsed).toBeGreaterThanOrEqual(900);
		expect(elapsed).toBeLessThan(6000);
		expect(ticks).toBeGreaterThan(20);
		expect(longestGapMs).toBeLessThan(500);

		// The stuck worker was ended; a fresh one answers the next check.
		expect(await checkJson('{"name": "aaa"}', {name: 'output/x.json', schema: evilSchema})).toEqual({errors: [], errorCount: 0});
		expect((await checkJson('{"name": "ab"}', {name: 'output/x.json', schema: evilSchema})).errors).toEqual([{pointer: '/name', message: 'must match pattern "^(a+)+$"'}]);
	});

	test.skipIf(!fs.existsSync('/proc/self/task'))('the stuck check is really ended: its thread goes away instead of spinning on the pattern', async () => {
		const threads = (): number => fs.readdirSync('/proc/self/task').length;
		// A worker is running (the check before it made sure of that); the timed-out one must end with its thread.
		await checkJson('{}', {name: 'x.json', schema: evilSchema});
		const withWorker = threads();
		const check = await checkJson(`{"name": "${'a'.repeat(40)}!"}`, {name: 'x.json', schema: evilSchema, timeLimitMs: 500});
		expect(check.outOfTime).toBe(true);
		await waitFor(() => threads() < withWorker, 10_000, `fewer than ${withWorker} threads (now ${threads()})`);
	});

	test('checks queued behind a stuck one each get their own time, and all settle', async () => {
		const checks = await Promise.all([
			checkJson(evilValue, {name: 'a.json', schema: evilSchema, timeLimitMs: 500}),
			checkJson('{"name": "aa"}', {name: 'b.json', schema: evilSchema, timeLimitMs: 500}),
			checkJson(evilValue, {name: 'c.json', schema: evilSchema, timeLimitMs: 500}),
			checkJson('{"name": 7}', {name: 'd.json', schema: evilSchema, timeLimitMs: 500}),
		]);
		expect(checks.map(check => check.problem ?? check.errors.map(error => error.message).join())).toEqual([
			'a.json: validation did not finish in 0.5 s (a schema pattern may be too slow)',
			'',
			'c.json: validation did not finish in 0.5 s (a schema pattern may be too slow)',
			'must be string',
		]);
	});

	test('a partial whose validation runs out of time still has its lines', async () => {
		const check = await checkJson(evilValue, {name: 'output/x.partial.json', schema: evilSchema, format: true, timeLimitMs: 500});
		expect(check.outOfTime).toBe(true);
		expect(check.formatted).toEqual({lines: JSON.stringify(JSON.parse(evilValue), null, 2).split('\n'), totalLines: 3});
	});
});

describe('a check that needs too much memory', () => {
	test.skipIf(!process.env.HANDOFF_SLOW_TESTS)('millions of schema errors run the worker out of memory: invalid with one line, and the next check works', async () => {
		const data = `[${Array.from({length: 2_500_000}, () => '[]').join(',')}]`;
		const schema = {name: 's.json', text: JSON.stringify({type: 'array', items: {type: 'string'}})};
		const check = await checkJson(data, {name: 'output/x.json', schema, timeLimitMs: 60_000});
		expect(check.problem).toBe('output/x.json: validation ran out of memory (the limit is 256 MB)');
		expect(await checkJson('[]', {name: 'output/x.json', schema})).toEqual({errors: [], errorCount: 0});
	}, 90_000);
});

describe('validation that does not miss', () => {
	test('required fields are the value\'s own: {} lacks "constructor" and "toString"', async () => {
		const schema = {name: 'input/schema.json', text: JSON.stringify({type: 'object', required: ['constructor', 'toString']})};
		const check = await checkJson('{}', {name: 'output/x.json', schema});
		expect(check.errors).toEqual([
			{pointer: '/constructor', message: 'missing required field "constructor"'},
			{pointer: '/toString', message: 'missing required field "toString"'},
		]);
		expect((await checkJson('{"constructor": 1, "toString": 2}', {name: 'output/x.json', schema})).errors).toEqual([]);
	});

	test('a schema naming a property "__proto__" is refused, since ajv would skip it unseen', async () => {
		const text = '{"type": "object", "properties": {"ok": {"type": "string"}, "__proto__": {"type": "string"}}, "required": ["__proto__"]}';
		expect(await checkSchema({name: 'input/schema.json', text})).toBe('input/schema.json: is not a usable JSON Schema (/properties/__proto__: a property named "__proto__" cannot be checked; rename it)');
		const nestedText = '{"items": {"patternProperties": {"__proto__": {}}}}';
		expect(await checkSchema({name: 's.json', text: nestedText})).toContain('/items/patternProperties/__proto__');
	});

	test('a "__proto__" key in the value is an own field like any other', async () => {
		const closed = {name: 's.json', text: JSON.stringify({type: 'object', additionalProperties: false})};
		expect((await checkJson('{"__proto__": {"x": 1}}', {name: 'r.json', schema: closed})).errors).toEqual([{pointer: '/__proto__', message: 'unexpected field "__proto__"'}]);
		const counted = {name: 's.json', text: JSON.stringify({type: 'object', minProperties: 2})};
		expect((await checkJson('{"__proto__": 1}', {name: 'r.json', schema: counted})).errors).toHaveLength(1);
	});

	test('thousands of errors come back as the first hundred and a count', async () => {
		const schema = {name: 's.json', text: JSON.stringify({type: 'array', items: {type: 'string'}})};
		const check = await checkJson(JSON.stringify(Array.from({length: 5000}, (_, index) => index)), {name: 'r.json', schema});
		expect(check.errors).toHaveLength(100);
		expect(check.errorCount).toBe(5000);
	});
});

describe('depth limit', () => {
	test(`${maxJsonDepth} levels parse; one more is refused before parsing, naming the file`, () => {
		expect(parseJson(nested(maxJsonDepth), 'x.json')).toBeTypeOf('object');
		expect(() => parseJson(nested(maxJsonDepth + 1), 'x.json')).toThrow(`x.json: is nested more than ${maxJsonDepth} levels deep; refusing to read it`);
		expect(() => parseJson(`${'['.repeat(100_000)}${']'.repeat(100_000)}`, 'deep.json')).toThrow('deep.json: is nested more than 512 levels deep');
	});

	test('brackets inside strings, escaped quotes included, do not count', () => {
		const brackets = '['.repeat(10_000);
		expect(jsonDepthExceeds(JSON.stringify({text: brackets}), 2)).toBe(false);
		expect(jsonDepthExceeds(JSON.stringify({text: `\\"${brackets}`}), 2)).toBe(false);
		expect(jsonDepthExceeds(JSON.stringify([`"`, [[[]]]]), 3)).toBe(true);
		expect(parseJson(JSON.stringify({text: `"${brackets}`}), 'x.json')).toEqual({text: `"${brackets}`});
	});

	test(`a value ${maxJsonDepth} levels deep validates against a recursive schema without overflowing the stack`, async () => {
		const schema = {name: 's.json', text: JSON.stringify({$ref: '#/definitions/node', definitions: {node: {type: 'object', properties: {a: {$ref: '#/definitions/node'}}, additionalProperties: false}}})};
		expect(await checkJson(nested(maxJsonDepth - 1, '{}'), {name: 'x.json', schema, format: true})).toMatchObject({errors: [], errorCount: 0});
		const wrong = await checkJson(nested(maxJsonDepth - 1, '{"b": 1}'), {name: 'x.json', schema});
		expect(wrong.errors).toEqual([{pointer: `${'/a'.repeat(maxJsonDepth - 1)}/b`, message: 'unexpected field "b"'}]);
	});

	test('a 100,000-deep value against a recursive schema is refused with one line, in the worker too', async () => {
		const schema = {name: 's.json', text: JSON.stringify({$ref: '#/definitions/node', definitions: {node: {type: 'object', properties: {a: {$ref: '#/definitions/node'}}}}})};
		const check = await checkJson(nested(100_000, '{}'), {name: 'output/x.json', schema});
		expect(check.problem).toBe('output/x.json: is nested more than 512 levels deep; refusing to read it');
		expect(check.problem).not.toMatch(/\n|at /);
	});
});

describe('partial results are cut for display', () => {
	test(`more than ${partialDisplayLimits.maxLines} lines keep the first ones and the total; long lines are cut`, async () => {
		const value = {items: Array.from({length: 10_000}, (_, index) => index), long: 'x'.repeat(5000)};
		const check = await checkJson(JSON.stringify({long: value.long, items: value.items}), {name: 'p.json', format: true});
		expect(check.formatted!.lines).toHaveLength(partialDisplayLimits.maxLines);
		expect(check.formatted!.totalLines).toBe(JSON.stringify({long: value.long, items: value.items}, null, 2).split('\n').length);
		expect(check.formatted!.lines[1]).toBe(`  "long": "${'x'.repeat(partialDisplayLimits.maxLineLength - 11)}…`);
		expect(check.formatted!.lines[1]!.length).toBe(partialDisplayLimits.maxLineLength + 1);
	});

	test('a torn partial is reported as not valid JSON, marked torn', async () => {
		const check = await checkJson('{"a": [1, 2', {name: 'p.json', format: true});
		expect(check.problem).toMatch(/^p\.json: is not valid JSON/);
		expect(check.torn).toBe(true);
		expect(check.formatted).toBeUndefined();
	});
});

describe('checkResult and loadResultSchema', () => {
	const temporaryDirectory = useTempDirectories();
	let workspace: string;
	let manifest: Manifest;
	const create = async (schema: unknown): Promise<void> => {
		({workspace, manifest} = await createHandoff({
			baseDirectory: await temporaryDirectory(),
			task: 'validation',
			inputs: [],
			schemaText: JSON.stringify(schema),
			resultPath: 'output/analysis.json',
			command: ['handoff'],
		}));
	};

	beforeEach(async () => {
		await create({type: 'object', required: ['constructor', 'toString']});
	});

	test('{} against required ["constructor", "toString"] is invalid with both named', async () => {
		fs.writeFileSync(path.join(workspace, manifest.result.path), '{}');
		expect(await checkResult(workspace, manifest)).toEqual({
			file: 'output/analysis.json',
			valid: false,
			errors: ['output/analysis.json: /constructor: missing required field "constructor"', 'output/analysis.json: /toString: missing required field "toString"'],
			sizeBytes: 2,
		});
	});

	test('a schema deeper than the limit is refused at load with exit code 2, naming the file', async () => {
		fs.writeFileSync(path.join(workspace, 'input/schema.json'), nested(1000, '{}'));
		await expect(loadResultSchema(workspace, manifest)).rejects.toMatchObject({name: 'HandoffError', code: 2, message: 'input/schema.json: is nested more than 512 levels deep; refusing to read it'});
	});

	test('an evil pattern makes the result invalid and marks it out of time', async () => {
		fs.writeFileSync(path.join(workspace, 'input/schema.json'), evilSchema.text);
		fs.writeFileSync(path.join(workspace, manifest.result.path), evilValue);
		const check = await checkResult(workspace, manifest);
		expect(check).toMatchObject({valid: false, outOfTime: true, errors: ['output/analysis.json: validation did not finish in 5 s (a schema pattern may be too slow)']});
	});
});
