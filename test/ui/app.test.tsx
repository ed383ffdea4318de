import {render} from 'ink-testing-library';
import {afterEach, describe, expect, test, vi} from 'vitest';
import {App, type AnswerRefusal} from '../../source/app.js';
import type {Intent} from '../../source/ui/intents.js';
import {FakeSession, formattedLines, keys, makeSnapshot, settled, until} from './helpers.js';

type Rendered = ReturnType<typeof render>;
const mounted: Rendered[] = [];
afterEach(() => {
	for (const instance of mounted.splice(0)) {
		instance.unmount();
	}
});

function setSize(instance: Rendered, columns: number, rows: number): void {
	Object.defineProperty(instance.stdout, 'columns', {configurable: true, get: () => columns});
	Object.defineProperty(instance.stdout, 'rows', {configurable: true, value: rows});
}

async function mount(session: FakeSession, size: {columns: number; rows: number} = {columns: 120, rows: 40}, props: Partial<React.ComponentProps<typeof App>> = {}) {
	const intents: Intent[] = [];
	const element = <App source={session} onIntent={intent => intents.push(intent)} promptNotice="Prompt copied to the clipboard" {...props} />;
	let instance!: Rendered;
	await settled(() => {
		instance = render(element);
		setSize(instance, size.columns, size.rows);
		instance.stdout.emit('resize');
	});
	mounted.push(instance);
	const frame = (): string => instance.lastFrame() ?? '';
	// Drawn at the test's size: one row shorter than the terminal.
	await until(() => {
		expect(frame().split('\n')).toHaveLength(size.rows - 1);
	});
	/** Presses `key`, then waits until its effect (`effect`, an expect) shows. Keys without a visible effect of their own are pressed with the next key's. */
	const press = async (key: string, effect: () => void): Promise<void> => {
		await settled(() => instance.stdin.write(key));
		await until(effect);
	};

	/** Types `text` into the answer line one key at a time, each waiting until the line shows it. */
	const type = async (id: string, text: string): Promise<void> => {
		for (const [index, character] of [...text].entries()) {
			await press(character, () => {
				expect(frame()).toContain(`answer ${id} › ${text.slice(0, index + 1)}`);
			});
		}
	};

	return {instance, intents, frame, press, type};
}

const shows = (frame: () => string, text: string) => (): void => {
	expect(frame()).toContain(text);
};

const hides = (frame: () => string, text: string) => (): void => {
	expect(frame()).not.toContain(text);
};

const emitted = (intents: Intent[], intent: Intent) => (): void => {
	expect(intents).toContainEqual(intent);
};

const question = {id: 'q1', text: 'Should users edit their own profiles?', options: ['Yes', 'No', 'Admin only']};
const freeQuestion = {id: 'q2', text: 'What is the product called?'};

