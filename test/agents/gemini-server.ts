import fs from 'node:fs';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import path from 'node:path';
import type {Move, ObedientModel, Observation} from './obedient-model.js';

/**
The Gemini API as the real Gemini CLI calls it, played by the scripted model, on 127.0.0.1 only.

With `GOOGLE_GEMINI_BASE_URL=http://127.0.0.1:PORT`, `GEMINI_API_KEY` set and the auth type `gemini-api-key` in its
settings (geminiEnvironment below), Gemini CLI 0.61.0 makes three kinds of request here:
- `POST /v1beta/models/<model>:streamGenerateContent?alt=sse`: each step of its agent loop. The body's `contents` is
  the whole conversation; the answer is server-sent events, `data: <GenerateContentResponse>` each followed by a blank
  line (the SDK's `responseLineRE = /^\s*data: (.*)(?:\n\n|\r\r|\r\n\r\n)/` in the 0.61.0 bundle).
- `POST /v1beta/models/<model>:generateContent`: one-off JSON questions with a `responseJsonSchema`, such as the model
  router's complexity score (`{complexity_reasoning, complexity_score}`) and the next-speaker check. They are answered
  with an object made from that schema.
- `POST /v1beta/models/<model>:countTokens`: answered with a rough count.

The response shapes follow the recorded responses gemini-cli replays in its own integration tests:
google-gemini/gemini-cli@5411f113cafae26161b4969b0237b8e1e024e2c2 integration-tests/policy-headless-shell-allowed.responses
(a text chunk, a `functionCall` chunk with `{name: 'run_shell_command', args: {command, description}}`, a last chunk
with `finishReason: 'STOP'`, each with `usageMetadata`) and integration-tests/parallel-tools.responses (`generateContent`
answers), replayed by packages/core/src/core/fakeContentGenerator.ts. The shell tool's result text
(`Output: ...\nExit Code: N\nProcess Group PGID: N`, the exit code only when it is not 0, wrapped in
`<untrusted_context>`) is read the way the CLI's own `formatShellPreview` splits it (packages/core, 0.61.0 bundle).
*/

export type GeminiServerOptions = {
	model: ObedientModel;
	/** Model requests (agent-loop steps) it answers at most; after that it ends the turn with a text saying so. */
	maxRequests?: number;
	/** How long it answers, from its start; after that it ends the turn with a text saying so. */
	maxMs?: number;
};

export type GeminiServer = {
	/** The base URL for GOOGLE_GEMINI_BASE_URL. */
	baseUrl: string;
	/** Every request, in order, as "<method> <path>" with what kind it was. */
	requests: string[];
	/** What went wrong on this side: a limit reached, a move the CLI has no tool for, a model that gave up, an unknown endpoint. */
	problems: string[];
	/** The models the CLI asked for by name in its agent-loop requests. */
	models: Set<string>;
	/** The tools the CLI declared in its last agent-loop request, each with its parameter names. */
	tools: Map<string, string[]>;
	/** What the scripted model decided so far, and what went wrong here: for a failing test's message. */
	story(): string;
	close(): Promise<void>;
};

type Part = {
	text?: string;
	thought?: boolean;
	functionCall?: {name?: string; args?: Record<string, unknown>};
	functionResponse?: {name?: string; response?: {output?: unknown; error?: unknown}};
};
type Content = {role?: string; parts?: Part[]};
type FunctionDeclaration = {name?: string; parametersJsonSchema?: {properties?: Record<string, unknown>}; parameters?: {properties?: Record<string, unknown>}};
type GenerateRequest = {
	contents?: Content[];
	tools?: Array<{functionDeclarations?: FunctionDeclaration[]}>;
	generationConfig?: {responseJsonSchema?: JsonSchema; responseSchema?: JsonSchema};
};
type JsonSchema = {type?: string; properties?: Record<string, JsonSchema>; required?: string[]; enum?: unknown[]; items?: JsonSchema};

/** The sections of the shell tool's result, as formatShellPreview splits them. */
const shellSection = /^(Output|Error|Exit Code|Signal|Background PIDs|Process Group PGID): /m;
/** The context the CLI puts before the user's prompt in its first message (date, OS, folder listing). */
const sessionContext = /^\s*<session_context>/;
/** A request body larger than this is refused (a whole conversation is a few hundred kB at most here). */
const bodyLimit = 8 * 1024 * 1024;

