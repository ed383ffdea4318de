/**
`handoff mcp`: the consumer protocol as MCP tools over stdio, on the official SDK. Every tool calls the consumer module (consumer.ts) that the consumer commands call, so there is one implementation of the protocol; this file only checks each call's arguments, finds the workspace, and turns outcomes into tool results.

A bad call never ends the server: arguments that do not match a tool's schema, an unknown tool, a workspace that is gone and any refusal come back as a tool error (`isError: true`) with a sentence saying what to do.
*/
import fsp from 'node:fs/promises';
import path from 'node:path';
import {McpServer} from '@modelcontextprotocol/sdk/server/mcp.js';
import {StdioServerTransport} from '@modelcontextprotocol/sdk/server/stdio.js';
import {CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult, type Tool} from '@modelcontextprotocol/sdk/types.js';
import type {ValidateFunction} from 'ajv';
import {askQuestions, awaitAnswers, claimTask, completeTask, failTask, publishPartial, recordReceipts, reportProgress, type ConsumerIdentity} from './consumer.js';
import {protocolHeading} from './instructions.js';
import {HandoffError, crashReport, describeError, exitCode, isExpectedError} from './errors.js';
import {readManifest} from './manifest.js';
import {mcpServerName, mcpToolNames, type McpToolName} from './mcp-setup.js';
import {layout, resolveInsideReal} from './paths.js';
import {readRun, runDefinitionFile, runStateFile, stageFolderName} from './pipeline.js';
import {readAnswerEntries} from './questions.js';
import {loadResultSchema, readInputText, schemaErrorLines} from './result.js';
import {defaultMaxBytes, formatBytes, parseJson, writeFileAtomic} from './safe-io.js';
import {compileSchema, describeErrors, formatSchemaError} from './schema-validator.js';
import {mcpAwaitSeconds} from './tool-limits.js';
import {checkWorkspace, locateWorkspace} from './workspace.js';

/** await_answer's bounds (the reasons are in tool-limits.ts). */
const awaitDefaultSeconds = mcpAwaitSeconds.default;
const awaitMaxSeconds = mcpAwaitSeconds.max;
/** How often a waiting await_answer reports progress to a client that asked for it (a progress token), which some clients take as a sign of life (HANDOFF_HEARTBEAT_MS, as for `handoff await`). */
function progressEveryMs(environment: NodeJS.ProcessEnv): number {
	const given = Number(environment.HANDOFF_HEARTBEAT_MS);
	return given > 0 ? given : 10_000;
}

export type McpServerOptions = {
	/** --workspace or HANDOFF_WORKSPACE: a workspace or a pipeline run folder. */
	target?: string;
	/** Where the server runs: without a target, the workspace is found at or above it. */
	cwd: string;
	who: ConsumerIdentity;
	environment: NodeJS.ProcessEnv;
	/** The server's log, on stderr (never stdout: it carries the protocol); the command prints it through printLine, made safe for a terminal. */
	log: (line: string, options?: {multiline?: boolean}) => void;
};

const workspaceProperty = {type: 'string', minLength: 1, description: 'The hand-off workspace (its absolute path, as the prompt names it), or a pipeline run folder to serve its current stage. Optional when the server was started with --workspace.'};

type ToolSpec = {description: string; properties: Record<string, unknown>; required?: string[]};