describe('panes', () => {
	test('the status pane shows state, times, claim and the prompt notice', async () => {
		const {frame} = await mount(new FakeSession());
		expect(frame()).toContain('running');
		expect(frame()).toContain('analyze-spec');
		expect(frame()).toMatch(/· 1m since created/);
		expect(frame()).toMatch(/8m \d\ds left/);
		expect(frame()).toContain('claimed by claude-code, laptop');
		expect(frame()).toContain('Prompt copied to the clipboard');
	});

	test('under a minute the times read "just now", not "0m"', async () => {
		const {frame} = await mount(new FakeSession({snapshot: makeSnapshot({createdAt: Date.now() - 5000, claimedAt: Date.now() - 2000})}));
		expect(frame()).toContain('· created just now ·');
		expect(frame()).toContain('claimed by claude-code, laptop just now');
		expect(frame()).not.toMatch(/\b0m\b/);
	});

	test('the time left counts down by itself, without a new snapshot', async () => {
		const {frame} = await mount(new FakeSession());
		const since = (): string | undefined => /(\d+m \d\ds) left/.exec(frame())?.[1];
		const first = since();
		expect(first).toBeDefined();
		await until(() => {
			expect(since()).not.toBe(first);
		});
	});

	test.each([
		['not-started', 'not started'],
		['waiting', 'waiting for an answer'],
		['stalled', 'stalled'],
		['timed-out', 'timed out'],
		['canceled', 'canceled'],
	] as const)('state %s reads "%s"', async (state, label) => {
		const {frame} = await mount(new FakeSession({snapshot: makeSnapshot({state})}));
		expect(frame()).toContain(label);
	});

	test('problems and inconsistencies are shown by file', async () => {
		const {frame} = await mount(new FakeSession({snapshot: makeSnapshot({problems: [{file: 'shared/questions.json', message: 'is not valid JSON'}], inconsistencies: ['.done and .error are both present']})}));
		expect(frame()).toContain('! .done and .error are both present');
		expect(frame()).toContain('! shared/questions.json: is not valid JSON');
	});

	test('the progress pane follows new lines and scrolls back with the arrows and PgUp', async () => {
		const lines = Array.from({length: 60}, (_, index) => ({time: '2025-01-01 10:00:00', message: `step ${index + 1}`}));
		const session = new FakeSession({progress: lines.slice(0, 50)});
		const {frame, press} = await mount(session);
		expect(frame()).toContain('step 50');
		expect(frame()).not.toContain('step 1 ');
		await settled(() => {
			session.set({progress: lines});
		});
		await until(shows(frame, 'step 60'));
		await press(keys.pageUp, hides(frame, 'step 60'));
		await press(keys.pageDown, shows(frame, 'step 60'));
		// At the end it follows again: a new line shows without a key.
		await settled(() => {
			session.set({progress: [...lines, {time: '2025-01-01 10:00:00', message: 'step 61'}]});
		});
		await until(shows(frame, 'step 61'));
		await press(keys.up, hides(frame, 'step 61'));
		await press(keys.down, shows(frame, 'step 61'));
	});

	test('the partial pane pretty-prints and marks schema validity; it scrolls when focused', async () => {
		const big = {items: Array.from({length: 40}, (_, index) => `item-${index}`)};
		const session = new FakeSession({snapshot: makeSnapshot({partial: {file: 'output/analysis.partial.json', ...formattedLines(big), valid: true, errors: [], errorCount: 0, updatedAt: Date.now()}})});
		const {instance, frame, press} = await mount(session);
		expect(frame()).toContain('Partial result · output/analysis.partial.json');
		expect(frame()).toContain('✓ matches the schema');
		expect(frame()).toContain('"item-0"');
		// Tab moves the focus to the partial pane (only its border colour shows it), so PgDn scrolls that pane.
		await settled(() => instance.stdin.write(keys.tab));
		await press(keys.pageDown, hides(frame, '"item-0"'));
		expect(frame()).toContain('Partial result · output/analysis.partial.json');
		await settled(() => {
			session.set({snapshot: makeSnapshot({partial: {file: 'output/analysis.partial.json', ...formattedLines({}), valid: false, errors: [{pointer: '/items', message: 'missing required field "items"'}], errorCount: 1, updatedAt: Date.now()}})});
		});
		await until(shows(frame, '✗ 1 schema error so far'));
		expect(frame()).toContain('/items: missing required field "items"');
	});

	test('the questions pane lists pending questions first, then answered ones with answers', async () => {
		const session = new FakeSession({snapshot: makeSnapshot({questions: [question, {...freeQuestion, answer: {id: 'q2', answer: 'Dazzle'}}]})});
		const {frame} = await mount(session);
		const text = frame();
		expect(text).toContain('Questions (1 waiting)');
		expect(text).toContain('1) Yes');
		expect(text).toContain('3) Admin only');
		expect(text).toContain('✓ [q2] answered, waiting to be picked up · What is the product called? → Dazzle');
		expect(text).toContain('[q1] Should users edit their own profiles? · asked');
		expect(text.indexOf('[q1]')).toBeLessThan(text.indexOf('[q2]'));
	});
});

