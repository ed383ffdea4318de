import path from 'node:path';

/*
Live events: each LLM CLI's machine-readable stdout stream, one JSON event a line, turned into readable one-line
items for the Progress pane and into execution metadata (tool, version, model, session id, tokens, cost).

The shapes come from each tool's own source or documentation (what was read, and at which version):

- claude-stream-json: Claude Code `-p --output-format stream-json --verbose`. Messages as parsed by
  anthropics/claude-agent-sdk-python src/claude_agent_sdk/_internal/message_parser.py (commit 008e361d):
  `system`/`init` (session_id, model, tools, claude_code_version), `assistant` (message.content blocks text,
  thinking, tool_use {id, name, input}; message.model; message.usage), `user` (tool_result {tool_use_id, content,
  is_error}), `result` (subtype success | error_max_turns | error_during_execution, is_error, num_turns,
  duration_ms, result, session_id, total_cost_usd, usage, errors). Unknown types (stream_event, rate_limit_event,
  other system subtypes) are skipped.
- codex-jsonl: `codex exec --json`. openai/codex codex-rs/exec/src/exec_events.rs (commit 08a1f30c): ThreadEvent
  tagged by `type`: thread.started {thread_id}, turn.started, turn.completed {usage {input_tokens,
  cached_input_tokens, output_tokens}}, turn.failed {error {message}}, item.started/item.updated/item.completed
  {item {id, type, ...}}, error {message}. Item types: agent_message {text}, reasoning {text}, command_execution
  {command, aggregated_output, exit_code, status}, file_change {changes [{path, kind add|delete|update}], status},
  mcp_tool_call {server, tool, arguments, error, status}, web_search {query}, todo_list {items}, error {message}.
  `input_tokens` already counts the cached ones.
- gemini-stream-json: Gemini CLI `-o stream-json`. google-gemini/gemini-cli packages/core/src/output/types.ts
  (commit 04fbf507) and packages/cli/src/nonInteractiveCli.ts (commit 024891ac): init {session_id, model},
  message {role, content, delta?} (assistant text arrives as deltas), tool_use {tool_name, tool_id, parameters},
  tool_result {tool_id, status success|error, output?, error {type, message}?}, error {severity warning|error,
  message}, result {status, error?, stats {total_tokens, input_tokens, output_tokens, cached, input,
  duration_ms, tool_calls, models {<model>: {total_tokens, ...}}}} (models as 0.61.0 prints it; init's model is the
  setting, `auto` by default, so the model that used the most tokens is the one recorded).
- cursor-stream-json: Cursor CLI `agent -p --output-format stream-json`. cursor.com/docs/cli/reference/output-format
  and a recorded stream of cursor-agent 2026.01.28 (reifying/cursor-hack docs/stream-json-events.md): system/init
  {session_id, model}, user, thinking (skipped), assistant {message.content text}, tool_call started/completed
  {call_id, tool_call {<kind>ToolCall {args, result {success|failure|rejected}}}}, result {subtype, is_error,
  duration_ms, result, session_id}. Shell results carry exitCode.
- opencode-json: opencode `run --format json`. anomalyco/opencode (formerly sst/opencode)
  packages/opencode/src/cli/cmd/run.ts (commit 00f9806c): every line is {type, timestamp, sessionID, ...}; types
  text {part {text}}, reasoning, tool_use {part: ToolPart {tool, state {status completed|error, input, output,
  error, metadata}}} (emitted once the tool ends), step_start, step_finish {part {cost, tokens {input, output,
  reasoning, cache {read, write}}}}, error {error {name, data {message}}}, done. Part shapes from
  packages/opencode/src/session/message-v2.ts (commit 007a9409); the bash tool's exit code is metadata.exit
  (packages/opencode/src/tool/bash.ts).
- qwen-stream-json: Qwen Code `-o stream-json`. QwenLM/qwen-code packages/cli/src/nonInteractive/types.ts
  (commit 139fb33e): Claude's shape, with system init `qwen_code_version`, result `usage` (no cost) and an error
  result's `error {message}`.
- amp-stream-json: Amp `-x --stream-json`, "Claude Code compatible" (ampcode.com/news/streaming-json and the Amp
  manual): system init {session_id, tools} without model, assistant messages with per-message usage (summed here),
  result without usage or cost; an error result carries `error`. Tools: Bash {cmd}, create_file/edit_file {path}.
  Amp's docs do not show a Bash result; an `{output, exitCode}` content is read when present, nothing else assumed.

Nothing here does I/O or throws on what a tool prints: a line that is not JSON is shown as it is (trimmed), an
unknown event is skipped, and text is kept as data (escape sequences included); the terminal edge sanitizes it.
*/