const toolSpecs: Record<McpToolName, ToolSpec> = {
	get_task: {
		description: 'Read the task: its text, the input files (absolute paths), where the result goes, the JSON Schema it must satisfy, the time limit, and why an earlier result was rejected, if it was. Call it first.',
		properties: {},
	},
	claim: {
		description: 'Claim the task before you start working on it (writes .lock and status RUNNING). Refused when another consumer holds it or the hand-off has ended.',
		properties: {},
	},
	report_progress: {
		description: 'Tell the person what you are doing, one short line at a time (appended to shared/progress.txt with the time).',
		properties: {message: {type: 'string', minLength: 1, maxLength: 2000, description: 'One short line, e.g. "Reading the spec".'}},
		required: ['message'],
	},
	publish_partial: {
		description: 'Share a partial result whenever you have one: any JSON value. Says how far it already matches the result schema.',
		properties: {result: {description: 'The partial result, as JSON.'}},
		required: ['result'],
	},
	ask_question: {
		description: 'Ask the person a question instead of guessing. Asking the same question again returns the same id and adds nothing; if it is answered already, the answer comes back at once. Then call await_answer with the id.',
		properties: {
			text: {type: 'string', minLength: 1, maxLength: 10_000, description: 'The question.'},
			options: {type: 'array', items: {type: 'string', minLength: 1}, maxItems: 50, description: 'Answers to choose from (the person may still type another unless strict).'},
			id: {type: 'string', minLength: 1, maxLength: 200, description: 'An id of your own for the question (default q1, q2, ...).'},
			strict: {type: 'boolean', description: 'The answer must be one of the options.'},
			schema: {type: 'object', description: 'A JSON Schema the (typed) answer must satisfy.'},
		},
		required: ['text'],
	},
	await_answer: {
		description: `Wait for the answer to a question, at most wait_seconds (default ${awaitDefaultSeconds}, at most ${awaitMaxSeconds}). Returns {"status": "answered", "answer": ...} or {"status": "pending"}: when pending, call it again with the same id (work on other parts meanwhile). An error means the hand-off has ended: stop.`,
		properties: {
			id: {type: 'string', minLength: 1, maxLength: 200, description: 'The id ask_question returned.'},
			wait_seconds: {type: 'number', minimum: 0, maximum: awaitMaxSeconds, description: `How long to wait at most (0 only looks). Default ${awaitDefaultSeconds}.`},
		},
		required: ['id'],
	},
	submit_result: {
		description: 'Hand back the result: given `result`, it is written to the result file first; then the result file is checked against the schema. Valid: the hand-off is complete. Invalid: nothing is signalled and every error comes back with its JSON path; fix them and call it again.',
		properties: {result: {description: 'The result, as JSON. Leave it out to check the result file you wrote yourself.'}},
	},
	fail: {
		description: 'Give up with a reason, when you cannot finish (writes .error and status FAILED). The hand-off ends.',
		properties: {reason: {type: 'string', minLength: 1, maxLength: 10_000, description: 'What went wrong.'}},
		required: ['reason'],
	},
};

function inputSchema(spec: ToolSpec): Tool['inputSchema'] {
	return {
		type: 'object',
		properties: {...spec.properties, workspace: workspaceProperty},
		...(spec.required ? {required: spec.required} : {}),
		additionalProperties: false,
	};
}

/** The tools as listed to clients, each with its complete input schema. */
export function mcpTools(): Tool[] {
	return mcpToolNames.map(name => ({name, description: toolSpecs[name].description, inputSchema: inputSchema(toolSpecs[name])}));
}

const validators = new Map<McpToolName, ValidateFunction>();

/** The arguments checked against the tool's input schema; a mismatch is a HandoffError naming each field by its JSON path. */
function checkArguments(name: McpToolName, input: unknown): Record<string, unknown> {
	let validate = validators.get(name);
	if (!validate) {
		validate = compileSchema(inputSchema(toolSpecs[name]));
		validators.set(name, validate);
	}

	if (!validate(input)) {
		const errors = describeErrors(validate.errors).map(error => formatSchemaError(error));
		throw new HandoffError(`Invalid arguments for ${name}: ${errors.join('; ')}`, exitCode.usage);
	}

	return input as Record<string, unknown>;
}

function isToolName(name: string): name is McpToolName {
	return (mcpToolNames as readonly string[]).includes(name);
}

function text(value: string): CallToolResult {
	return {content: [{type: 'text', text: value}]};
}

function json(value: Record<string, unknown>): CallToolResult {
	return {content: [{type: 'text', text: JSON.stringify(value, null, 2)}], structuredContent: value};
}

function toolError(message: string, structured?: Record<string, unknown>): CallToolResult {
	return {isError: true, content: [{type: 'text', text: message}], ...(structured ? {structuredContent: structured} : {})};
}

async function isFile(file: string): Promise<boolean> {
	return fsp.lstat(file).then(stat => stat.isFile(), () => false);
}

/**
The hand-off a call acts on: the call's `workspace`, else the server's target, else the workspace at or above where it runs. A pipeline run folder stands for its current stage: the hand-off stage recorded `running` in run.json, looked up on every call, so the server follows the run from stage to stage.
*/
export async function resolveWorkspace(given: string | undefined, options: Pick<McpServerOptions, 'target' | 'cwd'>): Promise<string> {
	const folder = given ?? options.target;
	const base = path.resolve(options.cwd, folder ?? '.');
	if (!(await isFile(path.join(base, layout.manifest))) && (await isFile(path.join(base, runStateFile))) && (await isFile(path.join(base, runDefinitionFile)))) {
		return currentStage(base);
	}

	return folder === undefined ? locateWorkspace(undefined, {}, options.cwd) : checkWorkspace(base);
}

