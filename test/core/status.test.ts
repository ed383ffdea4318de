import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {describe, expect, test} from 'vitest';
import {layout} from '../../source/core/paths.js';
import {claimText, deriveState, parseClaim, parseStatusWord, stateLabels, writeStatus, type StateInputs} from '../../source/core/status.js';
import {modeOf, useTempDirectories, withUmask} from './helpers.js';

const temporaryDirectory = useTempDirectories();

describe('deriveState precedence', () => {
	const now = 100_000;
	const quiet: StateInputs = {lock: false, done: false, error: false, hasActivity: false, pendingQuestions: 0, stallAfterMs: 10_000, now};
	const working: Partial<StateInputs> = {lock: true, status: 'RUNNING', hasActivity: true, lastActivityAt: now - 1000};

	test.each<[string, Partial<StateInputs>, string, RegExp[]]>([
		['.done and .error both present', {...working, done: true, error: true}, 'failed', [/\.done and \.error are both present/]],
		['.done and .error both present, even with status COMPLETE', {...working, done: true, error: true, status: 'COMPLETE'}, 'failed', [/both present/]],
		['.done against status FAILED: .done wins', {...working, done: true, status: 'FAILED'}, 'complete', [/\.done is present but shared\/status\.txt says FAILED/]],
		['.done against status CANCELED: .done wins', {...working, done: true, status: 'CANCELED'}, 'complete', [/says CANCELED/]],
		['.error against status COMPLETE: .error wins', {...working, error: true, status: 'COMPLETE'}, 'failed', [/\.error is present but shared\/status\.txt says COMPLETE/]],
		['.done with status RUNNING is no contradiction', {...working, done: true}, 'complete', []],
		['.error with status RUNNING is no contradiction', {...working, error: true}, 'failed', []],
		['.done alone, without a claim', {done: true}, 'complete', []],
		['.done past the deadline still completes', {...working, done: true, deadline: now - 1}, 'complete', []],
		['.error past the deadline is failed', {...working, error: true, deadline: now - 1}, 'failed', []],
		['status COMPLETE alone', {status: 'COMPLETE'}, 'complete', []],
		['status FAILED alone', {...working, status: 'FAILED'}, 'failed', []],
		['status CANCELED', {...working, status: 'CANCELED'}, 'canceled', []],
		['status CANCELED beats the deadline', {...working, status: 'CANCELED', deadline: now - 1}, 'canceled', []],
		['deadline reached', {...working, deadline: now}, 'timed-out', []],
		['deadline passed before anyone started', {status: 'PENDING', deadline: now - 1}, 'timed-out', []],
		['deadline passed with a pending question', {...working, pendingQuestions: 1, deadline: now - 1}, 'timed-out', []],
		['deadline not yet reached', {...working, deadline: now + 1}, 'running', []],
		['nothing yet', {}, 'not-started', []],
		['status PENDING only', {status: 'PENDING'}, 'not-started', []],
		['claimed with .lock', {lock: true, status: 'PENDING', lastActivityAt: now}, 'running', []],
		['status RUNNING without a claim', {status: 'RUNNING', lastActivityAt: now}, 'running', []],
		['activity without a claim (a seed consumer writing files)', {hasActivity: true, lastActivityAt: now}, 'running', []],
		['waiting: a question without an answer', {...working, pendingQuestions: 2}, 'waiting', []],
		['waiting beats stalled', {...working, pendingQuestions: 1, lastActivityAt: now - 60_000}, 'waiting', []],
		['stalled after stallAfterMs without activity', {...working, lastActivityAt: now - 10_000}, 'stalled', []],
		['not yet stalled just before stallAfterMs', {...working, lastActivityAt: now - 9999}, 'running', []],
		['running', working, 'running', []],
	])('%s → %s', (_name, inputs, state, inconsistencies) => {
		const derived = deriveState({...quiet, ...inputs});
		expect(derived.state).toBe(state);
		expect(derived.inconsistencies).toHaveLength(inconsistencies.length);
		for (const [index, pattern] of inconsistencies.entries()) {
			expect(derived.inconsistencies[index]).toMatch(pattern);
		}
	});

	test('every state has a label', () => {
		expect(stateLabels).toEqual({
			'not-started': 'not started',
			running: 'running',
			waiting: 'waiting for an answer',
			stalled: 'stalled',
			complete: 'complete',
			failed: 'failed',
			'timed-out': 'timed out',
			canceled: 'canceled',
		});
	});
});

describe('parseStatusWord', () => {
	test.each<[string | undefined, string | undefined]>([
		// The seed's example file, comments and all.
		['PENDING    # Initial state', 'PENDING'],
		['RUNNING    # Consumer started\n', 'RUNNING'],
		['COMPLETE   # Success', 'COMPLETE'],
		['FAILED     # Error occurred', 'FAILED'],
		['CANCELED\n', 'CANCELED'],
		['cancelled', 'CANCELED'],
		['  complete  \n', 'COMPLETE'],
		['\uFEFFRUNNING\r\n', 'RUNNING'],
		['DONE', undefined],
		['# PENDING', undefined],
		['', undefined],
		[undefined, undefined],
	])('%j → %s', (text, word) => {
		expect(parseStatusWord(text)).toBe(word);
	});

	test('writeStatus writes one private line that reads back', async () => {
		const workspace = await temporaryDirectory();
		fs.mkdirSync(path.join(workspace, 'shared'));
		await withUmask(0, async () => writeStatus(workspace, 'RUNNING'));
		expect(fs.readFileSync(path.join(workspace, layout.status), 'utf8')).toBe('RUNNING\n');
		expect(modeOf(path.join(workspace, layout.status))).toBe(0o600);
		expect(parseStatusWord(fs.readFileSync(path.join(workspace, layout.status), 'utf8'))).toBe('RUNNING');
	});
});

describe('parseClaim', () => {
	test('a bare pid, as the seed\'s acquire_lock writes it', () => {
		expect(parseClaim('4242')).toEqual({pid: 4242});
		expect(parseClaim('4242\n')).toEqual({pid: 4242});
	});

	test('our JSON claim, and what claimText writes', () => {
		expect(parseClaim('{"claimed_at": "2025-11-21T23:30:05Z", "host": "box", "pid": 7, "pid_start": 99, "tool": "aider"}')).toEqual({
			claimedAt: '2025-11-21T23:30:05Z',
			host: 'box',
			pid: 7,
			pidStart: 99,
			tool: 'aider',
		});
		const claim = parseClaim(claimText('claude-code', process.pid, new Date('2025-11-21T23:30:05Z')));
		expect(claim).toMatchObject({claimedAt: '2025-11-21T23:30:05Z', host: os.hostname(), pid: process.pid, tool: 'claude-code'});
		expect(parseClaim(claimText(undefined, undefined))).toMatchObject({pid: undefined, tool: undefined, host: os.hostname()});
	});

	test('anything else is an empty claim, fields of the wrong type are dropped', () => {
		expect(parseClaim('')).toEqual({});
		expect(parseClaim('locked by me')).toEqual({});
		expect(parseClaim('{"pid": "12", "tool": 5}')).toMatchObject({pid: undefined, tool: undefined});
		expect(parseClaim('null')).toEqual({});
	});
});