export const agentEventFormats = ['claude-stream-json', 'codex-jsonl', 'gemini-stream-json', 'cursor-stream-json', 'opencode-json', 'qwen-stream-json', 'amp-stream-json'] as const;
export type AgentEventFormat = (typeof agentEventFormats)[number];

/** What the stream says of the session, for output/metadata.json `execution`. Token counts include cached input. */
export type Execution = {
	tool?: string;
	version?: string;
	model?: string;
	session_id?: string;
	input_tokens?: number;
	output_tokens?: number;
	cost_usd?: number;
};

export type ParsedEvent = {
	/** Readable one-line items for the Progress pane. */
	lines: string[];
	/** What this event says of the session (for a reader: everything known so far is in `execution()`). */
	execution?: Execution;
	/** The session id, when this event names it (to resume the session). */
	sessionId?: string;
};

export type EventReaderOptions = {
	/** Paths inside this folder are shown relative to it. */
	workspace?: string;
};

export type EventReader = {
	/** One line of the tool's stdout (without its newline). */
	read(line: string): ParsedEvent;
	/** Text still held back (a streamed sentence without its end), as lines. Call when the stream ends. */
	flush(): string[];
	/** Everything the stream has said of the session so far, tokens and cost summed where the stream reports them per step. */
	execution(): Execution;
};

/** Longest item shown; the rest is cut with an ellipsis. */
export const maxItemLength = 240;
/** Most lines one message contributes; the rest are counted. */
const maxLinesPerMessage = 20;
/** A longer line is not parsed (a runaway writer); it is reported by its size. */
const maxEventLength = 8 * 1024 * 1024;

/** How each tool is named in metadata.json's `execution.tool`, in the seed's style (`claude-code`). */
const toolNames: Record<AgentEventFormat, string> = {
	'claude-stream-json': 'claude-code',
	'codex-jsonl': 'codex',
	'gemini-stream-json': 'gemini-cli',
	'cursor-stream-json': 'cursor-agent',
	'opencode-json': 'opencode',
	'qwen-stream-json': 'qwen-code',
	'amp-stream-json': 'amp',
};

/** The seed-style name of the tool behind a stream format, as `execution.tool` records it. */
export function executionToolName(format: AgentEventFormat): string {
	return toolNames[format];
}

/** One line on its own: a fresh reader reads it and lets go of any streamed text at once. Use `createEventReader` for a stream. */
export function parseAgentEvent(format: AgentEventFormat, line: string, options: EventReaderOptions = {}): ParsedEvent {
	const reader = createEventReader(format, options);
	const event = reader.read(line);
	const rest = reader.flush();
	return rest.length > 0 ? {...event, lines: [...event.lines, ...rest]} : event;
}

type Json = Record<string, unknown>;

/** What one event contributes, before the reader folds it into the running state. */
type Contribution = {
	lines: string[];
	execution?: Execution;
	/** Token and cost counts for one step, to be added up. */
	usageStep?: Usage;
	/** Token and cost counts for the whole session, replacing the sum. */
	usageTotal?: Usage;
};

type Usage = {input_tokens?: number; output_tokens?: number; cost_usd?: number};

type State = {
	/** Shell tool calls by id, so that their result can be shown as an exit status. */
	shellCalls: Set<string>;
	/** Streamed assistant text not yet ended by a newline. */
	pendingText: string;
	/** The streamed line being read was already shown cut; the rest of it is dropped. */
	discardingLine: boolean;
	/** Codex items and Cursor tool calls whose start was shown. */
	startedItems: Set<string>;
	workspace?: string;
};