export async function startGeminiServer({model, maxRequests = 150, maxMs = 280_000}: GeminiServerOptions): Promise<GeminiServer> {
	const startedAt = Date.now();
	const requests: string[] = [];
	const problems: string[] = [];
	const models = new Set<string>();
	const tools = new Map<string, string[]>();
	let modelRequests = 0;

	const server = http.createServer((request, response) => {
		const chunks: Buffer[] = [];
		let size = 0;
		request.on('data', (chunk: Buffer) => {
			size += chunk.length;
			if (size <= bodyLimit) {
				chunks.push(chunk);
			}
		});
		request.on('end', () => {
			const url = new URL(request.url ?? '/', 'http://127.0.0.1');
			const route = /^\/v1beta\/models\/([^/:]+):(streamGenerateContent|generateContent|countTokens)$/.exec(url.pathname);
			requests.push(`${request.method} ${url.pathname}${url.search}`);
			if (request.method !== 'POST' || !route || size > bodyLimit) {
				problems.push(`unexpected request: ${request.method} ${url.pathname}${size > bodyLimit ? ` (${size} bytes)` : ''}`);
				sendJson(response, 404, {error: {code: 404, message: 'not played by the scripted model', status: 'NOT_FOUND'}});
				return;
			}

			let body: GenerateRequest;
			try {
				body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as GenerateRequest;
			} catch (error) {
				problems.push(`a request body that is not JSON: ${(error as Error).message}`);
				sendJson(response, 400, {error: {code: 400, message: 'not JSON', status: 'INVALID_ARGUMENT'}});
				return;
			}

			const [, modelName, method] = route;
			const usage = {promptTokenCount: estimateTokens(body.contents), candidatesTokenCount: 0, totalTokenCount: 0};
			if (method === 'countTokens') {
				sendJson(response, 200, {totalTokens: usage.promptTokenCount});
				return;
			}

			if (method === 'generateContent') {
				const schema = body.generationConfig?.responseJsonSchema ?? body.generationConfig?.responseSchema;
				const text = schema ? JSON.stringify(valueFor(schema)) : '';
				sendJson(response, 200, {
					candidates: [{content: {role: 'model', parts: [{text}]}, finishReason: 'STOP', index: 0}],
					usageMetadata: {...usage, candidatesTokenCount: 10, totalTokenCount: usage.promptTokenCount + 10},
					modelVersion: modelName,
				});
				return;
			}

			models.add(modelName!);
			modelRequests++;
			for (const declaration of body.tools?.flatMap(group => group.functionDeclarations ?? []) ?? []) {
				if (declaration.name) {
					tools.set(declaration.name, Object.keys(declaration.parametersJsonSchema?.properties ?? declaration.parameters?.properties ?? {}));
				}
			}

			streamParts(response, modelName!, usage, answer(body));
		});
	});

	/** The parts of the model's next turn: its move as a tool call, or a text that ends the turn. */
	function answer(body: GenerateRequest): Part[] {
		const limit = modelRequests > maxRequests
			? `more than ${maxRequests} model requests`
			: Date.now() - startedAt > maxMs ? `more than ${maxMs / 1000} s` : undefined;
		if (limit) {
			return giveUp(`the scripted model's limit was reached (${limit})`);
		}

		let move: Move;
		const observations = transcript(body.contents ?? []);
		try {
			move = model.next(observations);
		} catch (error) {
			const last = observations.slice(-3).map(observation => JSON.stringify(observation).slice(0, 300)).join('\n  ');
			return giveUp(`the scripted model could not go on: ${(error as Error).message}; the last observations:\n  ${last}`);
		}

		switch (move.kind) {
			case 'finish': {
				return [{text: move.text}];
			}

			case 'shell': {
				return call(move.why, 'run_shell_command', {command: move.command, description: move.why});
			}

			case 'write': {
				return call(move.why, 'write_file', {[parameter('write_file', ['file_path', 'absolute_path'])]: move.path, content: move.content});
			}

			case 'read': {
				return call(move.why, 'read_file', {[parameter('read_file', ['file_path', 'absolute_path'])]: move.path});
			}

			case 'poll': {
				// Gemini's shell tool returns only once the command has ended; there is nothing to poll.
				return giveUp('the scripted model asked to poll a command, which Gemini CLI has no tool for');
			}
		}
	}

	function giveUp(reason: string): Part[] {
		problems.push(reason);
		return [{text: `I have to stop: ${reason}.`}];
	}

	/** A tool call, after a sentence saying why (as a model writes one), when the CLI declared that tool. */
	function call(why: string, name: string, args: Record<string, unknown>): Part[] {
		if (!tools.has(name)) {
			return giveUp(`Gemini CLI declared no ${name} tool (it declared: ${[...tools.keys()].join(', ')})`);
		}

		return [{text: `${why}\n`}, {functionCall: {name, args}}];
	}

	/** The tool's name for a path parameter, as this version declares it (`file_path` in 0.61.0; `absolute_path` in older ones). */
	function parameter(tool: string, candidates: string[]): string {
		const declared = tools.get(tool) ?? [];
		return candidates.find(name => declared.includes(name)) ?? candidates[0]!;
	}

	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', resolve);
	});
	const {port} = server.address() as AddressInfo;
	return {
		baseUrl: `http://127.0.0.1:${port}`,
		requests,
		problems,
		models,
		tools,
		story: () => [
			'--- the scripted model ---',
			...model.log(),
			...(problems.length > 0 ? ['--- problems ---', ...problems] : []),
			`--- ${requests.length} requests ---`,
			...requests.slice(-20),
		].join('\n'),
		async close() {
			server.closeAllConnections();
			await new Promise<void>(resolve => {
				server.close(() => {
					resolve();
				});
			});
		},
	};
}

