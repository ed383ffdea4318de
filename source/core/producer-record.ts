import {createHash} from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import {HandoffError, exitCode} from './errors.js';
import type {FileAccess} from './file-access.js';
import {parseManifestText, readManifestText, type Manifest} from './manifest.js';
import {layout} from './paths.js';
import {ensureProducerStateDirectory, producerStateDirectory} from './producer-state.js';
import {removeTree, type FolderIdentity} from './removal.js';
import {checkedResultSchema, readInputText} from './result.js';
import type {SchemaSource} from './validation.js';
import {createExclusive, defaultMaxBytes, parseJson, readTextFile, writeJsonAtomic} from './safe-io.js';
import type {FileProblem} from './snapshot.js';
import {isoTimestamp} from './time.js';

export const producerRecordFileName = 'record.json';

/**
What the producer trusts about a workspace, kept in the producer state folder where the consumer is not told to write: the contract (manifest and schema) as created, or as first seen for a workspace another producer made; the retries used; and the archive once it is made. The consumer's copies in input/ and shared/ are only informational once this exists.
*/
export type ProducerRecord = {
	/** The workspace's real path when it was recorded. */
	workspace: string;
	/** `created` by `handoff new`/`run`, or `first-open` for a workspace made by another producer (trust on first open). */
	recorded: 'created' | 'first-open';
	recorded_at: string;
	/** The workspace folder's device and inode, as decimal strings: a folder swapped in at its path is not removed. */
	workspace_identity?: {dev: string; ino: string};
	manifest: {text: string; sha256: string};
	schema?: {path: string; text: string; sha256: string};
	/** How many invalid results have been sent back, whatever shared/rejections.json says. */
	retries_used: number;
	/** The verified archive: its folder, and the sha256 of its archive.json. */
	archive?: {path: string; index_sha256: string};
	/** Set just before the archived workspace is removed, so the next run finishes a removal cut short. */
	removing?: boolean;
};

export function sha256Hex(data: string | Uint8Array): string {
	return createHash('sha256').update(data).digest('hex');
}

export function producerRecordPath(workspace: string): string {
	return path.join(producerStateDirectory(workspace), producerRecordFileName);
}

/** The record holds the manifest and the schema (each up to the 10 MB cap), escaped as JSON. */
const maxRecordBytes = 4 * defaultMaxBytes;

/** The workspace's producer record, or undefined when there is none yet. A damaged one is refused (exit 2), never half-believed. */
export async function readProducerRecord(workspace: string, access?: FileAccess): Promise<ProducerRecord | undefined> {
	const file = producerRecordPath(workspace);
	const text = await readTextFile(file, {name: file, maxBytes: maxRecordBytes, access});
	if (text === undefined) {
		return undefined;
	}

	const record = parseJson(text, file) as Partial<ProducerRecord> | undefined;
	const intact = (part: {text?: unknown; sha256?: unknown} | undefined): boolean => typeof part?.text === 'string' && part.sha256 === sha256Hex(part.text);
	if (
		typeof record !== 'object' || record === null
		|| typeof record.workspace !== 'string'
		|| !intact(record.manifest)
		|| (record.schema !== undefined && (!intact(record.schema) || typeof record.schema.path !== 'string'))
		|| !Number.isInteger(record.retries_used) || record.retries_used! < 0
	) {
		throw new HandoffError('is damaged (a digest does not match its text); move the state folder away to trust the workspace as it is now', exitCode.usage, file);
	}

	return record as ProducerRecord;
}

function workspaceIdentity(workspace: string): {dev: string; ino: string} {
	const stat = fs.lstatSync(workspace, {bigint: true});
	return {dev: stat.dev.toString(), ino: stat.ino.toString()};
}

export function recordedIdentity(record: ProducerRecord): FolderIdentity | undefined {
	return record.workspace_identity && {dev: BigInt(record.workspace_identity.dev), ino: BigInt(record.workspace_identity.ino)};
}

function buildRecord(workspace: string, recorded: ProducerRecord['recorded'], manifestText: string, schema?: {path: string; text: string}): ProducerRecord {
	return {
		workspace: fs.realpathSync(workspace),
		recorded,
		recorded_at: isoTimestamp(),
		workspace_identity: workspaceIdentity(workspace),
		manifest: {text: manifestText, sha256: sha256Hex(manifestText)},
		...(schema ? {schema: {...schema, sha256: sha256Hex(schema.text)}} : {}),
		retries_used: 0,
	};
}

/** Records the contract of a workspace just made by `handoff new`/`run`, as written. Replaces any record left under the same name. */
export async function recordCreatedContract(workspace: string, manifestText: string, schema?: {path: string; text: string}): Promise<ProducerRecord> {
	await ensureProducerStateDirectory(workspace);
	const record = buildRecord(workspace, 'created', manifestText, schema);
	await writeJsonAtomic(producerRecordPath(workspace), record);
	return record;
}

