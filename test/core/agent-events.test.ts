import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {describe, expect, test} from 'vitest';
import {type AgentEventFormat, type Execution, agentEventFormats, createEventReader, maxItemLength, mergeExecution, parseAgentEvent, shortenCommand} from '../../source/core/agent-events.js';

const streams = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/agent-streams');
/** The workspace the recorded streams were made in. */
const workspace = '/home/dev/project/.handoff/workspaces/analyze-spec_20260101_120000_4242';

function recorded(format: AgentEventFormat): string[] {
	return fs.readFileSync(path.join(streams, `${format}.jsonl`), 'utf8').split('\n');
}

function readAll(format: AgentEventFormat, lines: string[], options = {workspace}): {lines: string[]; execution: Execution; sessionIds: string[]} {
	const reader = createEventReader(format, options);
	const shown: string[] = [];
	const sessionIds = new Set<string>();
	for (const line of lines) {
		const event = reader.read(line);
		shown.push(...event.lines);
		if (event.sessionId) {
			sessionIds.add(event.sessionId);
		}
	}

	shown.push(...reader.flush());
	return {lines: shown, execution: reader.execution(), sessionIds: [...sessionIds]};
}

const claim = '$ node /…/cli.js --workspace . claim';
const done = '$ node /…/cli.js --workspace . done';
const missingRisks = "→ exit 1: output/analysis.json: /risks: must have required property 'risks'";