/**
What the CLI sent, as the scripted model reads it: the user's prompt (without the CLI's own session context), then each
tool result in order. Every request carries the whole conversation, so the transcript is rebuilt each time.
*/
export function transcript(contents: Content[]): Observation[] {
	const observations: Observation[] = [];
	for (const content of contents) {
		if (content.role === 'model') {
			continue;
		}

		const texts: string[] = [];
		for (const part of content.parts ?? []) {
			if (part.functionResponse) {
				observations.push(toolOutput(part.functionResponse));
			} else if (typeof part.text === 'string' && !part.thought && !sessionContext.test(part.text)) {
				texts.push(part.text);
			}
		}

		if (texts.length > 0) {
			observations.push({kind: 'prompt', text: texts.join('\n')});
		}
	}

	return observations;
}

/** One tool result: what the command printed and its exit code for the shell tool; the output or the error for the others. */
function toolOutput({name, response}: NonNullable<Part['functionResponse']>): Observation {
	const error = response?.error === undefined ? undefined : (typeof response.error === 'string' ? response.error : JSON.stringify(response.error));
	const output = typeof response?.output === 'string' ? response.output : (response?.output === undefined ? '' : JSON.stringify(response.output));
	if (error !== undefined) {
		// Denied by its policy, or the tool failed: there is no exit code.
		return {kind: 'output', text: error};
	}

	if (name !== 'run_shell_command') {
		return {kind: 'output', text: output};
	}

	const sections = shellSections(output);
	if (!sections) {
		// "Command was automatically cancelled because it exceeded the timeout ..." and other results without sections.
		return {kind: 'output', text: output};
	}

	const printed = sections.get('Output') ?? '';
	const exitCode = sections.has('Exit Code') ? Number(sections.get('Exit Code')) : (sections.has('Error') || sections.has('Signal') ? undefined : 0);
	const extra = ['Error', 'Signal'].filter(key => sections.has(key)).map(key => `${key}: ${sections.get(key)}`);
	return {kind: 'output', text: [printed === '(empty)' ? '' : printed, ...extra].filter(Boolean).join('\n'), exitCode};
}

