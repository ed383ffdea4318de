import {EventEmitter} from 'node:events';
import xterm from '@xterm/headless';
import {afterEach, describe, expect, test} from 'vitest';
import {App} from '../../source/app.js';
import type {ProgressLine, QuestionView} from '../../source/core/snapshot.js';
import {renderScreen, type Screen} from '../../source/terminal/render-screen.js';
import {enterSequence} from '../../source/terminal/screen.js';
import {FakeSession, keys, makeSnapshot, settled, until} from '../ui/helpers.js';

const {Terminal} = xterm;
type HeadlessTerminal = InstanceType<typeof Terminal>;

/** The terminal as the app sees it: its writes go to a headless xterm, which it resizes with. */
class XtermOutput extends EventEmitter {
	readonly isTTY = true;
	bytes = 0;
	constructor(readonly terminal: HeadlessTerminal) {
		super();
	}

	get columns(): number {
		return this.terminal.cols;
	}

	get rows(): number {
		return this.terminal.rows;
	}

	write(data: string | Uint8Array): boolean {
		const text = typeof data === 'string' ? data : Buffer.from(data).toString('utf8');
		this.bytes += Buffer.byteLength(text);
		this.terminal.write(text);
		return true;
	}

	resize(columns: number, rows: number): void {
		this.terminal.resize(columns, rows);
		this.emit('resize');
	}
}

/** Ink's stdin, as ink-testing-library makes it: keys are written into it. */
class KeyInput extends EventEmitter {
	readonly isTTY = true;
	private data: string | null = null;
	write(data: string): void {
		this.data = data;
		this.emit('readable');
		this.emit('data', data);
	}

	read = (): string | null => {
		const {data} = this;
		this.data = null;
		return data;
	};

	setEncoding(): void {}
	setRawMode(): void {}
	resume(): void {}
	pause(): void {}
	ref(): void {}
	unref(): void {}
}

/** Waits until the writer has drawn the last frame (in the next turn of the event loop) and the terminal has taken in every byte. */
async function flushed(terminal: HeadlessTerminal): Promise<void> {
	await new Promise(setImmediate);
	await new Promise<void>(resolve => {
		terminal.write('', resolve);
	});
}

type Cell = {char: string; style: string};

/** Every cell: its character and what it looks like (colours and attributes). */
function cells(terminal: HeadlessTerminal): Cell[][] {
	const buffer = terminal.buffer.active;
	const rows: Cell[][] = [];
	for (let y = 0; y < terminal.rows; y++) {
		const line = buffer.getLine(buffer.viewportY + y);
		const row: Cell[] = [];
		for (let x = 0; x < terminal.cols; x++) {
			const cell = line?.getCell(x);
			row.push(cell
				? {char: cell.getChars() || ' ', style: [cell.getFgColorMode(), cell.getFgColor(), cell.getBgColorMode(), cell.getBgColor(), cell.isBold(), cell.isDim(), cell.isInverse(), cell.isItalic(), cell.isUnderline()].join(',')}
				: {char: ' ', style: ''});
		}

		rows.push(row);
	}

	return rows;
}

const text = (rows: Cell[][]): string => rows.map(row => row.map(cell => cell.char).join('').trimEnd()).join('\n');

/** A fresh terminal of the same size given the whole frame at once: what the screen must look like. */
async function fullRedraw(frame: string, columns: number, rows: number): Promise<Cell[][]> {
	const terminal = new Terminal({cols: columns, rows, allowProposedApi: true});
	terminal.write(`${enterSequence}${frame.split('\n').slice(0, rows).join('\r\n')}`);
	await flushed(terminal);
	const result = cells(terminal);
	terminal.dispose();
	return result;
}

/** A small deterministic random source, so a failure can be replayed. */
function random(seed: number): (below: number) => number {
	let state = seed;
	return below => {
		state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
		return state % below;
	};
}

const words = ['reading', 'the spec', 'état', '東京', 'naïve', 'step', 'x'.repeat(150), 'checking', '→ done', 'tabs\tand spaces'];

function randomLine(next: (below: number) => number, index: number): ProgressLine {
	const message = Array.from({length: 1 + next(6)}, () => words[next(words.length)]).join(' ');
	return {time: `2025-01-01 10:${String(index % 60).padStart(2, '0')}:00`, message: `${index} ${message}`};
}

function randomQuestions(next: (below: number) => number): QuestionView[] {
	return Array.from({length: next(6)}, (_, index) => ({
		id: `q${index + 1}`,
		text: `Question ${index + 1}: ${words[next(words.length)]}?`,
		...(next(2) === 0 ? {options: ['Yes', 'No', 'Admin only']} : {}),
		...(next(3) === 0 ? {answer: {id: `q${index + 1}`, answer: 'Yes'}} : {}),
	}));
}

/** Random steps per size; more on a slow run. */
const steps = process.env['HANDOFF_SLOW_TESTS'] === '1' ? 1000 : 120;

