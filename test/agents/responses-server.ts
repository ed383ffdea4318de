import http from 'node:http';
import type {AddressInfo} from 'node:net';

/**
A scripted model behind the OpenAI Responses API, as the Codex CLI uses it: `POST /v1/responses` with `stream: true`,
answered with server-sent events. It listens on the loopback address only and answers a bounded number of requests
within a bounded time; past either bound it refuses, and `failure` says why (the test fails with it).

The event shapes are those of Codex's own mock server, openai/codex codex-rs/core/tests/common/responses.rs
(commit 03c6d30a608753394657450032f4f82a1f39281d): `sse()` writes `event: <type>` and `data: <json>` per event;
`ev_response_created`, `ev_function_call` (response.output_item.done with a function_call item {call_id, name,
arguments}), `ev_assistant_message` (a message item with output_text content) and `ev_completed_with_tokens`
(response.completed with usage).
*/

/** What the model returns in one response: output items, in order. */
export type ResponseItem =
	| {type: 'function_call'; call_id: string; name: string; arguments: string}
	| {type: 'message'; role: 'assistant'; id: string; content: Array<{type: 'output_text'; text: string}>};

export type ResponsesRequestBody = {model?: string; stream?: boolean; input?: unknown[]; [key: string]: unknown};

export type ResponsesServerOptions = {
	/** The model's answer to one request (the request's body, and its number from 0). A throw fails the request and the test. */
	respond: (body: ResponsesRequestBody, index: number) => ResponseItem[];
	/** At most this many requests are answered. */
	maxRequests: number;
	/** Requests after this many milliseconds from the start are refused. */
	maxMs: number;
};

export type ResponsesServer = {
	/** The provider's base_url for Codex's config: http://127.0.0.1:PORT/v1 */
	baseUrl: string;
	/** Every request body, in order. */
	requests: ResponsesRequestBody[];
	/** Why a request was refused or could not be answered (the first reason), if one was. */
	failure(): string | undefined;
	close(): Promise<void>;
};

/** The token counts every response reports (the test checks that they reach metadata.json). */
export const scriptedUsage = {inputTokens: 1000, outputTokens: 50};

/** `event: <type>` and `data: <json>` for each event, as codex-rs/core/tests/common/responses.rs `sse()` writes them. */
export function sse(events: Array<{type: string; [key: string]: unknown}>): string {
	return events.map(event => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`).join('');
}

/** One whole response: created, each item done, completed with usage (ev_response_created, ev_function_call / ev_assistant_message, ev_completed_with_tokens). */
export function responseEvents(id: string, items: ResponseItem[]): string {
	return sse([
		{type: 'response.created', response: {id}},
		...items.map(item => ({type: 'response.output_item.done', item})),
		{
			type: 'response.completed',
			response: {
				id,
				usage: {input_tokens: scriptedUsage.inputTokens, input_tokens_details: null, output_tokens: scriptedUsage.outputTokens, output_tokens_details: null, total_tokens: scriptedUsage.inputTokens + scriptedUsage.outputTokens},
			},
		},
	]);
}

/** A request body is at most this large (Codex's first request, with its tool list and instructions, is about 60 kB). */
const maxBodyBytes = 8 * 1024 * 1024;

export async function startResponsesServer({respond, maxRequests, maxMs}: ResponsesServerOptions): Promise<ResponsesServer> {
	const requests: ResponsesRequestBody[] = [];
	const started = Date.now();
	let failure: string | undefined;
	const refuse = (response: http.ServerResponse, status: number, reason: string): void => {
		failure ??= reason;
		// A 400 is not retried: Codex ends the turn with the message, which reaches the test as codex's error.
		response.writeHead(status, {'content-type': 'application/json'}).end(JSON.stringify({error: {message: `scripted model: ${reason}`, type: 'invalid_request_error'}}));
	};

	const server = http.createServer((request, response) => {
		const chunks: Buffer[] = [];
		let size = 0;
		request.on('data', (chunk: Buffer) => {
			size += chunk.length;
			if (size <= maxBodyBytes) {
				chunks.push(chunk);
			}
		});
		request.on('end', () => {
			if (request.method !== 'POST' || !request.url?.endsWith('/responses')) {
				refuse(response, 404, `unexpected ${request.method} ${request.url}`);
				return;
			}

			if (size > maxBodyBytes) {
				refuse(response, 400, `a request body of ${size} bytes`);
				return;
			}

			if (requests.length >= maxRequests) {
				refuse(response, 400, `more than ${maxRequests} requests`);
				return;
			}

			if (Date.now() - started > maxMs) {
				refuse(response, 400, `a request after ${maxMs} ms`);
				return;
			}

			let items: ResponseItem[];
			try {
				const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ResponsesRequestBody;
				requests.push(body);
				if (body.stream !== true) {
					throw new Error('the request does not ask for a stream');
				}

				items = respond(body, requests.length - 1);
			} catch (error) {
				refuse(response, 400, `request ${requests.length}: ${(error as Error).message}`);
				return;
			}

			response.writeHead(200, {'content-type': 'text/event-stream', 'cache-control': 'no-cache'});
			response.end(responseEvents(`resp_${requests.length}`, items));
		});
	});

	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		// Loopback only: nothing outside this machine can reach the scripted model.
		server.listen(0, '127.0.0.1', () => {
			resolve();
		});
	});
	const {port} = server.address() as AddressInfo;
	return {
		baseUrl: `http://127.0.0.1:${port}/v1`,
		requests,
		failure: () => failure,
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
