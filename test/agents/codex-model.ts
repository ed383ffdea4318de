import type {Move, Observation} from './obedient-model.js';
import type {ResponseItem, ResponsesRequestBody} from './responses-server.js';

/**
The Codex side of the scripted model: each Responses request becomes the obedient model's transcript, and its Move becomes
Codex's tool call. The tools are the ones Codex 0.169.0 offers (in the request's `additional_tools` item):
`exec_command` {cmd, yield_time_ms?} runs a command and returns after yield_time_ms (10 s by default) with either
"Process exited with code N" or "Process running with session ID N"; `write_stdin` {session_id, chars} with empty
chars polls a running command. Their output text, as Codex 0.169.0 returns it in `function_call_output`:

	Chunk ID: 2e13b5
	Wall time: 0.0000 seconds
	Process exited with code 0          (or: Process running with session ID 62914)
	Original token count: 78
	Output:
	<the command's output>
*/

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The text of a message's content or of a tool output (a string, or a list of text parts). */
function textOf(content: unknown): string {
	if (typeof content === 'string') {
		return content;
	}

	return Array.isArray(content) ? content.map(part => (isObject(part) && typeof part.text === 'string' ? part.text : '')).join('') : '';
}

/**
A user message that is the person's prompt, not one of the context blocks Codex sends as user messages
(`<environment_context>`, `<user_instructions>`, "# AGENTS.md instructions for ...").
*/
function isPrompt(text: string): boolean {
	const start = text.trimStart();
	return start !== '' && !start.startsWith('<') && !start.startsWith('# AGENTS.md');
}

/** One tool output as the model reads it: the command's output, its exit code, whether it is still running, and its session. */
export function readToolOutput(output: string): Observation & {kind: 'output'; sessionId?: number} {
	const marker = /^Output:\n/m.exec(output);
	const header = marker ? output.slice(0, marker.index) : output;
	const text = marker ? output.slice(marker.index + marker[0].length) : output;
	const exited = /^Process exited with code (-?\d+)$/m.exec(header);
	const running = /^Process running with session ID (\d+)$/m.exec(header);
	return {
		kind: 'output',
		text,
		...(exited ? {exitCode: Number(exited[1])} : {}),
		...(running ? {running: true, sessionId: Number(running[1])} : {}),
	};
}

/** The transcript in a request: each prompt and each tool output, in the order Codex sent them. */
export function codexTranscript(body: ResponsesRequestBody): Array<Observation & {sessionId?: number}> {
	const transcript: Array<Observation & {sessionId?: number}> = [];
	for (const item of body.input ?? []) {
		if (!isObject(item)) {
			continue;
		}

		if (item.type === 'message' && item.role === 'user') {
			const text = textOf(item.content);
			if (isPrompt(text)) {
				transcript.push({kind: 'prompt', text});
			}
		} else if (item.type === 'function_call_output') {
			transcript.push(readToolOutput(textOf(item.output)));
		}
	}

	return transcript;
}

/** The Move as Codex's output items. The call id is the transcript's length, so a retried request gets the same call. */
export function codexItems(move: Move, transcript: Array<Observation & {sessionId?: number}>): ResponseItem[] {
	const callId = `call_${transcript.length}`;
	switch (move.kind) {
		case 'shell': {
			return [{type: 'function_call', call_id: callId, name: 'exec_command', arguments: JSON.stringify({cmd: move.command})}];
		}

		case 'poll': {
			const sessionId = transcript.findLast(observation => observation.sessionId !== undefined)?.sessionId;
			if (sessionId === undefined) {
				throw new Error('the model polls, but no command is running');
			}

			return [{type: 'function_call', call_id: callId, name: 'write_stdin', arguments: JSON.stringify({session_id: sessionId, chars: ''})}];
		}

		case 'finish': {
			return [{type: 'message', role: 'assistant', id: `msg_${transcript.length}`, content: [{type: 'output_text', text: move.text}]}];
		}

		case 'write':
		case 'read': {
			throw new Error(`Codex has no file tool for the model's ${move.kind} move (${move.why})`);
		}
	}
}

/** A `respond` for the Responses server that asks `next` for each move. */
export function codexResponder(next: (transcript: Observation[]) => Move): (body: ResponsesRequestBody) => ResponseItem[] {
	return body => {
		const transcript = codexTranscript(body);
		return codexItems(next(transcript.map(({sessionId: _, ...observation}) => observation)), transcript);
	};
}