/** The shell result's sections by name, from inside its <untrusted_context> wrapper; undefined when it has none. */
export function shellSections(output: string): Map<string, string> | undefined {
	const inner = /<untrusted_context[^>]*>\n?([\s\S]*?)\n?<\/untrusted_context>/.exec(output)?.[1] ?? output;
	const pieces = inner.split(shellSection);
	if (pieces.length < 3) {
		return undefined;
	}

	const sections = new Map<string, string>();
	for (let index = 1; index < pieces.length; index += 2) {
		// The CLI escapes a closing tag inside the output; the model reads it back as the command printed it.
		sections.set(pieces[index]!, pieces[index + 1]!.replace(/\n$/, '').replaceAll('&lt;/untrusted_context&gt;', '</untrusted_context>'));
	}

	return sections;
}

/** A value that satisfies a Gemini response schema (types in capitals or not): the first of an enum, else a plain one. */
function valueFor(schema: JsonSchema): unknown {
	if (schema.enum && schema.enum.length > 0) {
		return schema.enum[0];
	}

	switch (schema.type?.toLowerCase()) {
		case 'object': {
			return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([key, value]) => [key, valueFor(value)]));
		}

		case 'array': {
			return [];
		}

		case 'integer':
		case 'number': {
			// The router reads a low complexity score as "use the light model".
			return 10;
		}

		case 'boolean': {
			return false;
		}

		default: {
			return 'scripted';
		}
	}
}

function estimateTokens(contents: Content[] | undefined): number {
	return Math.ceil(JSON.stringify(contents ?? []).length / 4);
}

function sendJson(response: http.ServerResponse, status: number, value: unknown): void {
	response.writeHead(status, {'content-type': 'application/json'});
	response.end(JSON.stringify(value));
}

/** The turn as the API streams it: one event per part, then an empty text with finishReason STOP, each with usage. */
function streamParts(response: http.ServerResponse, modelName: string, usage: {promptTokenCount: number}, parts: Part[]): void {
	response.writeHead(200, {'content-type': 'text/event-stream', 'cache-control': 'no-cache'});
	let candidatesTokenCount = 0;
	const event = (part: Part, finishReason?: string): string => {
		candidatesTokenCount += Math.ceil(JSON.stringify(part).length / 4);
		const chunk = {
			candidates: [{content: {role: 'model', parts: [part]}, ...(finishReason ? {finishReason} : {}), index: 0}],
			usageMetadata: {promptTokenCount: usage.promptTokenCount, candidatesTokenCount, totalTokenCount: usage.promptTokenCount + candidatesTokenCount},
			modelVersion: modelName,
		};
		return `data: ${JSON.stringify(chunk)}\r\n\r\n`;
	};

	for (const part of parts) {
		response.write(event(part));
	}

	response.end(event({text: ''}, 'STOP'));
}

/**
The environment that points a real Gemini CLI at `baseUrl` with a home of its own in `home` (created here), so the
person's ~/.gemini is never read or written: API-key auth with a dummy key, no telemetry, usage statistics, update
checks or IDE connection. Folder trust is left on (its default), so our launch flags are what trusts the workspace.
The keys are those of the 0.61.0 settings schema, as gemini-cli's own test rig writes them
(google-gemini/gemini-cli@5411f113cafae26161b4969b0237b8e1e024e2c2 packages/test-utils/src/test-rig.ts, _createSettingsFile).
*/
export function geminiEnvironment(home: string, baseUrl: string): Record<string, string> {
	fs.mkdirSync(path.join(home, '.gemini'), {recursive: true});
	const settings = {
		general: {enableAutoUpdate: false, enableAutoUpdateNotification: false},
		privacy: {usageStatisticsEnabled: false},
		telemetry: {enabled: false},
		security: {auth: {selectedType: 'gemini-api-key'}},
		ide: {enabled: false},
	};
	fs.writeFileSync(path.join(home, '.gemini', 'settings.json'), JSON.stringify(settings, null, '\t'));
	return {
		HOME: home,
		GEMINI_CLI_HOME: home,
		GEMINI_API_KEY: 'scripted-model',
		GOOGLE_GEMINI_BASE_URL: baseUrl,
		// The loopback address never goes through a proxy the person may have set.
		NO_PROXY: '127.0.0.1',
		no_proxy: '127.0.0.1',
	};
}

/** Variables of the person's environment that would change which account, model or endpoint Gemini CLI uses. */
export function foreignGeminiVariables(environment: NodeJS.ProcessEnv = process.env): string[] {
	return Object.keys(environment).filter(key => /^(GEMINI_|GOOGLE_)/.test(key));
}