export function createEventReader(format: AgentEventFormat, options: EventReaderOptions = {}): EventReader {
	const state: State = {shellCalls: new Set(), pendingText: '', discardingLine: false, startedItems: new Set(), workspace: options.workspace};
	let known: Execution = {tool: toolNames[format]};
	let summed: Usage = {};
	let total: Usage | undefined;

	const readOne = (line: string): ParsedEvent => {
		const contribution = interpret(format, line, state);
		const lines = contribution.lines;
		const execution: Execution = {...contribution.execution};
		if (contribution.usageStep) {
			summed = addUsage(summed, contribution.usageStep);
			Object.assign(execution, withoutUndefined(contribution.usageStep));
		}

		if (contribution.usageTotal) {
			total = {...total, ...withoutUndefined(contribution.usageTotal)};
			Object.assign(execution, withoutUndefined(contribution.usageTotal));
		}

		known = {...known, ...withoutUndefined(execution)};
		const hasExecution = Object.keys(withoutUndefined(execution)).length > 0;
		return {
			lines,
			...(hasExecution ? {execution: {tool: toolNames[format], ...withoutUndefined(execution)}} : {}),
			...(execution.session_id ? {sessionId: execution.session_id} : {}),
		};
	};

	return {
		read(line) {
			const parts = line.split(/\r?\n/);
			if (parts.length === 1) {
				return readOne(line);
			}

			// Several lines in one call (a caller that split on something else) are read one by one.
			const events = parts.map(part => readOne(part));
			const execution = Object.assign({}, ...events.map(event => event.execution)) as Execution;
			const sessionId = events.findLast(event => event.sessionId)?.sessionId;
			return {
				lines: events.flatMap(event => event.lines),
				...(Object.keys(execution).length > 0 ? {execution} : {}),
				...(sessionId ? {sessionId} : {}),
			};
		},
		flush: () => flushText(state),
		execution() {
			return withoutUndefined({...known, ...summed, ...total});
		},
	};
}

function interpret(format: AgentEventFormat, line: string, state: State): Contribution {
	if (line.length > maxEventLength) {
		return {lines: [...flushText(state), `(an event of ${line.length} characters, not shown)`]};
	}

	const trimmed = line.trim();
	if (trimmed === '') {
		return {lines: []};
	}

	let event: unknown;
	try {
		event = JSON.parse(trimmed);
	} catch {
		return {lines: [...flushText(state), cut(trimmed)]};
	}

	if (!isObject(event)) {
		return {lines: [...flushText(state), cut(trimmed)]};
	}

	try {
		switch (format) {
			case 'claude-stream-json':
			case 'qwen-stream-json':
			case 'amp-stream-json': {
				return claudeLike(format, event, state);
			}

			case 'codex-jsonl': {
				return codex(event, state);
			}

			case 'gemini-stream-json': {
				return gemini(event, state);
			}

			case 'cursor-stream-json': {
				return cursor(event, state);
			}

			case 'opencode-json': {
				return opencode(event, state);
			}
		}
	} catch {
		// A shape we did not foresee is skipped rather than stopping the stream.
		return {lines: []};
	}
}

// Claude Code, Qwen Code and Amp share Claude's stream-json shape.
function claudeLike(format: 'claude-stream-json' | 'qwen-stream-json' | 'amp-stream-json', event: Json, state: State): Contribution {
	const sessionId = string(event.session_id);
	switch (event.type) {
		case 'system': {
			if (event.subtype !== 'init') {
				return {lines: []};
			}

			return {
				lines: [],
				execution: {session_id: sessionId, model: string(event.model), version: string(event.claude_code_version) ?? string(event.qwen_code_version)},
			};
		}

		case 'assistant': {
			const message = object(event.message);
			const lines: string[] = [];
			for (const block of array(message?.content)) {
				const entry = object(block);
				if (entry?.type === 'text') {
					lines.push(...textLines(string(entry.text) ?? ''));
				} else if (entry?.type === 'tool_use') {
					lines.push(...describeToolCall(string(entry.name) ?? 'tool', object(entry.input) ?? {}, state, string(entry.id)));
				}
			}

			const error = string(event.error);
			if (error) {
				lines.push(`error: ${cut(error)}`);
			}

			// Claude and Qwen report the session's totals in `result`; Amp's result has none, so its per-message usage is added up.
			const usage = format === 'amp-stream-json' ? anthropicUsage(object(message?.usage)) : undefined;
			return {lines, execution: {session_id: sessionId, model: string(message?.model)}, usageStep: usage};
		}

		case 'user': {
			const message = object(event.message);
			const lines: string[] = [];
			for (const block of array(message?.content)) {
				const entry = object(block);
				if (entry?.type === 'tool_result') {
					lines.push(...toolResult(string(entry.tool_use_id), entry.is_error === true, entry.content, state, format === 'claude-stream-json'));
				}
			}

			return {lines, execution: {session_id: sessionId}};
		}

		case 'result': {
			const failed = event.is_error === true || (typeof event.subtype === 'string' && event.subtype !== 'success');
			const lines = failed ? [`error: ${cut(resultError(event))}`] : [summary([turns(event.num_turns), seconds(event.duration_ms), dollars(event.total_cost_usd)])];
			const usage = anthropicUsage(object(event.usage));
			const cost = number(event.total_cost_usd);
			const totals = usage || cost !== undefined ? {...usage, cost_usd: cost} : undefined;
			return {lines, execution: {session_id: sessionId}, usageTotal: totals};
		}

		default: {
			return {lines: []};
		}
	}
}