describe('keys', () => {
	test('a new question takes the focus and rings; a digit picks, Enter sends', async () => {
		const session = new FakeSession();
		const {frame, press, intents} = await mount(session);
		expect(intents).toEqual([]);
		await settled(() => {
			session.set({snapshot: makeSnapshot({questions: [question]})});
		});
		await until(shows(frame, '▸ [q1]'));
		expect(intents).toEqual([{type: 'bell'}]);
		await press('2', shows(frame, 'Enter sends "No"'));
		await press(keys.enter, emitted(intents, {type: 'answer', id: 'q1', answer: 'No'}));
		// Rung once for the one question, whatever else re-rendered.
		expect(intents.filter(intent => intent.type === 'bell')).toHaveLength(1);
	});

	test('a question without options opens an answer line; typed keys go to it; Esc leaves', async () => {
		const session = new FakeSession({snapshot: makeSnapshot({questions: [freeQuestion]})});
		const {frame, press, type, intents} = await mount(session);
		await press(keys.enter, shows(frame, 'answer q2 ›'));
		// q, x and ? are text here, not quit, cancel and help.
		await type('q2', 'qx?');
		expect(intents.filter(intent => intent.type !== 'bell')).toEqual([]);
		expect(frame()).not.toContain('Cancel this hand-off?');
		expect(frame()).not.toContain('copy the hand-off prompt again');
		// Esc keeps the draft: Enter opens the line on it again, and n is a letter of it.
		await press(keys.escape, hides(frame, 'answer q2 ›'));
		await press(keys.enter, shows(frame, 'answer q2 › qx?'));
		for (let index = 0; index < 3; index++) {
			await press('\u007F', shows(frame, `answer q2 › ${'qx?'.slice(0, 2 - index)} `));
		}

		await type('q2', 'Non');
		await press(keys.enter, emitted(intents, {type: 'answer', id: 'q2', answer: 'Non'}));
		// The draft stays until the files show the answer: a refusal would come back to it.
		expect(frame()).toContain('answer q2 › Non   saving…');
		await settled(() => {
			session.set({snapshot: makeSnapshot({questions: [{...freeQuestion, answer: {id: 'q2', answer: 'Non'}}]})});
		});
		await until(hides(frame, 'answer q2 ›'));
	});

	test('t opens the answer line on a question with options for an answer that is none of them; not on a strict one', async () => {
		const strict = {id: 'q3', text: 'Which region?', options: ['EU', 'US'], strict: true};
		const session = new FakeSession({snapshot: makeSnapshot({questions: [question, strict]})});
		const {frame, press, type, intents} = await mount(session);
		expect(frame()).toContain('press a number to pick, then Enter · t types another answer');
		await press('t', shows(frame, 'answer q1 ›'));
		await type('q1', 'Ask HR');
		await press(keys.enter, emitted(intents, {type: 'answer', id: 'q1', answer: 'Ask HR'}));
		await settled(() => {
			session.set({snapshot: makeSnapshot({questions: [strict, {...question, answer: {id: 'q1', answer: 'Ask HR'}}]})});
		});
		await until(hides(frame, 'answer q1 ›'));
		await until(shows(frame, '▸ [q3]'));
		expect(frame()).not.toContain('t types another answer');
		// t on the strict question opens nothing; a digit still picks.
		await press('t', () => {
			expect(frame()).toContain('press a number to pick, then Enter');
		});
		await press('2', shows(frame, 'Enter sends "US"'));
		expect(frame()).not.toContain('answer q3 ›');
	});

	test('a refused answer comes back under the answer line with the reason, the draft kept; the next send goes out', async () => {
		const session = new FakeSession({snapshot: makeSnapshot({questions: [freeQuestion]})});
		const intents: Intent[] = [];
		const element = (refusal?: AnswerRefusal) => <App source={session} answerRefusal={refusal} onIntent={intent => intents.push(intent)} />;
		let instance!: Rendered;
		await settled(() => {
			instance = render(element());
			setSize(instance, 120, 40);
			instance.stdout.emit('resize');
		});
		mounted.push(instance);
		const frame = (): string => instance.lastFrame() ?? '';
		await until(shows(frame, '▸ [q2]'));
		await settled(() => instance.stdin.write(keys.enter));
		await until(shows(frame, 'answer q2 ›'));
		const draft = '{"n": 1';
		for (const [index, character] of [...draft].entries()) {
			await settled(() => instance.stdin.write(character));
			await until(shows(frame, `answer q2 › ${draft.slice(0, index + 1)}`));
		}

		await settled(() => instance.stdin.write(keys.enter));
		await until(() => {
			expect(intents).toContainEqual({type: 'answer', id: 'q2', answer: '{"n": 1'});
		});
		await settled(() => {
			instance.rerender(element({id: 'q2', answer: '{"n": 1', error: '/n: must be string\n/: missing required field "m"', seq: 1}));
		});
		await until(shows(frame, '✗ /n: must be string'));
		expect(frame()).toContain('✗ /: missing required field "m"');
		expect(frame()).toContain('answer q2 › {"n": 1');
		expect(frame()).not.toContain('saving…');
		// The draft is edited, not retyped: the reason stays in view until the next send.
		await settled(() => instance.stdin.write('}'));
		await until(shows(frame, 'answer q2 › {"n": 1}'));
		await settled(() => instance.stdin.write(keys.enter));
		await until(() => {
			expect(intents).toContainEqual({type: 'answer', id: 'q2', answer: '{"n": 1}'});
		});
		expect(intents.filter(intent => intent.type === 'answer')).toHaveLength(2);
	});

	test('an answered question says whether the consumer has picked it up, and when', async () => {
		const readAt = '2025-01-01T10:11:12Z';
		const answered = {...freeQuestion, answer: {id: 'q2', answer: 'Dazzle', answered_at: '2025-01-01T10:00:00Z'}};
		const session = new FakeSession({snapshot: makeSnapshot({questions: [answered]})});
		const {frame} = await mount(session);
		expect(frame()).toContain('✓ [q2] answered, waiting to be picked up · What is the product called? → Dazzle');
		await settled(() => {
			session.set({snapshot: makeSnapshot({questions: [{...answered, receipt: {id: 'q2', read_at: readAt}}]})});
		});
		await until(shows(frame, '✓ [q2] picked up 10:11:12 · What is the product called? → Dazzle'));
		expect(frame()).not.toContain('waiting to be picked up');
	});

	test('up and down choose between pending questions', async () => {
		const session = new FakeSession({snapshot: makeSnapshot({questions: [question, {...freeQuestion}]})});
		const {frame, press} = await mount(session);
		expect(frame()).toContain('▸ [q1]');
		await press(keys.down, shows(frame, '▸ [q2]'));
		expect(frame()).toContain('? [q1]');
		await press(keys.up, shows(frame, '▸ [q1]'));
		expect(frame()).toContain('? [q2]');
	});

	test('Tab and Shift+Tab move the focus between panes', async () => {
		const {frame, press} = await mount(new FakeSession({snapshot: makeSnapshot({questions: [question]})}));
		// The pending question took the focus; Tab wraps to the progress pane.
		expect(frame()).toContain('▸ [q1]');
		await press(keys.tab, shows(frame, '? [q1]'));
		await press(keys.shiftTab, shows(frame, '▸ [q1]'));
	});

	test('c copies, q quits, ? shows every key', async () => {
		const {frame, press, intents} = await mount(new FakeSession());
		await press('c', emitted(intents, {type: 'copy'}));
		await press('?', shows(frame, 'copy the hand-off prompt again'));
		expect(frame()).toContain('Keys');
		expect(frame()).toContain('cancel the hand-off (asks first)');
		await press(keys.escape, hides(frame, 'copy the hand-off prompt again'));
		await press('?', shows(frame, 'copy the hand-off prompt again'));
		await press('?', hides(frame, 'copy the hand-off prompt again'));
		expect(intents).toEqual([{type: 'copy'}]);
		await press('q', emitted(intents, {type: 'quit'}));
	});

	test('x asks first: n keeps going, y cancels', async () => {
		const {frame, press, intents} = await mount(new FakeSession());
		await press('x', shows(frame, 'Cancel this hand-off?'));
		await press('n', hides(frame, 'Cancel this hand-off?'));
		// Esc and q say no as well; q does not quit from the question.
		await press('x', shows(frame, 'Cancel this hand-off?'));
		await press(keys.escape, hides(frame, 'Cancel this hand-off?'));
		await press('x', shows(frame, 'Cancel this hand-off?'));
		await press('q', hides(frame, 'Cancel this hand-off?'));
		expect(intents).toEqual([]);
		await press('x', shows(frame, 'Cancel this hand-off?'));
		await press('y', emitted(intents, {type: 'cancel'}));
		expect(frame()).not.toContain('Cancel this hand-off?');
	});
});

