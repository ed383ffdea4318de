import {createHandoff} from '../core/create.js';
import {isPromptTool, promptTools} from '../core/prompt.js';
import {resolveBaseDirectory} from '../core/workspace.js';
import {printJson, printLine, positiveNumber, usageError, type CommandContext} from './io.js';

export type NewFlags = {
	task?: string;
	input: string[];
	instructions?: string;
	schema?: string;
	result?: string;
	timeout?: number;
	retries?: number;
	dir?: string;
	json: boolean;
	tool?: string;
	mcp?: boolean;
};

export function parseInputFlags(values: string[]): Array<{name: string; file: string}> {
	return values.map(value => {
		const separator = value.indexOf('=');
		if (separator <= 0 || separator === value.length - 1) {
			throw usageError(`--input ${value}: expected NAME=FILE`);
		}

		return {name: value.slice(0, separator), file: value.slice(separator + 1)};
	});
}

/** The options `new` and `run` share, checked and turned into createHandoff's. */
export function newWorkspaceOptions(context: CommandContext<NewFlags>, command: string[]) {
	const {flags} = context;
	if (!flags.task) {
		throw usageError('--task is required, e.g. --task analyze-spec');
	}

	if (flags.retries !== undefined && (!Number.isInteger(flags.retries) || flags.retries < 0)) {
		throw usageError('--retries must be a whole number, 0 or more');
	}

	if (flags.tool !== undefined && !isPromptTool(flags.tool)) {
		throw usageError(`--tool must be one of ${promptTools.join(', ')}`);
	}

	if (flags.mcp && flags.tool === 'aider') {
		throw usageError('--mcp: aider loads no MCP servers; without --mcp it gets the plain-file steps');
	}

	return {
		baseDirectory: resolveBaseDirectory(flags.dir, context.environment, context.cwd),
		task: flags.task,
		inputs: parseInputFlags(flags.input),
		instructionsFile: flags.instructions,
		schemaFile: flags.schema,
		resultPath: flags.result,
		timeoutSeconds: positiveNumber(flags.timeout, 'timeout'),
		maxRetries: flags.retries,
		command,
		tool: flags.tool,
		mcp: flags.mcp,
	};
}

export async function newCommand(context: CommandContext<NewFlags>, command: string[]): Promise<number> {
	const {workspace, manifest} = await createHandoff(newWorkspaceOptions(context, command));
	if (context.flags.json) {
		printJson(context.stdout, {workspace, task: manifest.task, result: manifest.result.path, instructions: manifest.instructionsPath});
	} else {
		printLine(context.stdout, workspace);
	}

	return 0;
}
