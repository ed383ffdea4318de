import fs from 'node:fs';
import path from 'node:path';
import {beforeEach, describe, expect, test} from 'vitest';
import {createHandoff} from '../../source/core/create.js';
import {HandoffError} from '../../source/core/errors.js';
import {listHandoffs} from '../../source/core/listing.js';
import {layout} from '../../source/core/paths.js';
import {ContractGuard, openProducerRecord, producerRecordPath, readProducerRecord, recordRejection, recordedContract, sha256Hex} from '../../source/core/producer-record.js';
import {producerStateDirectory} from '../../source/core/producer-state.js';
import {HandoffSession} from '../../source/core/session.js';
import {checkJson} from '../../source/core/validation.js';
import {modeOf, useTempDirectories} from './helpers.js';

const temporaryDirectory = useTempDirectories();
let base: string;
beforeEach(async () => {
	base = await temporaryDirectory();
});

const schemaText = '{"type": "object", "required": ["answer"]}';

async function makeHandoff(): Promise<string> {
	const {workspace} = await createHandoff({baseDirectory: base, task: 'recorded', inputs: [], schemaText, resultPath: 'output/result.json', maxRetries: 2, timeoutSeconds: 60, command: ['handoff']});
	return workspace;
}

/** A workspace as another producer (the seed's Python) makes it: the files, and no producer record. */
function makeForeignWorkspace(): string {
	const workspace = path.join(base, 'workspaces', 'foreign_20250101_000000_1');
	for (const folder of ['input', 'output', 'shared']) {
		fs.mkdirSync(path.join(workspace, folder), {recursive: true});
	}

	fs.writeFileSync(path.join(workspace, layout.manifest), JSON.stringify({task: 'foreign', inputs: {schema: 'input/schema.json'}, outputs: {analysis: 'output/analysis.json', required: true}, constraints: {timeout_seconds: 300}}));
	fs.writeFileSync(path.join(workspace, layout.schema), schemaText);
	return workspace;
}

describe('the producer record', () => {
	test('handoff new records the manifest and schema as created, beside the workspace, private', async () => {
		const workspace = await makeHandoff();
		const record = (await readProducerRecord(workspace))!;
		const manifestText = fs.readFileSync(path.join(workspace, layout.manifest), 'utf8');
		expect(record).toMatchObject({
			workspace,
			recorded: 'created',
			manifest: {text: manifestText, sha256: sha256Hex(manifestText)},
			schema: {path: layout.schema, text: schemaText, sha256: sha256Hex(schemaText)},
			retries_used: 0,
		});
		const stat = fs.lstatSync(workspace, {bigint: true});
		expect(record.workspace_identity).toEqual({dev: stat.dev.toString(), ino: stat.ino.toString()});
		expect(producerRecordPath(workspace)).toBe(path.join(base, 'workspaces', '.handoff-state', path.basename(workspace), 'record.json'));
		expect(modeOf(producerRecordPath(workspace))).toBe(0o600);
		expect(modeOf(producerStateDirectory(workspace))).toBe(0o700);
		// Nothing of it is in the workspace, where the consumer writes.
		expect(fs.readdirSync(workspace).sort()).toEqual(['input', 'output', 'shared']);
		const {manifest, schema} = recordedContract(record);
		expect(manifest).toMatchObject({task: 'recorded', maxRetries: 2, timeoutSeconds: 60, result: {path: 'output/result.json'}});
		expect((await checkJson('{}', {name: 'result', schema})).errors).not.toEqual([]);
	});

	test('a workspace made by another producer is recorded when first opened (trust on first open), once', async () => {
		const workspace = makeForeignWorkspace();
		expect(await readProducerRecord(workspace)).toBeUndefined();
		const record = await openProducerRecord(workspace);
		expect(record).toMatchObject({recorded: 'first-open', schema: {path: layout.schema, text: schemaText}, retries_used: 0});
		// Later changes do not change the record.
		fs.writeFileSync(path.join(workspace, layout.schema), '{}');
		expect(await openProducerRecord(workspace)).toEqual(record);
	});

	test('a schema that does not compile is refused on first open (exit 2), and nothing is recorded', async () => {
		const workspace = makeForeignWorkspace();
		fs.writeFileSync(path.join(workspace, layout.schema), '{"type": 12}');
		const error = await openProducerRecord(workspace).catch((error_: unknown) => error_);
		expect(error).toBeInstanceOf(HandoffError);
		expect((error as HandoffError).code).toBe(2);
		expect((error as Error).message).toContain('is not a usable JSON Schema');
		expect(await readProducerRecord(workspace)).toBeUndefined();
	});

	test('a recorded schema is not compiled again on open; one that a later ajv refuses is reported where it is used', async () => {
		const workspace = await makeHandoff();
		// As if recorded by an earlier version whose ajv accepted it: the digest matches, so the record is intact.
		const file = producerRecordPath(workspace);
		const record = JSON.parse(fs.readFileSync(file, 'utf8'));
		const refused = '{"type": 12}';
		record.schema = {...record.schema, text: refused, sha256: sha256Hex(refused)};
		fs.writeFileSync(file, JSON.stringify(record));
		const session = await HandoffSession.open(workspace);
		await session.close();
		const {schema} = recordedContract((await readProducerRecord(workspace))!);
		expect(schema).toEqual({name: layout.schema, text: refused});
		expect((await checkJson('{}', {name: 'output/result.json', schema})).problem).toContain('input/schema.json: is not a usable JSON Schema');
	});

	test('two first openers at once agree on one record', async () => {
		const workspace = makeForeignWorkspace();
		const records = await Promise.all(Array.from({length: 5}, async () => openProducerRecord(workspace)));
		for (const record of records) {
			expect(record).toEqual(records[0]);
		}

		expect(await readProducerRecord(workspace)).toEqual(records[0]);
	});

	test('a damaged record (a digest that does not match its text) is refused, not half-believed', async () => {
		const workspace = await makeHandoff();
		const file = producerRecordPath(workspace);
		const record = JSON.parse(fs.readFileSync(file, 'utf8'));
		record.schema.text = '{}';
		fs.writeFileSync(file, JSON.stringify(record));
		const error = await readProducerRecord(workspace).catch((error_: unknown) => error_);
		expect(error).toBeInstanceOf(HandoffError);
		expect((error as HandoffError).code).toBe(2);
		expect((error as Error).message).toContain(`${file}: is damaged`);
	});

	test('retries are counted in the record, whatever happens to shared/rejections.json', async () => {
		const workspace = await makeHandoff();
		expect(await recordRejection(workspace)).toBe(1);
		fs.rmSync(path.join(workspace, layout.shared), {recursive: true, force: true});
		expect(await recordRejection(workspace)).toBe(2);
		expect((await readProducerRecord(workspace))!.retries_used).toBe(2);
	});

	test('a workspace made again under the same name (a pipeline stage run again) gets a fresh record', async () => {
		const workspace = await makeHandoff();
		await recordRejection(workspace);
		fs.renameSync(workspace, `${workspace}.previous`);
		const {workspace: again} = await createHandoff({baseDirectory: base, workspace, task: 'again', inputs: [], command: ['handoff']});
		expect(again).toBe(workspace);
		const record = (await readProducerRecord(workspace))!;
		expect(record).toMatchObject({recorded: 'created', retries_used: 0});
		expect(record.schema).toBeUndefined();
	});
});