function resultError(event: Json): string {
	const parts: string[] = [];
	if (typeof event.subtype === 'string' && event.subtype !== 'success') {
		parts.push(event.subtype);
	}

	const error = event.error;
	const message = string(error) ?? string(object(error)?.message);
	if (message) {
		parts.push(message);
	}

	for (const entry of array(event.errors)) {
		const text = string(entry) ?? string(object(entry)?.message);
		if (text) {
			parts.push(text);
		}
	}

	// A failed run that still says success (an API error, say) puts its message in `result`.
	if (parts.length === 0 || (event.subtype === 'success' && typeof event.result === 'string')) {
		const result = firstLine(string(event.result) ?? '');
		if (result) {
			parts.push(result);
		}
	}

	return parts.length > 0 ? parts.join(': ') : 'the run failed';
}

function anthropicUsage(usage: Json | undefined): Usage | undefined {
	if (!usage) {
		return undefined;
	}

	const input = number(usage.input_tokens);
	const output = number(usage.output_tokens);
	if (input === undefined && output === undefined) {
		return undefined;
	}

	// Anthropic's input_tokens leaves out the cached part; the total prompt is the three together.
	const inputTokens = input === undefined ? undefined : input + (number(usage.cache_creation_input_tokens) ?? 0) + (number(usage.cache_read_input_tokens) ?? 0);
	return withoutUndefined({input_tokens: inputTokens, output_tokens: output});
}

function codex(event: Json, state: State): Contribution {
	switch (event.type) {
		case 'thread.started': {
			return {lines: [], execution: {session_id: string(event.thread_id)}};
		}

		case 'turn.completed': {
			const usage = object(event.usage);
			return {lines: [], usageStep: withoutUndefined({input_tokens: number(usage?.input_tokens), output_tokens: number(usage?.output_tokens)})};
		}

		case 'turn.failed': {
			return {lines: [`error: ${cut(string(object(event.error)?.message) ?? 'the turn failed')}`]};
		}

		case 'error': {
			return {lines: [`error: ${cut(string(event.message) ?? 'unknown error')}`]};
		}

		case 'item.started':
		case 'item.completed': {
			const item = object(event.item);
			return {lines: item ? codexItem(item, event.type === 'item.completed', state) : []};
		}

		default: {
			return {lines: []};
		}
	}
}

function codexItem(item: Json, completed: boolean, state: State): string[] {
	const id = string(item.id) ?? '';
	const firstSight = !state.startedItems.has(id);
	if (!completed) {
		remember(state.startedItems, id);
	} else {
		state.startedItems.delete(id);
	}

	switch (item.type) {
		case 'agent_message': {
			return completed ? textLines(string(item.text) ?? '') : [];
		}

		case 'command_execution': {
			const lines = firstSight ? [`$ ${shortenCommand(string(item.command) ?? '', state.workspace)}`] : [];
			if (completed) {
				const exitCode = number(item.exit_code);
				if (item.status === 'declined') {
					lines.push('→ declined');
				} else if (exitCode !== undefined) {
					lines.push(exitCode === 0 ? '→ exit 0' : `→ exit ${exitCode}${outputHint(string(item.aggregated_output))}`);
				} else if (item.status === 'failed') {
					lines.push(`→ failed${outputHint(string(item.aggregated_output))}`);
				}
			}

			return lines;
		}

		case 'file_change': {
			if (!completed) {
				return [];
			}

			const verbs: Record<string, string> = {add: 'add', delete: 'delete', update: 'edit'};
			const lines = array(item.changes).map(change => {
				const entry = object(change);
				return `${verbs[string(entry?.kind) ?? ''] ?? 'edit'} ${showPath(string(entry?.path) ?? '?', state.workspace)}`;
			});
			if (item.status === 'failed') {
				lines.push('→ patch failed');
			}

			return lines;
		}

		case 'mcp_tool_call': {
			const lines = firstSight ? [`tool ${string(item.server) ?? '?'}/${string(item.tool) ?? '?'}`] : [];
			const error = string(object(item.error)?.message);
			if (completed && (error || item.status === 'failed')) {
				lines.push(`→ error: ${cut(firstLine(error ?? 'failed'))}`);
			}

			return lines;
		}

		case 'web_search': {
			return firstSight ? [cut(`search ${string(item.query) ?? ''}`)] : [];
		}

		case 'error': {
			return [`error: ${cut(string(item.message) ?? 'unknown error')}`];
		}

		default: {
			// Reasoning, plans and to-do lists are the agent's notes to itself.
			return [];
		}
	}
}

