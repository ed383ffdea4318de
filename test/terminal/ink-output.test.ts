import {expect, test} from 'vitest';
import Output from '../../source/terminal/ink-output.js';
// Ink's own output step, by path: the package exports only its entry.
import InkOutput from '../../node_modules/ink/build/output.js';

type Transformer = (line: string, index: number) => string;
type Clip = {x1: number | undefined; x2: number | undefined; y1: number | undefined; y2: number | undefined};
type Operation = {type: 'write'; x: number; y: number; text: string; transformers: Transformer[]} | {type: 'clip'; clip: Clip} | {type: 'unclip'};
type Frame = {width: number; height: number; operations: Operation[]};

/** A small seeded generator (mulberry32), so that a failing frame can be made again. */
function randomFrom(seed: number) {
	let state = seed;
	const next = () => {
		state = (state + 0x6D_2B_79_F5) | 0;
		let t = Math.imul(state ^ (state >>> 15), 1 | state);
		t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
		return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
	};

	const integer = (low: number, high: number) => low + Math.floor(next() * (high - low + 1));
	const pick = <T>(items: readonly T[]): T => items[integer(0, items.length - 1)]!;
	return {next, integer, pick};
}

const esc = '\u001B[';
// What Ink's writes hold: plain and styled text (colours, 256 colours, intensity, resets), wide and combining characters, emoji, newlines.
const pieces = ['a', 'word', ' ', '  ', '│', '─╮', 'Line 12', '漢字', '🙂', 'é', 'e\u0301', '\t', `${esc}31mred${esc}39m`, `${esc}1mbold${esc}22m`, `${esc}2m${esc}1mdim+bold${esc}22m`, `${esc}38;5;208morange`, `${esc}41mbg${esc}49m`, `${esc}0m`, `${esc}4munder${esc}24m`, `${esc}7m`, '\n', '\n'];
const transformers: Transformer[] = [
	line => `${esc}36m${line}${esc}39m`,
	(line, index) => (index % 2 === 0 ? line.toUpperCase() : `${esc}1m${line}${esc}22m`),
	line => line.slice(1),
	// A transformed line may hold what a split line never does, a newline or a tab: it is painted as characters, as Ink paints it.
	line => `${line}\n\t`,
];

function randomFrame(random: ReturnType<typeof randomFrom>, previous?: Frame): Frame {
	// Half the frames change a few writes of the last one, as a screen does from frame to frame; some change its width.
	if (previous && random.next() < 0.5) {
		const operations = previous.operations.map(operation => (operation.type === 'write' && random.next() < 0.2 ? randomWrite(random, previous) : operation));
		return {...previous, width: random.next() < 0.1 ? random.integer(1, 40) : previous.width, operations};
	}

	const frame: Frame = {width: random.integer(0, 40), height: random.integer(0, 12), operations: []};
	let open = 0;
	for (let count = random.integer(0, 25); count > 0; count--) {
		const kind = random.next();
		if (kind < 0.15) {
			const coordinate = (low: number, high: number) => (random.next() < 0.2 ? undefined : random.integer(low, high));
			frame.operations.push({type: 'clip', clip: {x1: coordinate(-3, frame.width), x2: coordinate(0, frame.width + 3), y1: coordinate(-3, frame.height), y2: coordinate(0, frame.height + 3)}});
			open++;
		} else if (kind < 0.25 && open > 0) {
			frame.operations.push({type: 'unclip'});
			open--;
		} else {
			frame.operations.push(randomWrite(random, frame));
		}
	}

	return frame;
}

function randomWrite(random: ReturnType<typeof randomFrom>, frame: Frame): Operation {
	const text = Array.from({length: random.integer(0, 8)}, () => random.pick(pieces)).join('');
	const chosen = transformers.filter(() => random.next() < 0.25);
	return {type: 'write', x: random.integer(-4, frame.width + 2), y: random.integer(-3, frame.height + 1), text, transformers: chosen};
}

function draw(output: Output | InkOutput, frame: Frame) {
	for (const operation of frame.operations) {
		if (operation.type === 'write') {
			output.write(operation.x, operation.y, operation.text, {transformers: operation.transformers});
		} else if (operation.type === 'clip') {
			output.clip(operation.clip);
		} else {
			output.unclip();
		}
	}

	return output.get();
}

test('every frame is the text Ink\'s own output step makes, over 5,000 random frames drawn one after another', () => {
	const random = randomFrom(12);
	let frame: Frame | undefined;
	for (let index = 0; index < 5000; index++) {
		frame = randomFrame(random, frame);
		const ours = draw(new Output(frame), frame);
		const inks = draw(new InkOutput(frame), frame);
		expect(ours, `frame ${index}: ${JSON.stringify(frame)}`).toEqual(inks);
	}
});

test('a row drawn before is drawn the same when its writes come back at another place or width', () => {
	const box = (x: number, y: number): Frame['operations'] => [
		{type: 'write', x, y, text: `╭──╮\n│${esc}32m✓${esc}39m │\n╰──╯`, transformers: []},
		{type: 'write', x: x + 1, y: y + 1, text: '漢', transformers: []},
	];
	for (const frame of [{width: 20, height: 5, operations: box(0, 0)}, {width: 20, height: 5, operations: box(3, 1)}, {width: 2, height: 5, operations: box(3, 1)}, {width: 20, height: 5, operations: box(0, 0)}]) {
		expect(draw(new Output(frame), frame)).toEqual(draw(new InkOutput(frame), frame));
	}
});
