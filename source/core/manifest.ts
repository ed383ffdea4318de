import path from 'node:path';
import {HandoffError, exitCode} from './errors.js';
import type {FileAccess} from './file-access.js';
import {layout, resolveInside} from './paths.js';
import {readTextFile, parseJson, writeFileAtomic} from './safe-io.js';
import {manifest as validateManifestFile} from './generated/own-file-validators.js';
import {describeErrors} from './schema-validator.js';
import {isoTimestamp} from './time.js';

export {default as manifestSchema} from './schemas/manifest.schema.json' with {type: 'json'};

export const protocolVersion = '1.0';

/** The manifest as it is on disk. Unknown fields are kept and written back untouched. */
export type ManifestFile = {
	task: string;
	version?: string;
	created_at?: string;
	inputs?: Record<string, string>;
	outputs: Record<string, string | boolean>;
	constraints?: {timeout_seconds?: number; max_retries?: number; [key: string]: unknown};
	[key: string]: unknown;
};

/** The manifest with both seed shapes folded into one. Paths are workspace-relative, checked to stay inside. */
export type Manifest = {
	file: ManifestFile;
	task: string;
	version: string;
	createdAt?: string;
	inputs: Record<string, string>;
	/** Every declared output path by its key (`result`, or e.g. `analysis` in the seed's second shape). */
	outputs: Record<string, string>;
	/** The output the consumer must produce and we validate. */
	result: {key: string; path: string};
	schemaPath?: string;
	instructionsPath?: string;
	required: boolean;
	timeoutSeconds?: number;
	maxRetries: number;
};


/** Keys of `outputs` that are settings, not output paths. */
const outputSettingKeys = new Set(['schema', 'required']);

/**
Checks a parsed manifest and folds the seed's two shapes together. Errors name the file and the JSON pointer.
*/
export function normalizeManifest(value: unknown, name: string = layout.manifest): Manifest {
	if (!validateManifestFile(value)) {
		const [first, ...rest] = describeErrors(validateManifestFile.errors);
		const more = rest.length > 0 ? ` (and ${rest.length} more)` : '';
		throw new HandoffError(`${first!.pointer || '/'}: ${first!.message}${more}`, exitCode.usage, name);
	}

	const file = value as ManifestFile;
	// A copy: `file` stays as it is on disk, and is written back so.
	const inputs = {...file.inputs};
	const outputs: Record<string, string> = {};
	for (const [key, entry] of Object.entries(file.outputs)) {
		if (typeof entry === 'string' && !outputSettingKeys.has(key)) {
			outputs[key] = entry;
		}
	}

	const resultKey = 'result' in outputs ? 'result' : Object.keys(outputs)[0];
	if (resultKey === undefined) {
		throw new HandoffError('/outputs: names no output file (expected "result": "output/NAME.json")', exitCode.usage, name);
	}

	const schemaPath = typeof file.outputs.schema === 'string' ? file.outputs.schema : inputs.schema;
	const checkPath = (pointer: string, relativePath: string): string => {
		// Checked in the form it is returned in: `output\..\..\x` is a climb once its backslashes are separators.
		const portable = relativePath.replaceAll('\\', '/');
		try {
			resolveInside('/workspace', portable);
		} catch (error) {
			throw new HandoffError(`${pointer}: ${(error as Error).message}`, exitCode.usage, name);
		}

		return path.posix.normalize(portable);
	};

	for (const [key, entry] of Object.entries(inputs)) {
		inputs[key] = checkPath(`/inputs/${key}`, entry);
	}

	for (const [key, entry] of Object.entries(outputs)) {
		outputs[key] = checkPath(`/outputs/${key}`, entry);
	}

	return {
		file,
		task: file.task,
		version: file.version ?? protocolVersion,
		createdAt: file.created_at,
		inputs,
		outputs,
		result: {key: resultKey, path: outputs[resultKey]!},
		schemaPath: schemaPath === undefined ? undefined : checkPath(typeof file.outputs.schema === 'string' ? '/outputs/schema' : '/inputs/schema', schemaPath),
		instructionsPath: inputs.instructions,
		required: file.outputs.required !== false,
		timeoutSeconds: file.constraints?.timeout_seconds,
		maxRetries: file.constraints?.max_retries ?? 0,
	};
}

export async function readManifest(workspace: string, access?: FileAccess): Promise<Manifest> {
	return parseManifestText(await readManifestText(workspace, access));
}

/** The manifest file's text as it is on disk (the producer record keeps it as created). */
export async function readManifestText(workspace: string, access?: FileAccess): Promise<string> {
	const text = await readTextFile(path.join(workspace, layout.manifest), {name: layout.manifest, access});
	if (text === undefined) {
		throw new HandoffError('is missing; this folder is not a hand-off workspace', exitCode.usage, layout.manifest);
	}

	return text;
}

export function parseManifestText(text: string): Manifest {
	return normalizeManifest(parseJsonAsUsage(text), layout.manifest);
}

function parseJsonAsUsage(text: string): unknown {
	try {
		return parseJson(text, layout.manifest);
	} catch (error) {
		throw new HandoffError((error as Error).message, exitCode.usage);
	}
}

export type ManifestOptions = {
	task: string;
	inputs: Record<string, string>;
	resultPath: string;
	schemaPath?: string;
	timeoutSeconds?: number;
	maxRetries?: number;
	createdAt?: Date;
};

/** The manifest `handoff new` writes: the seed's 'Manifest Format' shape, which both seed readers understand. */
export function buildManifestFile(options: ManifestOptions): ManifestFile {
	const constraints: ManifestFile['constraints'] = {};
	if (options.timeoutSeconds !== undefined) {
		constraints.timeout_seconds = options.timeoutSeconds;
	}

	if (options.maxRetries !== undefined) {
		constraints.max_retries = options.maxRetries;
	}

	return {
		task: options.task,
		version: protocolVersion,
		created_at: isoTimestamp(options.createdAt),
		inputs: options.inputs,
		outputs: {
			result: options.resultPath,
			required: true,
			...(options.schemaPath ? {schema: options.schemaPath} : {}),
		},
		constraints,
	};
}

export async function writeManifest(workspace: string, file: ManifestFile): Promise<Manifest> {
	const manifest = normalizeManifest(file);
	await writeFileAtomic(path.join(workspace, layout.manifest), manifestFileText(file));
	return manifest;
}

/** The exact text writeManifest writes, which the producer record keeps as the contract. */
export function manifestFileText(file: ManifestFile): string {
	return `${JSON.stringify(file, null, 2)}\n`;
}