function gemini(event: Json, state: State): Contribution {
	const sessionId = string(event.session_id);
	if (event.type === 'message') {
		if (event.role !== 'assistant') {
			return {lines: []};
		}

		const content = string(event.content) ?? '';
		if (event.delta === true) {
			return {lines: streamText(state, content)};
		}

		return {lines: [...flushText(state), ...textLines(content)]};
	}

	// Any other event ends the streamed text before it.
	const lines = flushText(state);
	switch (event.type) {
		case 'init': {
			return {lines, execution: {session_id: sessionId, model: string(event.model)}};
		}

		case 'tool_use': {
			lines.push(...describeToolCall(string(event.tool_name) ?? 'tool', object(event.parameters) ?? {}, state, string(event.tool_id)));
			return {lines};
		}

		case 'tool_result': {
			const failed = event.status === 'error';
			lines.push(...toolResult(string(event.tool_id), failed, failed ? string(object(event.error)?.message) : string(event.output), state, false));
			return {lines};
		}

		case 'error': {
			lines.push(`${event.severity === 'warning' ? 'warning' : 'error'}: ${cut(string(event.message) ?? 'unknown error')}`);
			return {lines};
		}

		case 'result': {
			const stats = object(event.stats);
			if (event.status === 'error') {
				const error = object(event.error);
				lines.push(`error: ${cut([string(error?.type), string(error?.message)].filter(Boolean).join(': ') || 'the run failed')}`);
			} else {
				lines.push(summary([toolCalls(stats?.tool_calls), seconds(stats?.duration_ms)]));
			}

			const usage = stats ? withoutUndefined({input_tokens: number(stats.input_tokens), output_tokens: number(stats.output_tokens)}) : undefined;
			const model = busiestModel(object(stats?.models));
			return {lines, usageTotal: usage, ...(model ? {execution: {model}} : {})};
		}

		default: {
			return {lines};
		}
	}
}

/**
The model that did most of a Gemini run, from the result's per-model stats (`{"<model>": {total_tokens, ...}}`, 0.61.0).
init names the model setting, which is `auto` by default: the CLI then routes each turn to a model of its choosing.
*/
function busiestModel(models: Json | undefined): string | undefined {
	let busiest: {name: string; tokens: number} | undefined;
	for (const [name, stats] of Object.entries(models ?? {})) {
		const tokens = number(object(stats)?.total_tokens) ?? 0;
		if (tokens > 0 && tokens > (busiest?.tokens ?? 0)) {
			busiest = {name, tokens};
		}
	}

	return busiest?.name;
}

function cursor(event: Json, state: State): Contribution {
	const sessionId = string(event.session_id);
	switch (event.type) {
		case 'system': {
			return event.subtype === 'init' ? {lines: [], execution: {session_id: sessionId, model: string(event.model)}} : {lines: []};
		}

		case 'assistant': {
			const lines: string[] = [];
			for (const block of array(object(event.message)?.content)) {
				const entry = object(block);
				if (entry?.type === 'text') {
					lines.push(...textLines(string(entry.text) ?? ''));
				}
			}

			return {lines};
		}

		case 'tool_call': {
			const call = object(event.tool_call);
			const [key, value] = Object.entries(call ?? {})[0] ?? [];
			const body = object(value);
			if (!key || !body) {
				return {lines: []};
			}

			// `shellToolCall` is the shell; `function` calls name themselves.
			const name = key === 'function' ? (string(body.name) ?? 'tool') : key.replace(/ToolCall$/, '');
			const args = object(body.args) ?? parseArguments(body.arguments);
			const id = string(event.call_id);
			if (event.subtype === 'started') {
				remember(state.startedItems, id ?? '');
				return {lines: describeToolCall(name, args, state, id)};
			}

			if (event.subtype !== 'completed') {
				return {lines: []};
			}

			const lines = id !== undefined && state.startedItems.has(id) ? [] : describeToolCall(name, args, state, id);
			state.startedItems.delete(id ?? '');
			lines.push(...cursorResult(object(body.result), id !== undefined && state.shellCalls.has(id)));
			if (id !== undefined) {
				state.shellCalls.delete(id);
			}

			return {lines};
		}

		case 'result': {
			const failed = event.is_error === true || (typeof event.subtype === 'string' && event.subtype !== 'success');
			const lines = failed ? [`error: ${cut(resultError(event))}`] : [summary([seconds(event.duration_ms)])];
			const usage = object(event.usage);
			const totals = usage ? withoutUndefined({input_tokens: number(usage.input_tokens) ?? number(usage.inputTokens), output_tokens: number(usage.output_tokens) ?? number(usage.outputTokens)}) : undefined;
			return {lines, execution: {session_id: sessionId}, usageTotal: totals && Object.keys(totals).length > 0 ? totals : undefined};
		}

		default: {
			return {lines: []};
		}
	}
}