const expected: Record<AgentEventFormat, {lines: string[]; execution: Execution}> = {
	'claude-stream-json': {
		lines: [
			"I'll start by claiming the task.",
			"Then I'll read the spec.",
			claim,
			'→ ok',
			'read input/SPEC.md',
			'write output/analysis.json',
			done,
			missingRisks,
			'edit output/analysis.json',
			done,
			'→ ok',
			'The analysis is written to output/analysis.json and the hand-off is complete.',
			'done: 8 turns, 48.2 s, $0.0731',
		],
		execution: {
			tool: 'claude-code',
			version: '2.1.29',
			model: 'claude-sonnet-4-5-20250929',
			session_id: '8f1c2a5e-3b7d-4c1e-9a0f-2d6b8e4c7a11',
			// 31 + 5210 cache creation + 98300 cache reads: the whole prompt, as the other tools count it.
			input_tokens: 103_541,
			output_tokens: 812,
			cost_usd: 0.073_124_5,
		},
	},
	'codex-jsonl': {
		lines: [
			claim,
			'→ exit 0',
			'$ cat input/SPEC.md',
			'→ exit 0',
			'add output/analysis.json',
			done,
			missingRisks,
			'edit output/analysis.json',
			done,
			'→ exit 0',
			'error: stream disconnected before completion; retrying 1/5',
			'The analysis is in output/analysis.json; the hand-off is done.',
			"error: You've hit your usage limit.",
			'error: Reconnecting... 1/5',
		],
		execution: {tool: 'codex', session_id: '0199a213-81c0-7800-8aa1-bbab2a035a53', input_tokens: 24_763, output_tokens: 122},
	},
	'gemini-stream-json': {
		lines: [
			"I'll claim the task first.",
			'Then I will read the spec.',
			// Gemini reports a command that exits 1 as a successful call, so a success says nothing.
			claim,
			'read input/SPEC.md',
			'write output/analysis.json',
			'edit input/SPEC.md',
			'→ error: Failed to edit, could not find the string to replace.',
			'warning: Loop detected, stopping execution',
			done,
			'The analysis is in output/analysis.json; the hand-off is done.',
			'done: 5 tool calls, 15.2 s',
		],
		execution: {tool: 'gemini-cli', model: 'gemini-2.5-pro', session_id: 'c3d9a2f0-5e1b-4a77-9d0e-6f2b1c8e4a90', input_tokens: 19_800, output_tokens: 680},
	},
	'cursor-stream-json': {
		lines: [
			"I'll claim the task, then read the spec.",
			claim,
			'→ exit 0',
			'read input/SPEC.md',
			'write output/analysis.json',
			done,
			'→ exit 1: output/analysis.json: /risks/0: must be string',
			'edit output/analysis.json',
			'→ error: String not found',
			'The analysis is in output/analysis.json; the hand-off is done.',
			'done: 21.9 s',
		],
		execution: {tool: 'cursor-agent', model: 'Claude 4.5 Sonnet', session_id: '5a9c3e1f-7b2d-4f60-8e1a-c4d2b9f07e33'},
	},
	'opencode-json': {
		lines: [
			"I'll claim the task first.",
			claim,
			'→ exit 0',
			'read input/SPEC.md',
			'write output/analysis.json',
			done,
			missingRisks,
			'edit output/analysis.json',
			'→ error: oldString not found in content',
			'The analysis is in output/analysis.json; the hand-off is done.',
			'error: Rate limit exceeded',
		],
		// Two steps: (1200 + 9000 + 300) + (300 + 10200) input, 150 + 40 output, 0.0123 + 0.0045 dollars.
		execution: {tool: 'opencode', session_id: 'ses_4b2a7c91effeQx3mVd0kT1sYzu', input_tokens: 21_000, output_tokens: 190, cost_usd: 0.0168},
	},
	'qwen-stream-json': {
		lines: [
			"I'll claim the task first.",
			claim,
			'→ exit 0',
			'write output/analysis.json',
			'edit output/analysis.json',
			'→ error: Failed to edit, 0 occurrences found for old_string',
			done,
			missingRisks,
			'The analysis is in output/analysis.json; the hand-off is done.',
			'error: error_max_turns: Reached the maximum number of session turns.',
		],
		execution: {tool: 'qwen-code', version: '0.5.2', model: 'qwen3-coder-plus', session_id: 'b7e1f0a2-9c4d-4e8b-a1f3-5d6c7e8f9a0b', input_tokens: 45_000, output_tokens: 900},
	},
	'amp-stream-json': {
		lines: [
			"I'll claim the task first.",
			claim,
			'→ exit 0',
			'write output/analysis.json',
			'Grep TODO',
			'→ error: grep failed: no such directory',
			'The analysis is in output/analysis.json; the hand-off is done.',
			'done: 4 turns, 29.1 s',
		],
		// Amp's result has no usage: its messages' usage is added up (cache reads and writes included).
		execution: {tool: 'amp', session_id: 'T-019c479a-39cc-72af-a2d1-65a965c076ec', input_tokens: 51_936, output_tokens: 240},
	},
};

