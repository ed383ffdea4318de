import {createHash} from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import {HandoffError, errnoCode, exitCode} from './errors.js';
import {isInside, layout, resolveInside} from './paths.js';
import {producerStateDirectory} from './producer-state.js';
import {removeTree} from './removal.js';
import {isLaunchTool, launchTools} from './launch-matrix.js';
import type {PromptTool} from './prompt.js';
import {parseJson, readTextFile, writeJsonAtomic} from './safe-io.js';
import {pipeline as validatePipelineFile} from './generated/own-file-validators.js';
import {describeErrors, formatSchemaError} from './schema-validator.js';
import {folderTimestamp, isoTimestamp} from './time.js';
import {createUniqueFolder} from './workspace.js';

export {default as pipelineSchema} from './schemas/pipeline.schema.json' with {type: 'json'};

/** An input: a producer file (absolute once read), or an earlier stage's output. */
export type StageInput = string | {stage: string; path: string};

type StageCommon = {name: string; needs: string[]; inputs: Record<string, StageInput>};
export type HandoffStage = StageCommon & {kind: 'handoff'; task: string; instructions?: string; schema?: string; result: string; timeout?: number; retries?: number; tool?: PromptTool; launch?: boolean};
export type CommandStage = StageCommon & {kind: 'command'; command: string[]};
export type Stage = HandoffStage | CommandStage;
/** `base` is the pipeline file's folder: relative paths in the file, and command stages, start there. */
export type Pipeline = {name: string; base: string; stages: Stage[]};

/**
`running` is written when a stage starts (with the command stage's process group), so a run killed outright still says which stage it was in; `interrupted` is a stage a signal (or q) ended.
*/
export type StageRecord = {
	state: 'running' | 'complete' | 'failed' | 'interrupted';
	started_at?: string;
	finished_at?: string;
	reason?: string;
	outputs_sha256?: string;
	process_group?: number;
};
export type RunState = {stages: Record<string, StageRecord>};

export const runDefinitionFile = 'pipeline.json';
export const runStateFile = 'run.json';

/**
Reads and checks a pipeline file: the schema, stage names, needs and stage references, and an order that satisfies every need. File paths become absolute, relative to the pipeline file.
*/
export async function readPipeline(file: string): Promise<Pipeline> {
	const text = await readTextFile(file, {name: file}).catch((error: unknown) => {
		throw new HandoffError((error as Error).message, exitCode.usage);
	});
	if (text === undefined) {
		throw new HandoffError('does not exist', exitCode.usage, file);
	}

	let value: unknown;
	try {
		value = parseJson(text, file);
	} catch (error) {
		throw new HandoffError((error as Error).message, exitCode.usage);
	}

	if (!validatePipelineFile(value)) {
		const errors = describeErrors(validatePipelineFile.errors).filter(error => !error.message.includes('must match'));
		throw new HandoffError(formatSchemaError(errors[0] ?? {pointer: '', message: 'is not a pipeline'}), exitCode.usage, file);
	}

	const raw = value as {name: string; stages: Array<Record<string, unknown>>};
	const base = path.dirname(path.resolve(file));
	const fail = (pointer: string, message: string): never => {
		throw new HandoffError(`${pointer}: ${message}`, exitCode.usage, file);
	};

	const names = raw.stages.map(stage => stage.name as string);
	const stages: Stage[] = raw.stages.map((stage, index) => {
		const pointer = `/stages/${index}`;
		if (names.indexOf(stage.name as string) !== index) {
			fail(`${pointer}/name`, `"${String(stage.name)}" is used by two stages`);
		}

		const needs = (stage.needs as string[] | undefined) ?? [];
		for (const need of needs) {
			if (!names.includes(need) || need === stage.name) {
				fail(`${pointer}/needs`, `"${need}" is not another stage`);
			}
		}

		const inputs: Record<string, StageInput> = {};
		for (const [key, input] of Object.entries((stage.inputs as Record<string, StageInput> | undefined) ?? {})) {
			if (typeof input === 'string') {
				inputs[key] = path.resolve(base, input);
				continue;
			}

			if (!names.includes(input.stage) || input.stage === stage.name) {
				fail(`${pointer}/inputs/${key}/stage`, `"${input.stage}" is not another stage`);
			}

			try {
				resolveInside('/stage', input.path);
			} catch (error) {
				fail(`${pointer}/inputs/${key}/path`, (error as Error).message);
			}

			// Using a stage's output is a need, whether or not it is written down.
			if (!needs.includes(input.stage)) {
				needs.push(input.stage);
			}

			inputs[key] = input;
		}

		const common = {name: stage.name as string, needs, inputs};
		if (Array.isArray(stage.command)) {
			return {...common, kind: 'command', command: stage.command as string[]};
		}

		if (stage.launch === true && (typeof stage.tool !== 'string' || !isLaunchTool(stage.tool))) {
			fail(`${pointer}/launch`, `needs "tool" to be one of ${launchTools.join(', ')}`);
		}

		const absolute = (key: string): string | undefined => (typeof stage[key] === 'string' ? path.resolve(base, stage[key]) : undefined);
		return {
			...common,
			kind: 'handoff',
			task: stage.task as string,
			instructions: absolute('instructions'),
			schema: absolute('schema'),
			result: (stage.result as string | undefined) ?? 'output/result.json',
			timeout: stage.timeout as number | undefined,
			retries: stage.retries as number | undefined,
			tool: stage.tool as PromptTool | undefined,
			launch: stage.launch === true,
		};
	});

	return {name: raw.name, base, stages: orderStages(stages, file)};
}