function cursorResult(result: Json | undefined, shell: boolean): string[] {
	if (!result) {
		return [];
	}

	if (result.rejected !== undefined) {
		return ['→ rejected'];
	}

	const outcome = object(result.success) ?? object(result.failure);
	const exitCode = number(outcome?.exitCode);
	if (shell && exitCode !== undefined) {
		return [exitCode === 0 ? '→ exit 0' : `→ exit ${exitCode}${outputHint(string(outcome?.stderr) || string(outcome?.stdout))}`];
	}

	const error = result.error ?? result.failure;
	if (error !== undefined) {
		const details = object(error);
		const message = string(error) ?? string(details?.message) ?? string(details?.errorMessage) ?? string(details?.error) ?? string(details?.stderr);
		return [`→ error${message ? `: ${cut(firstLine(message))}` : ''}`];
	}

	return [];
}

function opencode(event: Json, state: State): Contribution {
	const execution: Execution = {session_id: string(event.sessionID)};
	const part = object(event.part);
	switch (event.type) {
		case 'text': {
			return {lines: textLines(string(part?.text) ?? ''), execution};
		}

		case 'tool_use': {
			const toolState = object(part?.state);
			const lines = describeToolCall(string(part?.tool) ?? 'tool', object(toolState?.input) ?? {}, state, string(part?.callID));
			const shell = state.shellCalls.has(string(part?.callID) ?? '');
			state.shellCalls.delete(string(part?.callID) ?? '');
			if (toolState?.status === 'error') {
				lines.push(`→ error: ${cut(firstLine(string(toolState.error) ?? 'failed'))}`);
			} else if (shell) {
				const exitCode = number(object(toolState?.metadata)?.exit);
				if (exitCode !== undefined) {
					lines.push(exitCode === 0 ? '→ exit 0' : `→ exit ${exitCode}${outputHint(string(toolState?.output))}`);
				}
			}

			return {lines, execution};
		}

		case 'step_finish': {
			const tokens = object(part?.tokens);
			const cache = object(tokens?.cache);
			const input = number(tokens?.input);
			return {
				lines: [],
				execution,
				usageStep: withoutUndefined({
					input_tokens: input === undefined ? undefined : input + (number(cache?.read) ?? 0) + (number(cache?.write) ?? 0),
					output_tokens: number(tokens?.output),
					cost_usd: number(part?.cost),
				}),
			};
		}

		case 'error': {
			const error = object(event.error);
			const message = string(object(error?.data)?.message) ?? string(error?.name) ?? 'unknown error';
			return {lines: [`error: ${cut(message)}`], execution};
		}

		default: {
			return {lines: [], execution};
		}
	}
}

const pathKeys = ['file_path', 'filePath', 'path', 'absolute_path', 'notebook_path', 'dir_path', 'target_file'];

/** A tool call as one item: `$ command` for a shell, `write path` for a file, else the tool's name and its main argument. */
function describeToolCall(name: string, input: Json, state: State, id: string | undefined): string[] {
	const command = string(input.command) ?? string(input.cmd);
	if (command !== undefined) {
		if (id !== undefined) {
			remember(state.shellCalls, id);
		}

		return [`$ ${shortenCommand(command, state.workspace)}`];
	}

	const file = pathKeys.map(key => string(input[key])).find(Boolean);
	if (file !== undefined) {
		return [cut(`${verb(name)} ${showPath(file, state.workspace)}`)];
	}

	const argument = ['pattern', 'query', 'url', 'globPattern', 'description', 'prompt'].map(key => string(input[key])).find(Boolean);
	return [cut(argument ? `${name} ${firstLine(argument)}` : name)];
}

