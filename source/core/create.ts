import fs from 'node:fs/promises';
import path from 'node:path';
import {HandoffError, exitCode} from './errors.js';
import {buildInstructions} from './instructions.js';
import {buildManifestFile, manifestFileText, writeManifest, type Manifest} from './manifest.js';
import {layout, resolveInside} from './paths.js';
import {recordCreatedContract} from './producer-record.js';
import {defaultMaxBytes, formatBytes, parseJson, writeFileAtomic} from './safe-io.js';
import {compileSchema} from './schema-validator.js';
import {writeStatus} from './status.js';
import {createUniqueFolder, createWorkspace, makeWorkspaceFolders} from './workspace.js';

export type NewWorkspaceOptions = {
	baseDirectory: string;
	/** An exact folder to create as the workspace (a pipeline stage), instead of one under baseDirectory. */
	workspace?: string;
	task: string;
	/** Input name → the producer's file to copy into input/, or `content` to write under that file name, or with `link` a symlink to the file (an earlier pipeline stage's output). */
	inputs: Array<{name: string; file: string; content?: string; link?: boolean}>;
	instructionsFile?: string;
	/** The task text itself, instead of instructionsFile. */
	instructionsText?: string;
	schemaFile?: string;
	/** The schema itself, instead of schemaFile. */
	schemaText?: string;
	resultPath?: string;
	timeoutSeconds?: number;
	maxRetries?: number;
	/** The words that run this CLI, written into the instructions. */
	command: string[];
	/** The consumer's tool (`--tool`), for the instructions' wait steps. */
	tool?: string;
	/** The instructions' steps as calls of handoff's MCP tools (`--mcp`). */
	mcp?: boolean;
};

const reservedInputNames = new Set(['instructions', 'schema']);

async function readProducerFile(file: string, what: string): Promise<Buffer> {
	let stat;
	try {
		stat = await fs.stat(file);
	} catch {
		throw new HandoffError(`${what}: cannot read ${file}`, exitCode.usage);
	}

	if (!stat.isFile()) {
		throw new HandoffError(`${what}: ${file} is not a regular file`, exitCode.usage);
	}

	if (stat.size > defaultMaxBytes) {
		throw new HandoffError(`${what}: ${file} is ${formatBytes(stat.size)}, over the ${formatBytes(defaultMaxBytes)} limit`, exitCode.usage);
	}

	return fs.readFile(file);
}

/**
Builds a complete workspace for `handoff new` and `handoff run`: inputs copied in, schema checked, manifest and instructions written, status PENDING. Every option is checked before the folder is made, so a mistake leaves nothing behind.
*/
export async function createHandoff(options: NewWorkspaceOptions): Promise<{workspace: string; manifest: Manifest}> {
	const resultPath = options.resultPath ?? 'output/result.json';
	resolveInside('/workspace', resultPath, '--result');
	if (!path.posix.normalize(resultPath).startsWith(`${layout.output}/`)) {
		throw new HandoffError(`--result ${resultPath}: the result belongs in output/`, exitCode.usage);
	}

	const inputFiles = new Map<string, {name: string; content?: Buffer; linkTo?: string}>();
	for (const {name, file, content, link} of options.inputs) {
		if (!/^[\w-]+$/.test(name) || reservedInputNames.has(name)) {
			throw new HandoffError(`--input ${name}=${file}: the name must be letters, digits, _ or - and not "instructions" or "schema"`, exitCode.usage);
		}

		const target = `${layout.input}/${path.basename(file)}`;
		if (inputFiles.has(target) || target === layout.manifest || target === layout.instructions || target === layout.schema) {
			throw new HandoffError(`--input ${name}=${file}: another input already uses the file name ${path.basename(file)}`, exitCode.usage);
		}

		inputFiles.set(target, link ? {name, linkTo: path.resolve(file)} : {name, content: content === undefined ? await readProducerFile(file, `--input ${name}`) : Buffer.from(content)});
	}

	let {schemaText} = options;
	if (options.schemaFile !== undefined) {
		schemaText = (await readProducerFile(options.schemaFile, '--schema')).toString('utf8');
	}

	if (schemaText !== undefined) {
		try {
			compileSchema(parseJson(schemaText, options.schemaFile ?? 'the schema'));
		} catch (error) {
			throw new HandoffError(`--schema: ${(error as Error).message}`, exitCode.usage);
		}
	}

	const taskText = options.instructionsFile === undefined ? options.instructionsText : (await readProducerFile(options.instructionsFile, '--instructions')).toString('utf8');
	const inputs: Record<string, string> = {};
	for (const [target, {name}] of inputFiles) {
		inputs[name] = target;
	}

	inputs.instructions = layout.instructions;
	if (schemaText !== undefined) {
		inputs.schema = layout.schema;
	}

	const manifestFile = buildManifestFile({
		task: options.task,
		inputs,
		resultPath,
		schemaPath: schemaText === undefined ? undefined : layout.schema,
		timeoutSeconds: options.timeoutSeconds,
		maxRetries: options.maxRetries,
	});

	const workspace = options.workspace === undefined
		? await createWorkspace(options.baseDirectory, options.task)
		: await makeWorkspaceFolders(await createUniqueFolder(path.dirname(options.workspace), path.basename(options.workspace)));
	for (const [target, {content, linkTo}] of inputFiles) {
		await (linkTo === undefined ? writeFileAtomic(path.join(workspace, target), content!) : linkOrCopy(linkTo, path.join(workspace, target)));
	}

	if (schemaText !== undefined) {
		await writeFileAtomic(path.join(workspace, layout.schema), schemaText);
	}

	const manifest = await writeManifest(workspace, manifestFile);
	// The contract as created, where the consumer is not told to write: what the producer goes by from now on.
	await recordCreatedContract(workspace, manifestFileText(manifestFile), schemaText === undefined ? undefined : {path: layout.schema, text: schemaText});
	await writeFileAtomic(path.join(workspace, layout.instructions), buildInstructions({workspace, manifest, taskText, command: options.command, tool: options.tool, mcp: options.mcp}));
	await writeStatus(workspace, 'PENDING');
	return {workspace, manifest};
}

/** A relative symlink to an earlier stage's output, or a copy where links are not allowed (some Windows and network file systems). */
export async function linkOrCopy(source: string, target: string): Promise<void> {
	try {
		await fs.symlink(path.relative(path.dirname(target), source), target);
	} catch {
		await writeFileAtomic(target, await fs.readFile(source));
	}
}
