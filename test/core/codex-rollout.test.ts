import fs from 'node:fs';
import path from 'node:path';
import {describe, expect, test} from 'vitest';
import {readCodexModel} from '../../source/core/codex-rollout.js';
import {useTempDirectories} from './helpers.js';

const makeDirectory = useTempDirectories();
const threadId = '01a20e34-82b8-77f3-abed-29dc3b7b3cb5';

/** A session file as Codex 0.169.0 writes it: session_meta, events, then the turn context with the model. */
function writeRollout(codexHome: string, day: string, id: string, lines: unknown[]): string {
	const folder = path.join(codexHome, 'sessions', ...day.split('/'));
	fs.mkdirSync(folder, {recursive: true});
	const file = path.join(folder, `rollout-2026-11-24T15-37-32-${id}.jsonl`);
	fs.writeFileSync(file, lines.map(line => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n') + '\n');
	return file;
}

const sessionMeta = {type: 'session_meta', payload: {id: threadId, base_instructions: {text: 'x'.repeat(30_000), provenance: {type: 'model', model: 'not-this-one'}}}};
const turnContext = (model: string) => ({type: 'turn_context', payload: {cwd: '/w', model, approval_policy: 'never'}});

describe('readCodexModel: the model of a Codex session, from its session file', () => {
	test('reads the turn context of the session with that thread id, under CODEX_HOME', async () => {
		const codexHome = await makeDirectory();
		writeRollout(codexHome, '2026/11/23', 'another-thread', [turnContext('other-model')]);
		writeRollout(codexHome, '2026/11/24', threadId, [sessionMeta, '{"type":"event_msg","payload":{"type":"task_started"}}', turnContext('gpt-6.1-sol'), turnContext('later-model')]);
		expect(await readCodexModel(threadId, {CODEX_HOME: codexHome})).toBe('gpt-6.1-sol');
		expect(await readCodexModel('another-thread', {CODEX_HOME: codexHome})).toBe('other-model');
	});

	test('without CODEX_HOME, ~/.codex of the HOME given', async () => {
		const home = await makeDirectory();
		writeRollout(path.join(home, '.codex'), '2026/11/24', threadId, [turnContext('gpt-6.1-sol')]);
		expect(await readCodexModel(threadId, {HOME: home})).toBe('gpt-6.1-sol');
	});

	test('nothing until the turn context is written; torn and foreign lines are skipped', async () => {
		const codexHome = await makeDirectory();
		const file = writeRollout(codexHome, '2026/11/24', threadId, [sessionMeta, '{"type":"turn_context","payload":{"model":"torn']);
		expect(await readCodexModel(threadId, {CODEX_HOME: codexHome})).toBeUndefined();
		fs.appendFileSync(file, `\n${JSON.stringify({type: 'event_msg', payload: {type: 'turn_context', model: 'not-a-turn-context'}})}\n${JSON.stringify(turnContext(''))}\n`);
		expect(await readCodexModel(threadId, {CODEX_HOME: codexHome})).toBeUndefined();
		fs.appendFileSync(file, `${JSON.stringify(turnContext('gpt-6.1-sol'))}\n`);
		expect(await readCodexModel(threadId, {CODEX_HOME: codexHome})).toBe('gpt-6.1-sol');
	});

	test('no sessions folder, no file for the thread, a thread id that is a path, a folder where the file should be: undefined', async () => {
		const codexHome = await makeDirectory();
		expect(await readCodexModel(threadId, {CODEX_HOME: codexHome})).toBeUndefined();
		writeRollout(codexHome, '2026/11/24', 'x', [turnContext('m')]);
		expect(await readCodexModel(threadId, {CODEX_HOME: codexHome})).toBeUndefined();
		expect(await readCodexModel('../../etc/passwd', {CODEX_HOME: codexHome})).toBeUndefined();
		fs.mkdirSync(path.join(codexHome, 'sessions', '2026', '11', '24', `rollout-2026-11-24T15-37-32-${threadId}.jsonl`));
		expect(await readCodexModel(threadId, {CODEX_HOME: codexHome})).toBeUndefined();
	});

	test('a huge model name is cut short', async () => {
		const codexHome = await makeDirectory();
		writeRollout(codexHome, '2026/11/24', threadId, [turnContext('m'.repeat(10_000))]);
		expect(await readCodexModel(threadId, {CODEX_HOME: codexHome})).toHaveLength(200);
	});
});