function verb(name: string): string {
	const lower = name.toLowerCase();
	if (/edit|replace|patch/.test(lower)) {
		return 'edit';
	}

	if (/write|create/.test(lower)) {
		return 'write';
	}

	if (/read|view/.test(lower)) {
		return 'read';
	}

	if (/delete|remove/.test(lower)) {
		return 'delete';
	}

	if (/^ls$|list/.test(lower)) {
		return 'list';
	}

	return name;
}

/**
A tool's result. A failure shows its exit code or its first line. A shell success shows the exit code when the
result names one; else `→ ok` where the tool marks every non-zero exit as an error (Claude Code), and nothing
where it does not or may not (Gemini and Qwen report a command that exits 1 as a successful call; Amp's is not documented).
*/
function toolResult(id: string | undefined, failed: boolean, content: unknown, state: State, successMeansExitZero: boolean): string[] {
	const shell = id !== undefined && state.shellCalls.has(id);
	if (id !== undefined) {
		state.shellCalls.delete(id);
	}

	const text = contentText(content);
	const exit = shell ? exitStatus(text) : undefined;
	if (exit) {
		return [exit.code === 0 ? '→ exit 0' : `→ exit ${exit.code}${outputHint(exit.output)}`];
	}

	if (failed) {
		return [`→ error${text ? `: ${cut(firstLine(text))}` : ''}`];
	}

	return shell && successMeansExitZero ? ['→ ok'] : [];
}

/** The exit code a shell tool's result text names, and the output around it. */
function exitStatus(text: string): {code: number; output: string} | undefined {
	// Claude Code's failed Bash result: "Exit code 1\n<output>".
	const claude = /^Exit code (-?\d+)/.exec(text);
	if (claude) {
		return {code: Number(claude[1]), output: text.slice(claude[0].length)};
	}

	// Gemini CLI's and Qwen Code's shell tool: "...\nOutput: <output>\n...\nExit Code: 1".
	const gemini = /^Exit Code: (-?\d+)$/m.exec(text);
	if (gemini) {
		const output = /^Output: (.*)$/m.exec(text)?.[1];
		return {code: Number(gemini[1]), output: output === '(empty)' ? '' : (output ?? '')};
	}

	// Amp's Bash tool: {"output": ..., "exitCode": N}.
	if (text.startsWith('{')) {
		try {
			const value = object(JSON.parse(text));
			const code = number(value?.exitCode);
			return code === undefined ? undefined : {code, output: string(value?.output) ?? ''};
		} catch {}
	}

	return undefined;
}

function contentText(content: unknown): string {
	if (typeof content === 'string') {
		return content.trim();
	}

	return array(content)
		.map(block => string(object(block)?.text) ?? '')
		.join('\n')
		.trim();
}

/** The first line of a failed command's output, after the exit status. */
function outputHint(output: string | undefined): string {
	const line = firstLine(output ?? '');
	return line ? `: ${cut(line)}` : '';
}

function streamText(state: State, delta: string): string[] {
	let text = delta;
	if (state.discardingLine) {
		// The rest of a line already shown cut.
		const end = text.indexOf('\n');
		if (end === -1) {
			return [];
		}

		state.discardingLine = false;
		text = text.slice(end + 1);
	}

	state.pendingText += text;
	const lines: string[] = [];
	const end = state.pendingText.lastIndexOf('\n');
	if (end !== -1) {
		lines.push(...textLines(state.pendingText.slice(0, end)));
		state.pendingText = state.pendingText.slice(end + 1);
	}

	// A sentence longer than an item is shown cut as soon as it is, not held until it ends.
	if (state.pendingText.length > maxItemLength) {
		lines.push(...textLines(state.pendingText));
		state.pendingText = '';
		state.discardingLine = true;
	}

	return lines;
}

function flushText(state: State): string[] {
	const text = state.pendingText;
	state.pendingText = '';
	state.discardingLine = false;
	return textLines(text);
}

/** Assistant text as items: one per non-empty line, each cut to length, at most maxLinesPerMessage. */
function textLines(text: string): string[] {
	const lines = text
		.split(/\r?\n/)
		.map(line => line.trim())
		.filter(line => line !== '');
	if (lines.length <= maxLinesPerMessage) {
		return lines.map(line => cut(line));
	}

	return [...lines.slice(0, maxLinesPerMessage).map(line => cut(line)), `(${lines.length - maxLinesPerMessage} more lines)`];
}

