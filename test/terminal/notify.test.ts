import fs from 'node:fs';
import path from 'node:path';
import {PassThrough} from 'node:stream';
import {describe, expect, test, vi} from 'vitest';
import {QuestionAnnouncer, notificationKinds, notificationSequence, notificationText, notify, type Notification} from '../../source/terminal/notify.js';
import {waitUntil} from '../helpers/cli.js';
import {fuzzText, hostileText, seededRandom, terminalControls} from '../helpers/hostile.js';
import {temporaryDirectory} from './helpers.js';

const esc = '\u001B';
const bel = '\u0007';
const question = {title: 'handoff: a question', body: 'analyze-spec: Should admins see deleted tickets?'};

/** The payloads between each sequence's introducer and its BEL, after taking off tmux's wrapper. */
function payloads(sequence: string): string[] {
	const unwrapped = sequence.replaceAll(`${esc}Ptmux;`, '').replaceAll(`${esc}\\`, '').replaceAll(esc + esc, esc);
	return [...unwrapped.matchAll(/\u001B\](9|777);([^\u0007]*)\u0007/g)].map(match => match[2]!);
}

describe('notification sequences', () => {
	test('OSC 777 and OSC 9 where the terminal is unknown; only its own where it is known', () => {
		expect(notificationSequence(question, {})).toBe(`${esc}]777;notify;handoff: a question;analyze-spec: Should admins see deleted tickets?${bel}${esc}]9;handoff: a question: analyze-spec: Should admins see deleted tickets?${bel}`);
		expect(notificationKinds({TERM_PROGRAM: 'iTerm.app'})).toEqual([9]);
		expect(notificationKinds({TERM: 'foot'})).toEqual([777]);
		expect(notificationKinds({VTE_VERSION: '7600'})).toEqual([777]);
		// In tmux the outer terminal is unknown, whatever the environment says.
		expect(notificationKinds({TMUX: '/tmp/tmux-0/default,1,0', TERM_PROGRAM: 'iTerm.app'})).toEqual([777, 9]);
	});

	test('inside tmux each is wrapped for passthrough, its ESCs doubled; inside GNU screen in a DCS', () => {
		const tmux = notificationSequence(question, {TMUX: '/tmp/tmux-0/default,1,0'});
		expect(tmux).toBe(`${esc}Ptmux;${esc}${esc}]777;notify;handoff: a question;analyze-spec: Should admins see deleted tickets?${bel}${esc}\\${esc}Ptmux;${esc}${esc}]9;handoff: a question: analyze-spec: Should admins see deleted tickets?${bel}${esc}\\`);
		expect(notificationSequence(question, {STY: '1.pts-0'})).toMatch(/^\u001BP\u001B\]777;notify;[^\u001B]*\u0007\u001B\\\u001BP\u001B\]9;[^\u001B]*\u0007\u001B\\$/);
	});

	test('text from the consumer carries no control character and cannot add a field or end the sequence', () => {
		const sequence = notificationSequence({title: 'handoff: a question', body: `t: ${hostileText('WORD')}; extra;field`}, {});
		const [first, second] = payloads(sequence);
		// Exactly two sequences, each whole: nothing in the text ended one early.
		expect(payloads(sequence)).toHaveLength(2);
		expect(first!.split(';')).toHaveLength(3);
		expect(first).toContain('WORD');
		for (const payload of [first!, second!]) {
			expect(payload).not.toMatch(terminalControls);
		}

		// The only ESC and BEL are the sequences' own.
		expect(sequence.replaceAll(/\u001B\](?:9|777);/g, '').replaceAll(bel, '')).not.toMatch(terminalControls);
	});

	test('fuzzed text never leaves a control character in a payload (1000 strings)', () => {
		const random = seededRandom(13);
		for (let trial = 0; trial < 1000; trial++) {
			const text = fuzzText(random, 20);
			const sequence = notificationSequence({title: fuzzText(random), body: text}, trial % 2 === 0 ? {} : {TMUX: 'x'});
			const found = payloads(sequence);
			expect(found).toHaveLength(2);
			for (const payload of found) {
				expect(payload).not.toMatch(terminalControls);
			}
		}
	});

	test('a long question is cut to one short line', () => {
		const text = notificationText('x'.repeat(5000), 200);
		expect([...text]).toHaveLength(200);
		expect(text.endsWith('…')).toBe(true);
		expect(notificationText('line one\nline two', 200)).toBe('line one␊line two');
	});

	test('notify writes to a terminal only, and runs notify-send (the safe text as arguments) where a desktop session is', async () => {
		const directory = temporaryDirectory();
		const record = path.join(directory, 'notify-send.args');
		const fake = path.join(directory, 'notify-send');
		fs.writeFileSync(fake, `#!/bin/sh\nfor argument in "$@"; do printf '%s\\n' "$argument"; done > '${record}.tmp' && mv '${record}.tmp' '${record}'\n`, {mode: 0o755});
		const written = (isTTY: boolean, env: NodeJS.ProcessEnv): string => {
			const stream = Object.assign(new PassThrough(), {isTTY});
			notify({title: 'handoff: a question', body: `t: ${hostileText('WORD')}`}, {stream, env});
			return String(stream.read() ?? '');
		};

		expect(written(false, {})).toBe('');
		expect(payloads(written(true, {}))).toHaveLength(2);
		expect(fs.existsSync(record)).toBe(false);
		const stream = Object.assign(new PassThrough(), {isTTY: true});
		notify({title: 'handoff: a question', body: `t: ${hostileText('WORD')} <a href="https://evil.example">click</a>`}, {stream, env: {PATH: `${directory}:${process.env.PATH ?? ''}`, DISPLAY: ':0'}});
		await waitUntil(() => fs.existsSync(record), 10_000, 'notify-send to run');
		const args = fs.readFileSync(record, 'utf8').split('\n');
		expect(args[0]).toBe('--app-name=handoff');
		expect(args[1]).toBe('handoff: a question');
		expect(args[2]).toContain('WORD');
		// No markup reaches the notification server.
		expect(args[2]).toContain('‹a href="https://evil.example"›click‹/a›');
		expect(args.join('')).not.toMatch(/[<>]/);
		expect(args.join('')).not.toMatch(terminalControls);
	});
});

describe('QuestionAnnouncer', () => {
	test('a hundred questions in a row make two notifications: the first at once, the rest gathered after the interval', () => {
		vi.useFakeTimers();
		try {
			const sent: Notification[] = [];
			const announcer = new QuestionAnnouncer(notification => sent.push(notification), 'analyze-spec', 5000);
			for (let index = 1; index <= 100; index++) {
				announcer.add([`Question ${index}?`]);
				vi.advanceTimersByTime(10);
			}

			expect(sent).toEqual([{title: 'handoff: a question', body: 'analyze-spec: Question 1?'}]);
			vi.advanceTimersByTime(5000);
			expect(sent).toHaveLength(2);
			expect(sent[1]).toEqual({title: 'handoff: 99 questions', body: 'analyze-spec: Question 2?'});
			// After a quiet interval the next one goes at once; nothing is left to send.
			vi.advanceTimersByTime(60_000);
			announcer.add([]);
			expect(sent).toHaveLength(2);
			announcer.add(['Later?']);
			expect(sent.at(-1)).toEqual({title: 'handoff: a question', body: 'analyze-spec: Later?'});
			// Closing drops what is gathered.
			announcer.add(['Dropped?']);
			announcer.close();
			vi.advanceTimersByTime(60_000);
			expect(sent).toHaveLength(3);
		} finally {
			vi.useRealTimers();
		}
	});
});