describe('recorded streams', () => {
	for (const format of agentEventFormats) {
		test(`${format}: readable lines and execution metadata`, () => {
			const result = readAll(format, recorded(format));
			expect(result.lines).toEqual(expected[format].lines);
			expect(result.execution).toEqual(expected[format].execution);
			expect(result.sessionIds).toEqual([expected[format].execution.session_id]);
		});

		test(`${format}: without a workspace, paths stay absolute and commands are shortened`, () => {
			const {lines} = readAll(format, recorded(format), {workspace: ''});
			expect(lines).toContain('$ node /…/cli.js --workspace /…/analyze-spec_20260101_120000_4242 claim');
			expect(lines.some(line => line.endsWith(`${workspace}/output/analysis.json`))).toBe(true);
		});

		test(`${format}: every torn or garbled line is read without throwing`, () => {
			const reader = createEventReader(format, {workspace});
			for (const line of recorded(format)) {
				for (let end = 0; end <= line.length; end += Math.max(1, Math.floor(line.length / 40))) {
					const torn = reader.read(line.slice(0, end));
					expect(Array.isArray(torn.lines)).toBe(true);
				}

				// Every value swapped for a number, null, an array or an object: shapes no tool sends must not throw.
				for (const swap of ['1', 'null', '[]', '{}', '"x"']) {
					reader.read(line.replaceAll(/"[^"]*"(?=\s*[,}\]])/g, swap));
				}
			}

			expect(reader.flush().every(entry => typeof entry === 'string')).toBe(true);
		});
	}

	test('a chunk of several lines in one call reads as the lines one by one', () => {
		for (const format of agentEventFormats) {
			const reader = createEventReader(format, {workspace});
			const chunk = recorded(format).join('\r\n');
			const event = reader.read(chunk);
			expect([...event.lines, ...reader.flush()]).toEqual(expected[format].lines);
			expect(reader.execution()).toEqual(expected[format].execution);
			expect(event.sessionId).toBe(expected[format].execution.session_id);
		}

		expect(parseAgentEvent('codex-jsonl', 'warning: one\n\n  two  ').lines).toEqual(['warning: one', 'two']);
	});

	test('lines appear as the events arrive, before the tool ends', () => {
		// The issue: "Claude's stream is not used, so nothing shows until the tool exits."
		const reader = createEventReader('claude-stream-json', {workspace});
		const [init, firstMessage, toolUse] = recorded('claude-stream-json');
		expect(reader.read(init!).lines).toEqual([]);
		expect(reader.execution().session_id).toBe('8f1c2a5e-3b7d-4c1e-9a0f-2d6b8e4c7a11');
		expect(reader.read(firstMessage!).lines).toEqual(["I'll start by claiming the task.", "Then I'll read the spec."]);
		expect(reader.read(toolUse!).lines).toEqual([claim]);
	});

	test('every line a recorded stream holds is one that is shown or deliberately skipped: no format yields an empty stream', () => {
		for (const format of agentEventFormats) {
			expect(readAll(format, recorded(format)).lines.length).toBeGreaterThan(5);
		}
	});
});

describe('parseAgentEvent (one line on its own)', () => {
	test('an init event names the session, the model and the version', () => {
		const event = parseAgentEvent('claude-stream-json', recorded('claude-stream-json')[0]!);
		expect(event).toEqual({
			lines: [],
			execution: {tool: 'claude-code', session_id: '8f1c2a5e-3b7d-4c1e-9a0f-2d6b8e4c7a11', model: 'claude-sonnet-4-5-20250929', version: '2.1.29'},
			sessionId: '8f1c2a5e-3b7d-4c1e-9a0f-2d6b8e4c7a11',
		});
		expect(parseAgentEvent('codex-jsonl', '{"type":"thread.started","thread_id":"abc"}')).toEqual({lines: [], execution: {tool: 'codex', session_id: 'abc'}, sessionId: 'abc'});
	});

	test('Gemini CLI 0.61.0 with the model setting "auto": the model recorded is the one its result says did the work', () => {
		// The init and result lines of a real run of gemini 0.61.0 (against the scripted model of test/agents).
		const reader = createEventReader('gemini-stream-json');
		reader.read('{"type":"init","timestamp":"2026-11-24T15:38:17.306Z","session_id":"481e8cb3-c6cc-4f05-bd0d-ed6afc9a113d","model":"auto"}');
		expect(reader.execution().model).toBe('auto');
		const result = reader.read('{"type":"result","timestamp":"2026-11-24T15:38:18.388Z","status":"success","stats":{"total_tokens":30,"input_tokens":20,"output_tokens":10,"cached":0,"input":20,"duration_ms":1082,"tool_calls":1,"models":{"gemini-3.5-flash-lite":{"total_tokens":0,"input_tokens":0,"output_tokens":0,"cached":0,"input":0},"gemini-3.1-pro-preview":{"total_tokens":30,"input_tokens":20,"output_tokens":10,"cached":0,"input":20}}}}');
		expect(result.execution).toEqual({tool: 'gemini-cli', model: 'gemini-3.1-pro-preview', input_tokens: 20, output_tokens: 10});
		expect(reader.execution()).toEqual({tool: 'gemini-cli', session_id: '481e8cb3-c6cc-4f05-bd0d-ed6afc9a113d', model: 'gemini-3.1-pro-preview', input_tokens: 20, output_tokens: 10});
		// No per-model stats (older versions), or none that used a token: the init's model stays.
		expect(parseAgentEvent('gemini-stream-json', '{"type":"result","status":"success","stats":{"models":{"a":{"total_tokens":0}}}}').execution?.model).toBeUndefined();
	});

	test('a completed codex command seen alone shows its command and its exit code', () => {
		const line = JSON.stringify({type: 'item.completed', item: {id: 'i', type: 'command_execution', command: "bash -lc 'npm test'", aggregated_output: 'FAIL  test/x.test.ts\n2 failed', exit_code: 1, status: 'failed'}});
		expect(parseAgentEvent('codex-jsonl', line).lines).toEqual(['$ npm test', '→ exit 1: FAIL  test/x.test.ts']);
	});

	test('a streamed gemini sentence alone is shown at once', () => {
		expect(parseAgentEvent('gemini-stream-json', '{"type":"message","role":"assistant","content":"Half a sent","delta":true}').lines).toEqual(['Half a sent']);
	});

	test('token counts of one step are reported as that step', () => {
		expect(parseAgentEvent('codex-jsonl', '{"type":"turn.completed","usage":{"input_tokens":10,"cached_input_tokens":4,"output_tokens":3}}').execution).toEqual({tool: 'codex', input_tokens: 10, output_tokens: 3});
	});

	test('a claude run that failed while saying success shows its message as an error', () => {
		const line = JSON.stringify({type: 'result', subtype: 'success', is_error: true, duration_ms: 300, num_turns: 1, result: 'Invalid API key · Please run /login', session_id: 's', total_cost_usd: 0});
		expect(parseAgentEvent('claude-stream-json', line).lines).toEqual(['error: Invalid API key · Please run /login']);
		const maxTurns = JSON.stringify({type: 'result', subtype: 'error_max_turns', is_error: true, num_turns: 3, session_id: 's', errors: ['Reached maximum number of turns (3)']});
		expect(parseAgentEvent('claude-stream-json', maxTurns).lines).toEqual(['error: error_max_turns: Reached maximum number of turns (3)']);
	});
});

describe('what a tool prints that is not its stream', () => {
	test('a non-JSON line is shown as it is, trimmed; a blank line is nothing', () => {
		for (const format of agentEventFormats) {
			expect(parseAgentEvent(format, '  Loaded cached credentials.  \r').lines).toEqual(['Loaded cached credentials.']);
			expect(parseAgentEvent(format, '   ').lines).toEqual([]);
			expect(parseAgentEvent(format, '{"type": "assistant", "message": ').lines).toEqual(['{"type": "assistant", "message":']);
			expect(parseAgentEvent(format, '42').lines).toEqual(['42']);
		}
	});

	test('an unknown event type is skipped, and so is an event of the wrong shape', () => {
		for (const format of agentEventFormats) {
			expect(parseAgentEvent(format, '{"type":"something_new","payload":{"a":1}}').lines).toEqual([]);
			expect(parseAgentEvent(format, '{"no_type":true}').lines).toEqual([]);
			expect(parseAgentEvent(format, '{"type":"assistant","message":"not an object"}').lines).toEqual([]);
			expect(parseAgentEvent(format, '{"type":"item.completed","item":[1,2]}').lines).toEqual([]);
			expect(parseAgentEvent(format, '{"type":"tool_call","subtype":"completed","tool_call":{"shellToolCall":5}}').lines).toEqual([]);
		}
	});

	test('a huge line is reported by its size, not parsed; a long text is cut, a long message capped', () => {
		const huge = `{"type":"assistant","message":{"content":[{"type":"text","text":"${'x'.repeat(9 * 1024 * 1024)}"}]}}`;
		expect(parseAgentEvent('claude-stream-json', huge).lines).toEqual([`(an event of ${huge.length} characters, not shown)`]);

		const long = JSON.stringify({type: 'assistant', message: {content: [{type: 'text', text: 'y'.repeat(5000)}]}});
		const [line] = parseAgentEvent('claude-stream-json', long).lines;
		expect(line).toHaveLength(maxItemLength);
		expect(line!.endsWith('…')).toBe(true);

		const many = JSON.stringify({type: 'item.completed', item: {id: 'm', type: 'agent_message', text: Array.from({length: 50}, (_, index) => `line ${index}`).join('\n')}});
		const lines = parseAgentEvent('codex-jsonl', many).lines;
		expect(lines).toHaveLength(21);
		expect(lines.at(-1)).toBe('(30 more lines)');

		expect(parseAgentEvent('cursor-stream-json', `  ${'z'.repeat(100_000)}`).lines[0]).toHaveLength(maxItemLength);
	});

	test('a long streamed sentence is shown cut as soon as it is too long, and the rest of it dropped', () => {
		const reader = createEventReader('gemini-stream-json');
		const delta = (content: string) => reader.read(JSON.stringify({type: 'message', role: 'assistant', content, delta: true})).lines;
		const shown: string[] = [];
		for (let index = 0; index < 500; index++) {
			shown.push(...delta('word '));
		}

		expect(shown).toHaveLength(1);
		expect(shown[0]).toHaveLength(maxItemLength);
		expect(shown[0]!.startsWith('word word')).toBe(true);
		expect(delta(' end of it.\nNext sentence.\nAnd')).toEqual(['Next sentence.']);
		expect(reader.flush()).toEqual(['And']);
	});

	test('deeply nested JSON does not throw', () => {
		const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
		expect(() => parseAgentEvent('codex-jsonl', deep)).not.toThrow();
		const deepObject = `{"type":"assistant","message":{"content":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`;
		expect(() => parseAgentEvent('claude-stream-json', deepObject)).not.toThrow();
	});

	test('escape sequences in text and commands are kept as data (the terminal edge sanitizes them)', () => {
		const text = 'Red \u001B[31malert\u001B[0m and a bell\u0007 and \u001B]8;;http://x\u001B\\link';
		const assistant = JSON.stringify({type: 'assistant', message: {content: [{type: 'text', text}]}});
		expect(parseAgentEvent('claude-stream-json', assistant).lines).toEqual([text]);
		const command = JSON.stringify({type: 'item.started', item: {id: 'c', type: 'command_execution', command: 'printf "\u001B[2J"', aggregated_output: '', exit_code: null, status: 'in_progress'}});
		expect(parseAgentEvent('codex-jsonl', command).lines).toEqual(['$ printf "\u001B[2J"']);
		expect(parseAgentEvent('gemini-stream-json', '\u001B[2Kplain \u001B[1mbold').lines).toEqual(['\u001B[2Kplain \u001B[1mbold']);
	});

	test('keys that name Object.prototype members are data, not lookups', () => {
		const event = '{"type":"tool_call","subtype":"started","call_id":"x","tool_call":{"__proto__":{"args":{"command":"ls"}}}}';
		expect(() => parseAgentEvent('cursor-stream-json', event)).not.toThrow();
		expect(parseAgentEvent('codex-jsonl', '{"type":"constructor"}').lines).toEqual([]);
		expect(parseAgentEvent('opencode-json', '{"type":"tool_use","part":{"tool":"toString","state":{"status":"completed","input":{"hasOwnProperty":1}}}}').lines).toEqual(['toString']);
	});
});

describe('shortenCommand', () => {
	test('unwraps a shell wrapper, names the program, makes workspace paths relative and shortens the others', () => {
		expect(shortenCommand(`/bin/bash -lc '/usr/local/bin/node /opt/h/dist/cli.js --workspace ${workspace} claim'`, workspace)).toBe('node /…/cli.js --workspace . claim');
		expect(shortenCommand(`cat ${workspace}/input/SPEC.md /etc/hosts`, workspace)).toBe('cat input/SPEC.md /etc/hosts');
		expect(shortenCommand('zsh -c "ls -la"')).toBe('ls -la');
		expect(shortenCommand('echo one\necho two')).toBe('echo one …');
		expect(shortenCommand(`ls ${workspace}-evil/x`, workspace)).toBe('ls /…/x');
		expect(shortenCommand('curl https://example.com/a/b/c')).toBe('curl https://example.com/a/b/c');
	});
});

describe('mergeExecution', () => {
	test("puts the stream's facts under execution and keeps what the consumer wrote", () => {
		const metadata = {status: 'complete', errors: [], custom: {kept: true}, execution: {tool: 'claude', note: 'from the consumer', model: 'guess'}};
		const merged = mergeExecution(metadata, {tool: 'claude-code', model: 'claude-sonnet-4-5', session_id: 's1', input_tokens: 10, output_tokens: 2, cost_usd: 0.01});
		expect(merged).toEqual({
			status: 'complete',
			errors: [],
			custom: {kept: true},
			execution: {tool: 'claude-code', note: 'from the consumer', model: 'claude-sonnet-4-5', session_id: 's1', input_tokens: 10, output_tokens: 2, cost_usd: 0.01},
		});
		// The input is not changed.
		expect(metadata.execution).toEqual({tool: 'claude', note: 'from the consumer', model: 'guess'});
	});

	test('a field the stream does not know never blanks the consumer’s', () => {
		const merged = mergeExecution({execution: {version: '1.2.3', model: 'm'}}, {tool: 'codex', version: undefined, model: ''});
		expect(merged).toEqual({execution: {version: '1.2.3', model: 'm', tool: 'codex'}});
	});

	test('metadata that is not an object, or an execution that is not one, is replaced', () => {
		for (const metadata of [undefined, null, 'text', 42, [1, 2]]) {
			expect(mergeExecution(metadata, {tool: 'amp', session_id: 'T-1'})).toEqual({execution: {tool: 'amp', session_id: 'T-1'}});
		}

		expect(mergeExecution({status: 'failed', execution: 'broken'}, {tool: 'amp'})).toEqual({status: 'failed', execution: {tool: 'amp'}});
		expect(mergeExecution({status: 'failed'}, {})).toEqual({status: 'failed'});
	});

	test('a hostile __proto__ key stays data', () => {
		const metadata: unknown = JSON.parse('{"__proto__": {"polluted": true}, "execution": {"__proto__": {"polluted": true}}}');
		const merged = mergeExecution(metadata, {tool: 'opencode'});
		expect(({} as Record<string, unknown>).polluted).toBeUndefined();
		expect((merged.execution as Record<string, unknown>).tool).toBe('opencode');
	});

	test('the execution a reader collects merges into metadata.json', () => {
		const {execution} = readAll('claude-stream-json', recorded('claude-stream-json'));
		const merged = mergeExecution({status: 'complete', execution: {tool: 'claude-code', version: '2.1.29'}}, execution);
		expect(merged.execution).toEqual(expected['claude-stream-json'].execution);
	});
});

describe('a stream of calls that never end', () => {
	test('later calls still get their results after 25 000 open ones (the reader forgets the oldest)', () => {
		const reader = createEventReader('gemini-stream-json');
		for (let index = 0; index < 25_000; index++) {
			reader.read(JSON.stringify({type: 'tool_use', tool_name: 'run_shell_command', tool_id: `t${index}`, parameters: {command: 'sleep 1000'}}));
		}

		reader.read(JSON.stringify({type: 'tool_use', tool_name: 'run_shell_command', tool_id: 'last', parameters: {command: 'false'}}));
		expect(reader.read(JSON.stringify({type: 'tool_result', tool_id: 'last', status: 'success', output: 'Exit Code: 1'})).lines).toEqual(['→ exit 1']);
	});
});