describe('outcomes and layout', () => {
	test('complete shows the archive; failed shows every error; any key then closes', async () => {
		const session = new FakeSession();
		const {instance, frame, press, intents} = await mount(session);
		await settled(() => {
			session.set({outcome: {kind: 'failed', errors: ['output/analysis.json: /: missing required field "state_machines"', 'second error']}});
		});
		await until(shows(frame, 'Failed. The workspace is kept.'));
		expect(frame()).toContain('missing required field "state_machines"');
		expect(frame()).toContain('second error');
		// Scrolling keys scroll; any other key, even one without a command, closes.
		await settled(() => instance.stdin.write(keys.up));
		await settled(() => instance.stdin.write(keys.pageDown));
		expect(intents).toEqual([]);
		await press('z', emitted(intents, {type: 'quit'}));
		await settled(() => {
			session.set({outcome: {kind: 'complete', archivePath: '/tmp/results/x', resultPath: '/tmp/results/x/output/analysis.json'}});
		});
		await until(shows(frame, 'Complete. Archived to /tmp/results/x'));
	});

	test('a retry shows the rejection and keeps watching', async () => {
		const session = new FakeSession();
		const {frame} = await mount(session);
		await settled(() => {
			session.set({outcome: {kind: 'retrying', attempt: 1, maxRetries: 2, errors: ['output/analysis.json: /x: must be string']}});
		});
		await until(shows(frame, 'Result rejected (retry 1 of 2)'));
		expect(frame()).toContain('/x: must be string');
		expect(frame()).toContain('running');
	});

	test('the frame stays one row shorter than the terminal and follows a resize', async () => {
		const {instance, frame} = await mount(new FakeSession(), {columns: 120, rows: 40});
		expect(frame().split('\n')).toHaveLength(39);
		expect(frame()).toMatch(/Progress[\s\S]*Partial result/);
		await settled(() => {
			setSize(instance, 80, 24);
			instance.stdout.emit('resize');
		});
		await until(() => {
			expect(frame().split('\n')).toHaveLength(23);
		});
		const lines = frame().split('\n');
		expect(Math.max(...lines.map(line => line.length))).toBeLessThanOrEqual(80);
	});
});