describe('ContractGuard', () => {
	test('reports a changed, removed or linked manifest or schema, and nothing once it is put back', async () => {
		const workspace = await makeHandoff();
		const guard = new ContractGuard(workspace, (await readProducerRecord(workspace))!);
		expect(await guard.problems()).toEqual([]);
		const manifestFile = path.join(workspace, layout.manifest);
		const schemaFile = path.join(workspace, layout.schema);
		const manifestText = fs.readFileSync(manifestFile, 'utf8');

		fs.writeFileSync(manifestFile, manifestText.replace('"timeout_seconds": 60', '"timeout_seconds": 99999'));
		fs.writeFileSync(schemaFile, '{}');
		expect(await guard.problems()).toEqual([
			{file: layout.manifest, message: 'was changed after the hand-off was set up; the change is refused and handoff keeps using the recorded version'},
			{file: layout.schema, message: 'was changed after the hand-off was set up; the change is refused and handoff keeps using the recorded version'},
		]);

		fs.rmSync(schemaFile);
		expect(await guard.problems()).toContainEqual({file: layout.schema, message: 'was removed after the hand-off was set up; handoff keeps using the recorded version'});

		// A link to a copy outside the workspace is not followed, and says so.
		fs.writeFileSync(path.join(base, 'outside.json'), schemaText);
		fs.symlinkSync(path.join(base, 'outside.json'), schemaFile);
		expect((await guard.problems()).find(problem => problem.file === layout.schema)?.message).toMatch(/^cannot be read \(.*leaves the workspace.*\); handoff keeps using the recorded version$/);

		fs.rmSync(schemaFile);
		fs.writeFileSync(schemaFile, schemaText);
		fs.writeFileSync(manifestFile, manifestText);
		expect(await guard.problems()).toEqual([]);
	});

	test('ls lists the recorded task and deadline, not the consumer\'s edit', async () => {
		const workspace = await makeHandoff();
		const manifestFile = path.join(workspace, layout.manifest);
		fs.writeFileSync(manifestFile, fs.readFileSync(manifestFile, 'utf8').replace('"task": "recorded"', '"task": "forged"'));
		const [entry] = await listHandoffs(base);
		expect(entry).toMatchObject({kind: 'workspace', task: 'recorded'});
	});
});
