import fs from 'node:fs';
import path from 'node:path';
import {beforeEach, describe, expect, test} from 'vitest';
import {HandoffError, exitCode} from '../../source/core/errors.js';
import {buildManifestFile, normalizeManifest, protocolVersion, readManifest, writeManifest} from '../../source/core/manifest.js';
import {layout} from '../../source/core/paths.js';
import {useTempDirectories} from './helpers.js';

const temporaryDirectory = useTempDirectories();
let workspace: string;
beforeEach(async () => {
	workspace = await temporaryDirectory();
	for (const folder of ['input', 'output', 'shared']) {
		fs.mkdirSync(path.join(workspace, folder));
	}
});

/** The seed's 'Manifest Format' section, verbatim. */
const manifestFormatShape = {
	task: 'analyze-spec',
	version: '1.0',
	created_at: '2025-11-21T23:30:00Z',
	inputs: {spec: 'input/SPEC.md', instructions: 'input/instructions.md', schema: 'input/schema.json'},
	outputs: {result: 'output/analysis.json', required: true, schema: 'input/schema.json'},
	constraints: {timeout_seconds: 300, max_retries: 1},
};

/** Byte for byte what the seed's LLMWorkspace.write_manifest writes ('Usage in DAZZLE'): json.dump(manifest, f, indent=2), no final newline. */
const pythonWriteManifestText = '{\n  "task": "analyze-spec",\n  "version": "1.0",\n  "created_at": "2025-11-21T23:30:00Z",\n  "inputs": {\n    "spec": "input/SPEC.md",\n    "instructions": "input/instructions.md",\n    "schema": "input/schema.json"\n  },\n  "outputs": {\n    "analysis": "output/analysis.json",\n    "required": true\n  },\n  "constraints": {\n    "timeout_seconds": 300\n  }\n}';

const writeManifestText = (text: string): void => {
	fs.writeFileSync(path.join(workspace, layout.manifest), text);
};

/** The error normalizeManifest throws, or fails the test. */
function manifestError(value: unknown): HandoffError {
	try {
		normalizeManifest(value);
	} catch (error) {
		expect(error).toBeInstanceOf(HandoffError);
		return error as HandoffError;
	}

	throw new Error(`accepted ${JSON.stringify(value)}`);
}

describe('both seed shapes', () => {
	test('the \'Manifest Format\' shape and the seed Python class\'s manifest fold to the same result path and schema', async () => {
		const manifestFormat = normalizeManifest(manifestFormatShape);
		writeManifestText(pythonWriteManifestText);
		const fromPython = await readManifest(workspace);
		for (const manifest of [manifestFormat, fromPython]) {
			expect(manifest.result.path).toBe('output/analysis.json');
			expect(manifest.schemaPath).toBe('input/schema.json');
			expect(manifest.instructionsPath).toBe('input/instructions.md');
			expect(manifest.required).toBe(true);
			expect(manifest.timeoutSeconds).toBe(300);
			expect(manifest.task).toBe('analyze-spec');
			expect(manifest.version).toBe('1.0');
			expect(manifest.createdAt).toBe('2025-11-21T23:30:00Z');
			expect(manifest.inputs).toEqual({spec: 'input/SPEC.md', instructions: 'input/instructions.md', schema: 'input/schema.json'});
		}

		expect(manifestFormat.result.key).toBe('result');
		expect(fromPython.result.key).toBe('analysis');
		expect(manifestFormat.outputs).toEqual({result: 'output/analysis.json'});
		expect(fromPython.outputs).toEqual({analysis: 'output/analysis.json'});
		expect(manifestFormat.maxRetries).toBe(1);
		expect(fromPython.maxRetries).toBe(0);
		expect(fromPython.file).toEqual(JSON.parse(pythonWriteManifestText));
	});

	test('outputs.schema wins over inputs.schema; an optional result is not required', () => {
		const manifest = normalizeManifest({task: 't', inputs: {schema: 'input/other.json'}, outputs: {result: 'output/r.json', schema: 'input/schema.json', required: false}});
		expect(manifest.schemaPath).toBe('input/schema.json');
		expect(manifest.required).toBe(false);
		expect(normalizeManifest({task: 't', outputs: {result: 'output/r.json'}}).schemaPath).toBeUndefined();
	});

	test('with several outputs, "result" is the one validated, and the others are kept as outputs', () => {
		const manifest = normalizeManifest({task: 't', outputs: {log: 'output/log.txt', result: 'output/r.json', required: true}});
		expect(manifest.result).toEqual({key: 'result', path: 'output/r.json'});
		expect(manifest.outputs).toEqual({log: 'output/log.txt', result: 'output/r.json'});
	});

	test('paths are normalised to forward slashes within the workspace', () => {
		const manifest = normalizeManifest({task: 't', inputs: {spec: './input/SPEC.md'}, outputs: {result: 'output\\sub\\r.json', schema: 'input/./schema.json'}});
		expect(manifest.result.path).toBe('output/sub/r.json');
		expect(manifest.inputs.spec).toBe('input/SPEC.md');
		expect(manifest.schemaPath).toBe('input/schema.json');
	});

	test('what buildManifestFile writes reads back the same', async () => {
		const file = buildManifestFile({task: 'analyze-spec', inputs: {spec: 'input/SPEC.md'}, resultPath: 'output/analysis.json', schemaPath: 'input/schema.json', timeoutSeconds: 60, maxRetries: 2, createdAt: new Date('2025-11-21T23:30:00.789Z')});
		expect(file).toEqual({
			task: 'analyze-spec',
			version: protocolVersion,
			created_at: '2025-11-21T23:30:00Z',
			inputs: {spec: 'input/SPEC.md'},
			outputs: {result: 'output/analysis.json', required: true, schema: 'input/schema.json'},
			constraints: {timeout_seconds: 60, max_retries: 2},
		});
		await writeManifest(workspace, file);
		const manifest = await readManifest(workspace);
		expect(manifest.file).toEqual(file);
		expect(manifest).toMatchObject({result: {key: 'result', path: 'output/analysis.json'}, schemaPath: 'input/schema.json', timeoutSeconds: 60, maxRetries: 2});
	});
});