const shellWrapper = /^(?:\S*\/)?(?:ba|z)?sh\s+-l?c\s+(['"])([\s\S]*)\1$/;

/** A command for reading: a `bash -lc '...'` wrapper removed, the program by its name, workspace paths relative, other long absolute paths shortened. */
export function shortenCommand(command: string, workspace?: string): string {
	let text = command.trim();
	const wrapped = shellWrapper.exec(text);
	if (wrapped) {
		text = wrapped[2]!.trim();
	}

	let first = true;
	text = text.replace(/(^|[\s'"=])(\/[^\s'"]*)/g, (_match, before: string, absolute: string) => {
		const isProgram = first && before === '';
		first = false;
		const inside = workspacePath(absolute, workspace);
		if (inside !== undefined) {
			return before + inside;
		}

		if (isProgram) {
			return before + path.posix.basename(absolute);
		}

		const segments = absolute.split('/').filter(Boolean);
		return before + (segments.length > 2 ? `/…/${segments.at(-1)!}` : absolute);
	});
	return cut(firstLine(text) + (text.includes('\n') ? ' …' : ''));
}

function showPath(file: string, workspace?: string): string {
	return workspacePath(file, workspace) ?? file;
}

function workspacePath(file: string, workspace?: string): string | undefined {
	if (!workspace || !path.isAbsolute(file)) {
		return undefined;
	}

	const relative = path.relative(workspace, file);
	if (relative === '') {
		return '.';
	}

	return relative.startsWith('..') || path.isAbsolute(relative) ? undefined : relative;
}

function summary(parts: Array<string | undefined>): string {
	const details = parts.filter(Boolean);
	return details.length > 0 ? `done: ${details.join(', ')}` : 'done';
}

function turns(value: unknown): string | undefined {
	const count = number(value);
	return count === undefined ? undefined : `${count} turn${count === 1 ? '' : 's'}`;
}

function toolCalls(value: unknown): string | undefined {
	const count = number(value);
	return count === undefined ? undefined : `${count} tool call${count === 1 ? '' : 's'}`;
}

function seconds(value: unknown): string | undefined {
	const milliseconds = number(value);
	return milliseconds === undefined ? undefined : `${(milliseconds / 1000).toFixed(1)} s`;
}

function dollars(value: unknown): string | undefined {
	const amount = number(value);
	return amount === undefined ? undefined : `$${amount.toFixed(4)}`;
}

function cut(text: string): string {
	return text.length > maxItemLength ? `${text.slice(0, maxItemLength - 1)}…` : text;
}

function firstLine(text: string): string {
	return (
		text
			.split(/\r?\n/)
			.map(line => line.trim())
			.find(line => line !== '') ?? ''
	);
}

function parseArguments(value: unknown): Json {
	if (typeof value !== 'string') {
		return object(value) ?? {};
	}

	try {
		return object(JSON.parse(value)) ?? {};
	} catch {
		return {};
	}
}

function addUsage(sum: Usage, step: Usage): Usage {
	const add = (a: number | undefined, b: number | undefined) => (a === undefined ? b : b === undefined ? a : a + b);
	return withoutUndefined({
		input_tokens: add(sum.input_tokens, step.input_tokens),
		output_tokens: add(sum.output_tokens, step.output_tokens),
		cost_usd: add(sum.cost_usd, step.cost_usd),
	});
}

/** Most call ids kept while waiting for their results: a stream of calls that never end cannot grow the reader without bound. */
const maxOpenCalls = 10_000;

function remember(ids: Set<string>, id: string): void {
	if (ids.size >= maxOpenCalls) {
		ids.clear();
	}

	ids.add(id);
}

function isObject(value: unknown): value is Json {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function object(value: unknown): Json | undefined {
	return isObject(value) ? value : undefined;
}

function array(value: unknown): unknown[] {
	return Array.isArray(value) ? value : [];
}

function string(value: unknown): string | undefined {
	return typeof value === 'string' ? value : undefined;
}

function number(value: unknown): number | undefined {
	return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function withoutUndefined<T extends Record<string, unknown>>(value: T): T {
	return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined && entry !== '')) as T;
}

/**
`metadata` (a parsed output/metadata.json, or anything) with `execution` merged under its `execution` key: what the
consumer wrote there is kept, the stream's facts are added, and a field the stream does not know is never blanked.
A value that is not an object becomes a fresh object.
*/
export function mergeExecution(metadata: unknown, execution: Execution): Record<string, unknown> {
	const base = isObject(metadata) ? metadata : {};
	const existing = object(base.execution) ?? {};
	const merged = {...existing, ...withoutUndefined(execution)};
	return Object.keys(merged).length > 0 ? {...base, execution: merged} : {...base};
}