test('a pipeline run shows its stages above the panes', async () => {
	const intents: Intent[] = [];
	let instance!: Rendered;
	await settled(() => {
		instance = render(<App source={new FakeSession()} onIntent={intent => intents.push(intent)} stages={[{name: 'analysis', state: 'done', time: '2m 03s'}, {name: 'dsl', state: 'current'}, {name: 'build', state: 'pending'}]} />);
	});
	mounted.push(instance);
	await until(() => {
		expect(instance.lastFrame()).toContain('✓ analysis (2m 03s)  ›  ▶ dsl  ›  ○ build');
	});
});

describe('issue 13: readable at any size, keys by mode', () => {
	const long = {id: 'q9', text: `${Array.from({length: 45}, (_, index) => `w${index}`).join(' ')} the end?`, options: ['Yes', 'No']};
	const words = (frame: string): string => frame.replaceAll(/[│─╭╮╰╯]/g, ' ').replaceAll(/\s+/g, ' ');

	test('a long question wraps in full in its pane', async () => {
		const {frame} = await mount(new FakeSession({snapshot: makeSnapshot({questions: [long]})}), {columns: 80, rows: 24});
		await until(shows(frame, 'the end?'));
		expect(words(frame())).toContain(long.text);
	});

	test('a digit and Enter in one read send that option', async () => {
		const {frame, press, intents} = await mount(new FakeSession({snapshot: makeSnapshot({questions: [question]})}));
		await until(shows(frame, '▸ [q1]'));
		await press('3\r', emitted(intents, {type: 'answer', id: 'q1', answer: 'Admin only'}));
	});

	test('Ctrl+C with an answer half-typed asks first; n goes back to the line with the text; y quits', async () => {
		const {frame, press, type, intents} = await mount(new FakeSession({snapshot: makeSnapshot({questions: [freeQuestion]})}));
		await press(keys.enter, shows(frame, 'answer q2 ›'));
		await type('q2', 'Da');
		await press('\u0003', shows(frame, 'Quit with an answer not sent?'));
		expect(intents.filter(intent => intent.type === 'quit')).toEqual([]);
		await press('n', hides(frame, 'Quit with an answer not sent?'));
		expect(frame()).toContain('answer q2 › Da');
		await press('\u0003', shows(frame, 'Quit with an answer not sent?'));
		await press('y', emitted(intents, {type: 'quit'}));
	});

	test('switching between the panes and the answer line never takes the terminal out of raw mode', async () => {
		const {instance, frame, press} = await mount(new FakeSession({snapshot: makeSnapshot({questions: [freeQuestion]})}));
		const setRawMode = vi.spyOn(instance.stdin as unknown as {setRawMode: (mode: boolean) => void}, 'setRawMode');
		await press(keys.enter, shows(frame, 'answer q2 ›'));
		await press(keys.escape, hides(frame, 'answer q2 ›'));
		await press(keys.enter, shows(frame, 'answer q2 ›'));
		expect(setRawMode).not.toHaveBeenCalledWith(false);
	});

	test('v shows the focused pane whole; p the prompt; ? the keys; Esc goes back', async () => {
		const {frame, press} = await mount(new FakeSession({snapshot: makeSnapshot({questions: [long]})}), {columns: 40, rows: 12}, {prompt: {text: 'Read /w/input/instructions.md and follow it exactly.', file: '/w/input/prompt.txt'}});
		await until(shows(frame, '▸ [q9]'));
		await press('v', shows(frame, '[q9] asked'));
		expect(frame()).toContain('Esc back');
		await press(keys.escape, shows(frame, '▸ [q9]'));
		await press('p', shows(frame, 'The hand-off prompt'));
		expect(words(frame())).toContain('Read /w/input/instructions.md and follow it exactly.');
		expect(words(frame())).toContain('/w/input/prompt.txt');
		await press('p', shows(frame, '▸ [q9]'));
		await press('?', shows(frame, 'Keys'));
		expect(frame()).toContain('Watching');
		// The help scrolls like any detail view: its end has the keys that work anywhere.
		await press('\u001B[F', shows(frame, 'Anywhere'));
		expect(frame()).toContain('Ctrl+C');
	});

	test('below 40x12 the screen says what it needs', async () => {
		const session = new FakeSession({snapshot: makeSnapshot({questions: [long]})});
		const {frame} = await mount(session, {columns: 39, rows: 30});
		expect(frame()).toContain('handoff needs at least 40x12');
		expect(frame()).not.toMatch(/[╭╰]/);
	});

	test('a saved answer and a new file problem show a short line in the footer', async () => {
		const session = new FakeSession({snapshot: makeSnapshot({questions: [question]})});
		const {frame} = await mount(session);
		await settled(() => {
			session.set({snapshot: makeSnapshot({questions: [{...question, answer: {id: 'q1', answer: 'Yes'}}]})});
		});
		await until(shows(frame, 'Answer to q1 saved: Yes'));
		await settled(() => {
			session.set({snapshot: makeSnapshot({questions: [{...question, answer: {id: 'q1', answer: 'Yes'}}], problems: [{file: 'shared/progress.txt', message: 'is a FIFO'}]})});
		});
		await until(shows(frame, '? help · q quit · ! shared/progress.txt: is a FIFO'));
	});

	test('a message from the edge (the prompt copied again) shows in the footer', async () => {
		const session = new FakeSession();
		const intents: Intent[] = [];
		const element = (seq: number) => <App source={session} onIntent={intent => intents.push(intent)} message={{text: `Prompt copied again: to the clipboard (${seq})`, tone: 'info', seq}} />;
		let instance!: Rendered;
		await settled(() => {
			instance = render(element(1));
		});
		mounted.push(instance);
		await until(() => {
			expect(instance.lastFrame()).toContain('Prompt copied again: to the clipboard (1)');
		});
		await settled(() => {
			instance.rerender(element(2));
		});
		await until(() => {
			expect(instance.lastFrame()).toContain('Prompt copied again: to the clipboard (2)');
		});
	});

	test('the result replaces the partial result once complete, focused; any key (a) closes', async () => {
		const session = new FakeSession();
		const {frame, press, intents} = await mount(session, {columns: 120, rows: 40}, {result: {file: 'results/x/output/analysis.json', lines: ['{', '  "state_machines": []', '}'], totalLines: 3}});
		await settled(() => {
			session.set({outcome: {kind: 'complete', archivePath: '/tmp/results/x', resultPath: '/tmp/results/x/output/analysis.json'}});
		});
		await until(shows(frame, 'Result · results/x/output/analysis.json'));
		expect(frame()).toContain('"state_machines": []');
		await press('v', shows(frame, '✓ valid, archived'));
		await press(keys.escape, shows(frame, 'any other key closes'));
		await press('a', emitted(intents, {type: 'quit'}));
	});
});