/** Stages in an order that runs every need first, keeping the file's order where needs allow (Kahn's algorithm). */
function orderStages(stages: Stage[], file: string): Stage[] {
	const ordered: Stage[] = [];
	const remaining = [...stages];
	while (remaining.length > 0) {
		const next = remaining.findIndex(stage => stage.needs.every(need => ordered.some(done => done.name === need)));
		if (next === -1) {
			throw new HandoffError(`/stages: the needs of ${remaining.map(stage => `"${stage.name}"`).join(', ')} form a cycle`, exitCode.usage, file);
		}

		ordered.push(...remaining.splice(next, 1));
	}

	return ordered;
}

export function stageFolderName(index: number, stage: Stage): string {
	return `stage-${index + 1}-${stage.name}`;
}

/** The folder a stage's input names, resolved inside the run folder (never a link that leaves it). */
export function stageInputSource(run: string, pipeline: Pipeline, input: {stage: string; path: string}): string {
	const index = pipeline.stages.findIndex(stage => stage.name === input.stage);
	const source = path.join(run, stageFolderName(index, pipeline.stages[index]!), input.path);
	if (!isInside(run, source)) {
		throw new HandoffError(`the input ${input.stage}:${input.path} leaves the run folder`, exitCode.usage);
	}

	return source;
}

/** Makes `<dir>/pipelines/<name>_<timestamp>/` and records the pipeline in it, so `resume` needs nothing else. */
export async function createRun(baseDirectory: string, pipeline: Pipeline): Promise<string> {
	const run = await createUniqueFolder(path.join(baseDirectory, 'pipelines'), `${pipeline.name}_${folderTimestamp()}`);
	await writeJsonAtomic(path.join(run, runDefinitionFile), pipeline);
	await writeJsonAtomic(path.join(run, runStateFile), {stages: {}} satisfies RunState);
	return run;
}

export async function readRun(run: string): Promise<{pipeline: Pipeline; state: RunState}> {
	const read = async (name: string): Promise<unknown> => {
		const text = await readTextFile(path.join(run, name), {name});
		if (text === undefined) {
			throw new HandoffError(`has no ${name}; it is not a pipeline run folder`, exitCode.usage, run);
		}

		return parseJson(text, name);
	};

	return {pipeline: (await read(runDefinitionFile)) as Pipeline, state: (await read(runStateFile)) as RunState};
}

/**
Removes what a runner killed in the middle of writing run.json (or pipeline.json) left: the temporary `.run.json.<pid>.<random>.tmp` of an atomic write whose writer is gone. A living writer's file is left alone.
*/
export async function removeStaleRunTemporaries(run: string): Promise<void> {
	for (const name of await fsp.readdir(run)) {
		const writer = /^\.(?:run|pipeline)\.json\.(\d+)\.[\da-f]+\.tmp$/.exec(name)?.[1];
		if (writer !== undefined && !isProcessAlive(Number(writer))) {
			await fsp.rm(path.join(run, name), {force: true});
		}
	}
}

function isProcessAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return errnoCode(error) === 'EPERM';
	}
}

export async function recordStage(run: string, stage: string, record: Omit<StageRecord, 'finished_at'>): Promise<void> {
	const {state} = await readRun(run);
	state.stages[stage] = record.state === 'running' ? record : {...record, finished_at: isoTimestamp()};
	await writeJsonAtomic(path.join(run, runStateFile), state);
}

/** A digest of what a stage produced: its result (hand-off) or every regular file in output/ (command), for telling whether it changed since. */
export async function stageOutputsDigest(folder: string, stage: Stage): Promise<string | undefined> {
	const files = stage.kind === 'handoff' ? [stage.result] : await listOutputFiles(folder);
	const hash = createHash('sha256');
	for (const file of files.sort()) {
		let content: Buffer;
		try {
			content = await fsp.readFile(path.join(folder, file));
		} catch {
			return undefined;
		}

		hash.update(`${file}\0${content.length}\0`).update(content);
	}

	return hash.digest('hex');
}

async function listOutputFiles(folder: string, relative: string = layout.output): Promise<string[]> {
	const entries = await fsp.readdir(path.join(folder, relative), {withFileTypes: true}).catch(() => []);
	const files: string[] = [];
	for (const entry of entries) {
		const child = `${relative}/${entry.name}`;
		if (entry.isDirectory()) {
			files.push(...(await listOutputFiles(folder, child)));
		} else if (entry.isFile()) {
			files.push(child);
		}
	}

	return files;
}

/**
Moves a stage folder out of the way before the stage runs again, keeping it for the record. Its producer state (kept beside it, by name) goes with it, first: a new workspace at the same path must not inherit the old one's record.
*/
export async function setAside(folder: string): Promise<void> {
	const target = `${folder}.previous-${folderTimestamp()}`;
	if (fs.existsSync(producerStateDirectory(folder))) {
		await fsp.rename(producerStateDirectory(folder), producerStateDirectory(target));
	}

	if (fs.existsSync(folder)) {
		await fsp.rename(folder, target);
	}
}

/**
Removes what an interrupted or killed attempt left half-written. The folder is first renamed to one fixed name, so a removal that is itself killed leaves that name, which the next call removes first: however often it is cut short, nothing is left behind. Links inside (inputs from earlier stages) are removed, never followed.
*/
export async function discardStageFolder(folder: string): Promise<void> {
	// The consumer may still be swapping folders for links in there: removeTree never follows one.
	await removeTree(producerStateDirectory(folder));
	const removing = `${folder}.removing`;
	await removeTree(removing);
	try {
		await fsp.rename(folder, removing);
	} catch (error) {
		if (errnoCode(error) === 'ENOENT') {
			return;
		}

		throw error;
	}

	await removeTree(removing);
}