const screens: Screen[] = [];
afterEach(() => {
	for (const screen of screens.splice(0)) {
		screen.unmount();
	}
});

async function mountOn(columns: number, rows: number, session: FakeSession) {
	const terminal = new Terminal({cols: columns, rows, allowProposedApi: true});
	const output = new XtermOutput(terminal);
	output.write(enterSequence);
	const stdin = new KeyInput();
	let screen!: Screen;
	await settled(() => {
		screen = renderScreen(<App source={session} onIntent={() => undefined} />, {stdin: stdin as unknown as NodeJS.ReadStream, terminal: output});
	});
	screens.push(screen);
	return {terminal, output, stdin, screen};
}

describe('only the rows that changed are written, and the screen is always what a full redraw shows', () => {
	test.each([
		[80, 24],
		[120, 40],
	])('%ix%i, with random updates, keys and resizes', async (columns, rows) => {
		expect.hasAssertions();
		const next = random(columns * 1000 + rows);
		const session = new FakeSession();
		const {terminal, output, stdin, screen} = await mountOn(columns, rows, session);
		const sizes: Array<[number, number]> = [[80, 24], [120, 40], [100, 30], [60, 15], [columns, rows]];
		let lineCount = 0;
		let progress: ProgressLine[] = [];
		const states = ['running', 'waiting', 'stalled', 'not-started'] as const;
		for (let step = 0; step < steps; step++) {
			const action = next(10);
			await settled(() => {
				if (action <= 3) {
					progress = [...progress, ...Array.from({length: 1 + next(25)}, () => randomLine(next, ++lineCount))].slice(-2000);
					session.set({progress});
				} else if (action === 4) {
					const questions = randomQuestions(next);
					session.set({snapshot: makeSnapshot({questions, state: states[next(states.length)]})});
				} else if (action === 5) {
					const lines = Array.from({length: next(80)}, (_, index) => `  "key${index}": "${words[next(words.length)]}",`);
					session.set({snapshot: makeSnapshot({partial: {file: 'output/analysis.partial.json', lines, totalLines: lines.length + next(3), valid: next(2) === 0, errors: [], errorCount: 0, updatedAt: 0}})});
				} else if (action === 6) {
					session.set({snapshot: makeSnapshot({problems: next(2) === 0 ? [] : [{file: 'shared/questions.json', message: 'is not valid JSON'}]})});
				} else if (action === 7) {
					stdin.write([keys.tab, keys.up, keys.down, keys.pageUp, keys.pageDown][next(5)]!);
				} else {
					const [newColumns, newRows] = sizes[next(sizes.length)]!;
					output.resize(newColumns, newRows);
				}
			});
			await flushed(terminal);
			const shown = cells(terminal);
			const expected = await fullRedraw(screen.frame, terminal.cols, terminal.rows);
			// Text first, for a readable failure; then every cell's look.
			expect(text(shown), `step ${step}, action ${action}, ${terminal.cols}x${terminal.rows}`).toBe(text(expected));
			expect(shown, `step ${step}`).toEqual(expected);
		}

		// The comparison sees a single stale cell: one written behind the writer's back.
		output.terminal.write(`\u001B[${terminal.rows - 1};3H#`);
		await flushed(terminal);
		expect(text(cells(terminal))).not.toBe(text(await fullRedraw(screen.frame, terminal.cols, terminal.rows)));
	});

	test('a change writes its rows, not the frame; an update that changes nothing on screen writes nothing', async () => {
		const session = new FakeSession({progress: [{time: '2025-01-01 10:00:00', message: 'first'}]});
		const {terminal, output} = await mountOn(120, 40, session);
		await flushed(terminal);
		const frameBytes = Buffer.byteLength(output.terminal.buffer.active.getLine(0)!.translateToString()) * 40;
		const before = output.bytes;
		await settled(() => {
			session.set({progress: [...session.getState().progress]});
		});
		expect(output.bytes).toBe(before);
		await settled(() => {
			session.set({progress: [...session.getState().progress, {time: '2025-01-01 10:00:01', message: 'second line'}]});
		});
		// The second change in a frame slot is drawn at the slot's end.
		await until(() => {
			expect(screens[0]!.frame).toContain('second line');
		});
		await flushed(terminal);
		expect(text(cells(terminal))).toContain('second line');
		expect(output.bytes - before).toBeGreaterThan(0);
		expect(output.bytes - before).toBeLessThan(frameBytes / 10);
	});

	test('a progress line after a quiet spell is written at once, not in a later frame slot', async () => {
		const session = new FakeSession();
		const {output} = await mountOn(120, 40, session);
		const before = output.bytes;
		// Not inside act(), and no timer may run: React renders in a microtask and the row is drawn in the next turn of the event loop, before any frame slot (16 ms) could end.
		session.set({progress: [{time: '2025-01-01 10:00:00', message: 'right away'}]});
		await new Promise(setImmediate);
		await new Promise(setImmediate);
		expect(output.bytes).toBeGreaterThan(before);
		expect(screens[0]!.frame).toContain('right away');
	});
});