async function currentStage(run: string): Promise<string> {
	const {pipeline, state} = await readRun(run);
	const running = pipeline.stages.map((stage, index) => ({stage, index})).filter(({stage}) => stage.kind === 'handoff' && state.stages[stage.name]?.state === 'running');
	const current = running.at(-1);
	if (!current) {
		const stages = pipeline.stages.map(stage => `${stage.name}: ${state.stages[stage.name]?.state ?? 'not started'}`).join(', ');
		throw new HandoffError(`No hand-off stage of this pipeline run is waiting for a consumer now (${stages}); if a stage is about to start, call again in a moment`, exitCode.usage, run);
	}

	return checkWorkspace(path.join(run, stageFolderName(current.index, current.stage)));
}

/** The task part of input/instructions.md: what comes before the protocol (which the tools replace). */
function taskSection(instructions: string): string {
	const end = instructions.indexOf(`\n---\n\n${protocolHeading}`);
	return (end === -1 ? instructions : instructions.slice(0, end)).trim();
}

/** A workspace as this server claimed it: its folder's identity, so a stage folder made anew at the same path (a pipeline resumed) is a new claim. */
async function folderIdentity(workspace: string): Promise<string> {
	const stat = await fsp.stat(workspace);
	return `${stat.dev}:${stat.ino}`;
}

type CallContext = {
	signal: AbortSignal;
	progress?: (waitedMs: number, totalMs: number) => void;
};