/**
The workspace's producer record; for a workspace without one (made by another producer, such as the seed's Python), the manifest and schema are read now and recorded: trust on first open. Errors in them exit 2, as before. Two first openers agree: the record is created exclusively and the later one reads the earlier one's.
*/
export async function openProducerRecord(workspace: string): Promise<ProducerRecord> {
	const existing = await readProducerRecord(workspace);
	if (existing) {
		return existing;
	}

	const manifestText = await readManifestText(workspace);
	const manifest = parseManifestText(manifestText);
	let schema: {path: string; text: string} | undefined;
	if (manifest.schemaPath !== undefined) {
		const text = await readInputText(workspace, manifest.schemaPath);
		if (text === undefined) {
			throw new HandoffError('is named by the manifest but missing', exitCode.usage, manifest.schemaPath);
		}

		schema = {path: manifest.schemaPath, text};
	}

	// A broken schema is refused before anything is recorded, so fixing it is enough.
	if (schema) {
		await checkedResultSchema(schema.text, schema.path);
	}

	await ensureProducerStateDirectory(workspace);
	const record = buildRecord(workspace, 'first-open', manifestText, schema);
	if (await createExclusive(producerRecordPath(workspace), `${JSON.stringify(record, null, 2)}\n`)) {
		return record;
	}

	return (await readProducerRecord(workspace))!;
}

/**
The manifest and the schema the producer goes by: the recorded ones. The schema was checked to compile before it was recorded (by `new`, or on first open), so it is not compiled again on every open: that would put the validation worker's start (a second Node thread, ajv and the compile, about 100 ms) ahead of every screen's first frame. A recorded schema that a later ajv refuses is reported where it is used, as a result or partial that cannot be checked.
*/
export function recordedContract(record: Pick<ProducerRecord, 'manifest' | 'schema'>): {manifest: Manifest; schema: SchemaSource | undefined} {
	return {manifest: parseManifestText(record.manifest.text), schema: record.schema && {name: record.schema.path, text: record.schema.text}};
}

/** Changes the record: read, change, written atomically. Only the producer holding the hold writes it, so nothing is lost between. */
export async function updateProducerRecord(workspace: string, change: (record: ProducerRecord) => ProducerRecord): Promise<ProducerRecord> {
	const record = change(await openProducerRecord(workspace));
	await writeJsonAtomic(producerRecordPath(workspace), record);
	return record;
}

/** Counts one more rejected result; returns how many retries are used now. */
export async function recordRejection(workspace: string): Promise<number> {
	const record = await updateProducerRecord(workspace, current => ({...current, retries_used: current.retries_used + 1}));
	return record.retries_used;
}

/** Removes the producer state folder of a workspace that is gone (the last step of removing an archived workspace). */
export async function removeProducerState(workspace: string): Promise<void> {
	const directory = producerStateDirectory(workspace);
	// The shared `.handoff-state` folder stays: removing it could race with another workspace's state being made in it.
	await removeTree(directory);
}

/**
Tells the person when the consumer has changed the contract in input/: the manifest or schema on disk no longer matches the record. The recorded version keeps being used; this only reports. Each file is read again only when its lstat changes.
*/
export class ContractGuard {
	private readonly seen = new Map<string, {version: string; problem?: FileProblem}>();

	constructor(
		readonly workspace: string,
		readonly record: ProducerRecord,
	) {}

	async problems(): Promise<FileProblem[]> {
		const checks: Array<{file: string; sha256: string; read: () => Promise<string | undefined>}> = [
			{file: layout.manifest, sha256: this.record.manifest.sha256, read: async () => readTextFile(path.join(this.workspace, layout.manifest), {name: layout.manifest})},
		];
		const {schema} = this.record;
		if (schema) {
			checks.push({file: schema.path, sha256: schema.sha256, read: async () => readInputText(this.workspace, schema.path)});
		}

		const problems: FileProblem[] = [];
		for (const check of checks) {
			const problem = await this.check(check.file, check.sha256, check.read);
			if (problem) {
				problems.push(problem);
			}
		}

		return problems;
	}

	private async check(file: string, sha256: string, read: () => Promise<string | undefined>): Promise<FileProblem | undefined> {
		let version: string;
		try {
			const stat = await fsp.lstat(path.join(this.workspace, file));
			version = `${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}:${stat.mode}`;
		} catch {
			version = 'missing';
		}

		const cached = this.seen.get(file);
		if (cached?.version === version) {
			return cached.problem;
		}

		let problem: FileProblem | undefined;
		try {
			const text = await read();
			if (text === undefined) {
				problem = {file, message: 'was removed after the hand-off was set up; handoff keeps using the recorded version'};
			} else if (sha256Hex(text) !== sha256) {
				problem = {file, message: 'was changed after the hand-off was set up; the change is refused and handoff keeps using the recorded version'};
			}
		} catch (error) {
			problem = {file, message: `cannot be read (${(error as Error).message.replace(`${file}: `, '')}); handoff keeps using the recorded version`};
		}

		this.seen.set(file, {version, problem});
		return problem;
	}
}