describe('errors name input/manifest.json and the JSON pointer', () => {
	test.each<[string, unknown, string]>([
		['missing task', {outputs: {result: 'output/r.json'}}, '/task: missing required field "task"'],
		['missing outputs', {task: 't'}, '/outputs: missing required field "outputs"'],
		['task of the wrong type', {task: 7, outputs: {result: 'output/r.json'}}, '/task: must be string'],
		['timeout of the wrong type', {task: 't', outputs: {result: 'output/r.json'}, constraints: {timeout_seconds: '300'}}, '/constraints/timeout_seconds: must be number'],
		['negative retries', {task: 't', outputs: {result: 'output/r.json'}, constraints: {max_retries: -1}}, '/constraints/max_retries: must be >= 0'],
		['an output that is a number', {task: 't', outputs: {result: 5}}, '/outputs/result: must be string'],
		['not an object', [], '/: must be object'],
		['result leaving the workspace', {task: 't', outputs: {result: '../r.json'}}, '/outputs/result: path "../r.json" leaves the workspace'],
		['a named output leaving the workspace', {task: 't', outputs: {analysis: 'output/../../r.json', required: true}}, '/outputs/analysis: path "output/../../r.json" leaves the workspace'],
		['a result that climbs out with Windows separators', {task: 't', outputs: {result: 'output\\..\\..\\r.json'}}, '/outputs/result: path'],
		['an absolute result', {task: 't', outputs: {result: '/tmp/r.json'}}, '/outputs/result: path "/tmp/r.json" is absolute'],
		['a Windows-absolute result', {task: 't', outputs: {result: 'C:\\out\\r.json'}}, '/outputs/result: path'],
		['a schema leaving the workspace', {task: 't', outputs: {result: 'output/r.json', schema: '../schema.json'}}, '/outputs/schema: path "../schema.json" leaves the workspace'],
		['an input schema leaving the workspace', {task: 't', inputs: {schema: '/etc/schema.json'}, outputs: {analysis: 'output/r.json'}}, '/inputs/schema: path "/etc/schema.json" is absolute'],
		['an input with a NUL byte', {task: 't', inputs: {spec: 'input/a\u0000b'}, outputs: {result: 'output/r.json'}}, '/inputs/spec: path'],
		['no output file at all', {task: 't', outputs: {required: true}}, '/outputs: names no output file'],
	])('%s', (_name, value, message) => {
		const error = manifestError(value);
		expect(error.message.startsWith(`input/manifest.json: ${message}`), error.message).toBe(true);
		expect(error.code).toBe(exitCode.usage);
	});

	test('invalid JSON on disk names the file and where it broke', async () => {
		writeManifestText('{\n  "task": "t",\n  "outputs": {"result": "output/r.json",}\n}');
		const error = (await readManifest(workspace).catch((error_: unknown) => error_)) as HandoffError;
		expect(error).toBeInstanceOf(HandoffError);
		expect(error.message).toMatch(/^input\/manifest\.json: is not valid JSON \(.*position \d+/);
		expect(error.code).toBe(exitCode.usage);
	});

	test('a missing manifest says the folder is not a workspace', async () => {
		await expect(readManifest(workspace)).rejects.toThrow('input/manifest.json: is missing; this folder is not a hand-off workspace');
	});

	test('a symlinked manifest is refused', async () => {
		const elsewhere = path.join(workspace, 'output/m.json');
		fs.writeFileSync(elsewhere, JSON.stringify(manifestFormatShape));
		fs.symlinkSync(elsewhere, path.join(workspace, layout.manifest));
		await expect(readManifest(workspace)).rejects.toThrow('input/manifest.json: is a symlink');
	});

	test('writeManifest refuses a bad manifest and writes nothing', async () => {
		await expect(writeManifest(workspace, {task: 't', outputs: {result: '../escape.json'}})).rejects.toThrow('/outputs/result');
		expect(fs.existsSync(path.join(workspace, layout.manifest))).toBe(false);
	});
});

describe('unknown fields', () => {
	test('are kept at every level, and written back untouched', async () => {
		const value = {
			...manifestFormatShape,
			stage: 2,
			producer: {name: 'dazzle', version: '0.3'},
			inputs: {...manifestFormatShape.inputs, data: './input/data.txt'},
			outputs: {...manifestFormatShape.outputs, log: 'output/log.txt'},
			constraints: {...manifestFormatShape.constraints, memory_mb: 512},
		};
		const original = structuredClone(value);
		const manifest = normalizeManifest(value);
		expect(manifest.file.stage).toBe(2);
		expect(manifest.file.producer).toEqual({name: 'dazzle', version: '0.3'});
		expect(manifest.file.constraints?.memory_mb).toBe(512);
		expect(manifest.outputs.log).toBe('output/log.txt');
		expect(manifest.inputs.data).toBe('input/data.txt');
		// Normalising reads; it does not rewrite what the producer wrote.
		expect(value).toEqual(original);
		expect(manifest.file).toEqual(original);
		await writeManifest(workspace, value);
		expect(JSON.parse(fs.readFileSync(path.join(workspace, layout.manifest), 'utf8'))).toEqual(original);
	});
});