/** One MCP server on one connection: what it claimed is remembered, so claiming again is no error. */
export function createHandoffMcpServer(options: McpServerOptions): McpServer {
	const claimed = new Set<string>();
	const mcp = new McpServer({name: mcpServerName, version: '0.1.0'}, {
		capabilities: {tools: {}},
		instructions: `Tools for a hand-off task: call get_task first, then claim, report_progress as you work, ask_question and await_answer (call again while "pending") when something is unclear, and submit_result until it says the result is valid; fail if you cannot finish. Pass the workspace the prompt names to each tool. ${mcpToolNames.join(', ')}.`,
	});

	// Who claims and finishes: --tool or HANDOFF_TOOL, else the client's own name from the MCP handshake (claude-code, codex-mcp-client, ...).
	const who = (): ConsumerIdentity => ({...options.who, tool: options.who.tool ?? mcp.server.getClientVersion()?.name});
	const handlers: Record<McpToolName, (workspace: string, input: Record<string, unknown>, context: CallContext) => Promise<CallToolResult>> = {
		async get_task(workspace) {
			const manifest = await readManifest(workspace);
			const instructions = await readInputText(workspace, layout.instructions).catch(() => undefined);
			const schema = await loadResultSchema(workspace, manifest);
			const rejection = await readInputText(workspace, layout.rejection).catch(() => undefined);
			const inputs = Object.fromEntries(Object.entries(manifest.inputs).filter(([key]) => key !== 'instructions' && key !== 'schema').map(([key, file]) => [key, path.join(workspace, file)]));
			return json({
				workspace,
				task: manifest.task,
				instructions: instructions === undefined ? undefined : taskSection(instructions),
				inputs,
				result_file: path.join(workspace, manifest.result.path),
				result_path: manifest.result.path,
				schema: schema === undefined ? undefined : parseJson(schema.text, schema.name),
				...(manifest.timeoutSeconds === undefined ? {} : {timeout_seconds: manifest.timeoutSeconds, created_at: manifest.createdAt}),
				retries: manifest.maxRetries,
				...(rejection === undefined ? {} : {rejected: rejection}),
			});
		},
		async claim(workspace) {
			const identity = await folderIdentity(workspace);
			if (claimed.has(identity)) {
				return text(`You claimed ${workspace} already; carry on.`);
			}

			const {claimedAt} = await claimTask(workspace, who());
			claimed.add(identity);
			return text(`Claimed ${workspace} at ${claimedAt}.`);
		},
		async report_progress(workspace, input) {
			await reportProgress(workspace, input.message as string);
			return text('Noted.');
		},
		async publish_partial(workspace, input) {
			const {file, schemaCheck} = await publishPartial(workspace, JSON.stringify(input.result), 'the partial result');
			if (!schemaCheck) {
				return json({file});
			}

			return json({file, ...(schemaCheck.problem === undefined ? {schema_errors: schemaErrorLines(file, schemaCheck)} : {schema_check: schemaCheck.problem})});
		},
		async ask_question(workspace, input) {
			const [asked] = await askQuestions(workspace, [{
				text: input.text as string,
				...(input.options === undefined ? {} : {options: input.options as string[]}),
				...(input.id === undefined ? {} : {id: input.id as string}),
				...(input.strict === undefined ? {} : {strict: input.strict as boolean}),
				...(input.schema === undefined ? {} : {schema: input.schema}),
			}]);
			const {id, created} = asked!;
			const answer = (await readAnswerEntries(workspace)).find(entry => entry.id === id);
			if (answer) {
				await recordReceipts(workspace, [id]);
				return json({id, created, status: 'answered', answer: answer.answer});
			}

			return json({id, created, status: 'pending', next: `call await_answer with id "${id}"`});
		},
		async await_answer(workspace, input, context) {
			const id = input.id as string;
			const seconds = (input.wait_seconds as number | undefined) ?? awaitDefaultSeconds;
			const forMs = seconds * 1000;
			const outcome = await awaitAnswers(workspace, [id], {
				forMs,
				signal: context.signal,
				heartbeatMs: progressEveryMs(options.environment),
				onWaiting() {
					// On stderr, which clients keep as the server's log: the protocol owns stdout.
					options.log(`handoff mcp: waiting up to ${seconds} s for an answer to ${id}`);
				},
				onHeartbeat: context.progress && (waitedMs => context.progress!(waitedMs, forMs)),
			});
			if (outcome.kind === 'ended') {
				return toolError(`${outcome.reason}; no answer to ${id} will come. Stop working on this hand-off.`);
			}

			if (outcome.kind === 'pending') {
				return json({id, status: 'pending', waited_seconds: seconds, next: `still open: call await_answer with id "${id}" again`});
			}

			return json({id, status: 'answered', answer: outcome.answers[0]!.answer});
		},
		async submit_result(workspace, input) {
			if (input.result !== undefined) {
				const manifest = await readManifest(workspace);
				const content = `${JSON.stringify(input.result, null, 2)}\n`;
				if (Buffer.byteLength(content) > defaultMaxBytes) {
					throw new HandoffError(`The result is over the ${formatBytes(defaultMaxBytes)} limit`, exitCode.usage);
				}

				await writeFileAtomic(resolveInsideReal(workspace, manifest.result.path, 'the result path'), content);
			}

			const outcome = await completeTask(workspace, who());
			if (!outcome.valid) {
				const count = outcome.errors.length;
				return toolError([`The result is not valid yet; nothing was signalled. Fix ${count === 1 ? 'this error' : `these ${count} errors`} (each names the field by its JSON path) and call submit_result again:`, ...outcome.errors.map(error => `  ${error}`)].join('\n'), {valid: false, errors: outcome.errors});
			}

			return json({valid: true, file: outcome.file, status: 'complete', next: 'the hand-off is complete: stop'});
		},
		async fail(workspace, input) {
			await failTask(workspace, input.reason as string, who());
			return text(`Signalled failure in ${workspace}. Stop working on this hand-off.`);
		},
	};

	mcp.server.setRequestHandler(ListToolsRequestSchema, () => ({tools: mcpTools()}));
	mcp.server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
		const {name} = request.params;
		if (!isToolName(name)) {
			return toolError(`Unknown tool ${JSON.stringify(name)}; the tools are ${mcpToolNames.join(', ')}`);
		}

		let workspace: string | undefined;
		try {
			const input = checkArguments(name, request.params.arguments ?? {});
			workspace = await resolveWorkspace(input.workspace as string | undefined, options);
			const progressToken = request.params._meta?.progressToken;
			const progress = progressToken === undefined ? undefined : (waitedMs: number, totalMs: number): void => {
				extra.sendNotification({method: 'notifications/progress', params: {progressToken, progress: Math.round(waitedMs / 1000), total: totalMs / 1000, message: 'waiting for the answer'}}).catch(() => undefined);
			};

			return await handlers[name](workspace, input, {signal: extra.signal, progress});
		} catch (error) {
			if (!isExpectedError(error)) {
				// A bug, not the caller's mistake: said in full on stderr; the server stays up for the next call.
				options.log(crashReport(error, options.environment), {multiline: true});
			}

			return toolError(describeError(error, workspace));
		}
	});
	return mcp;
}

/** Serves the tools on stdin and stdout until the client closes the connection (stdin ends). */
export async function serveMcp(options: McpServerOptions & {stdin: NodeJS.ReadableStream; stdout: NodeJS.WritableStream}): Promise<void> {
	const mcp = createHandoffMcpServer(options);
	const transport = new StdioServerTransport(options.stdin as NodeJS.ReadStream, options.stdout as NodeJS.WriteStream);
	await mcp.connect(transport);
	const closed = new Promise<void>(resolve => {
		mcp.server.onclose = resolve;
	});
	// The SDK's stdio transport does not notice the end of stdin; the client closing it is the end of the session.
	const end = (): void => {
		mcp.close().catch(() => undefined);
	};

	options.stdin.once('end', end);
	// A client gone without closing our stdin (EPIPE on stdout) ends the session too, not the process with a crash report.
	options.stdout.on('error', end);
	await closed;
}
