import {describe, expect, test} from 'vitest';
import {codexItems, codexTranscript, readToolOutput} from './codex-model.js';
import {startResponsesServer, type ResponseItem} from './responses-server.js';

const say = (text: string): ResponseItem[] => [{type: 'message', role: 'assistant', id: 'm', content: [{type: 'output_text', text}]}];

async function post(url: string, body: unknown): Promise<{status: number; text: string; type: string | null}> {
	const response = await fetch(url, {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify(body)});
	return {status: response.status, text: await response.text(), type: response.headers.get('content-type')};
}

describe('the scripted Responses server', () => {
	test('answers POST /v1/responses with the SSE events Codex reads, on the loopback address', async () => {
		const server = await startResponsesServer({respond: body => say(`got ${body.input?.length ?? 0} items`), maxRequests: 5, maxMs: 10_000});
		try {
			expect(server.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
			const {status, text, type} = await post(`${server.baseUrl}/responses`, {model: 'm', stream: true, input: [{}, {}]});
			expect(status).toBe(200);
			expect(type).toBe('text/event-stream');
			const events = text.split('\n\n').filter(Boolean).map(block => {
				const [eventLine, dataLine] = block.split('\n');
				const data = JSON.parse(dataLine!.replace(/^data: /, '')) as {type: string; item?: unknown; response?: {usage?: unknown}};
				expect(eventLine).toBe(`event: ${data.type}`);
				return data;
			});
			expect(events.map(event => event.type)).toEqual(['response.created', 'response.output_item.done', 'response.completed']);
			expect(events[1]!.item).toEqual(say('got 2 items')[0]);
			expect(events[2]!.response?.usage).toMatchObject({input_tokens: 1000, output_tokens: 50});
			expect(server.requests).toHaveLength(1);
			expect(server.failure()).toBeUndefined();
		} finally {
			await server.close();
		}
	});

	test('refuses, and says why, past its request bound, without a stream, on another path, and when respond throws', async () => {
		const server = await startResponsesServer({respond: body => {
			if (body.model === 'boom') {
				throw new Error('the model is lost');
			}

			return say('ok');
		}, maxRequests: 2, maxMs: 10_000});
		try {
			expect((await post(`${server.baseUrl}/chat/completions`, {stream: true})).status).toBe(404);
			expect(server.failure()).toMatch(/unexpected POST \/v1\/chat\/completions/);
			expect((await post(`${server.baseUrl}/responses`, {model: 'boom', stream: true})).text).toMatch(/the model is lost/);
			expect((await post(`${server.baseUrl}/responses`, {model: 'm'})).text).toMatch(/does not ask for a stream/);
			const refused = await post(`${server.baseUrl}/responses`, {model: 'm', stream: true});
			expect(refused.status).toBe(400);
			expect(refused.text).toMatch(/more than 2 requests/);
		} finally {
			await server.close();
		}
	});

	test('refuses requests after its time bound', async () => {
		const server = await startResponsesServer({respond: () => say('late'), maxRequests: 5, maxMs: 0});
		try {
			await new Promise(resolve => {
				setTimeout(resolve, 5);
			});
			expect((await post(`${server.baseUrl}/responses`, {stream: true})).status).toBe(400);
			expect(server.failure()).toMatch(/after 0 ms/);
		} finally {
			await server.close();
		}
	});
});

describe('the Codex adapter', () => {
	test('reads exec_command and write_stdin output as Codex 0.169.0 writes it', () => {
		expect(readToolOutput('Chunk ID: 2e13b5\nWall time: 0.0000 seconds\nProcess exited with code 75\nOriginal token count: 7\nOutput:\nProcess exited with code 0\nstill open\n')).toEqual({kind: 'output', text: 'Process exited with code 0\nstill open\n', exitCode: 75});
		expect(readToolOutput('Chunk ID: d0fa53\nWall time: 1.0007 seconds\nProcess running with session ID 62914\nOriginal token count: 0\nOutput:\n')).toEqual({kind: 'output', text: '', running: true, sessionId: 62914});
		// A refused call (bad arguments) has neither: the text as it is.
		expect(readToolOutput('failed to parse function arguments: invalid type')).toEqual({kind: 'output', text: 'failed to parse function arguments: invalid type'});
	});

	test('a request becomes the transcript: the prompt (not the context blocks) and each output in order; a poll goes to the running session', () => {
		const transcript = codexTranscript({input: [
			{type: 'additional_tools', role: 'developer', tools: []},
			{type: 'message', role: 'developer', content: [{type: 'input_text', text: 'You are Codex'}]},
			{type: 'message', role: 'user', content: [{type: 'input_text', text: '<environment_context>\n<cwd>/w</cwd>\n</environment_context>'}]},
			{type: 'message', role: 'user', content: [{type: 'input_text', text: 'Read /w/input/instructions.md and follow it exactly.'}]},
			{type: 'function_call', call_id: 'call_1', name: 'exec_command', arguments: '{}'},
			{type: 'function_call_output', call_id: 'call_1', output: 'Process running with session ID 7\nOutput:\nwaiting\n'},
		]});
		expect(transcript).toEqual([
			{kind: 'prompt', text: 'Read /w/input/instructions.md and follow it exactly.'},
			{kind: 'output', text: 'waiting\n', running: true, sessionId: 7},
		]);
		expect(codexItems({kind: 'poll', why: 'running'}, transcript)).toEqual([{type: 'function_call', call_id: 'call_2', name: 'write_stdin', arguments: '{"session_id":7,"chars":""}'}]);
		expect(codexItems({kind: 'shell', command: 'ls', why: ''}, transcript)).toEqual([{type: 'function_call', call_id: 'call_2', name: 'exec_command', arguments: '{"cmd":"ls"}'}]);
		expect(() => codexItems({kind: 'poll', why: 'nothing runs'}, transcript.slice(0, 1))).toThrow(/no command is running/);
		expect(() => codexItems({kind: 'write', path: '/w/x', content: '', why: 'a file tool'}, transcript)).toThrow(/no file tool/);
	});
});
