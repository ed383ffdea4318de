/*
Ink's output step (ink/build/output.js), made to cost what changed: the bundle puts this module in its place (scripts/build.js).

Ink turns each frame's writes into text by painting every cell of the frame and turning each row back into ANSI text: at
120x40, about 5 ms a frame, the most of what a progress line costs between its file event and the terminal. The rows of a
frame are independent: what a row shows follows from the writes that land on it (their column and text, in order) and the
frame's width alone. So a row is painted only when that list is one no recent frame had; otherwise its text is reused. The
painting itself is Ink's, with the same functions, so every frame is the text Ink would make
(test/terminal/ink-output.test.ts compares the two over random frames).
*/
import {ansiCodesToString, diffAnsiCodes, styledCharsFromTokens, tokenize, type AnsiCode, type StyledChar} from '@alcalzone/ansi-tokenize';
import sliceAnsi from 'slice-ansi';
import stringWidth from 'string-width';

type OutputTransformer = (line: string, index: number) => string;
type Clip = {x1: number | undefined; x2: number | undefined; y1: number | undefined; y2: number | undefined};
type Operation =
	| {type: 'write'; x: number; y: number; text: string; transformers: OutputTransformer[]}
	| {type: 'clip'; clip: Clip}
	| {type: 'unclip'};

/** One line of a write as it lands on its row: its first column and its text, clipped and transformed. */
type Placed = {x: number; line: string};

/**
A memo that keeps what the last two frames used: a frame reads it, the next frame's reads carry over what they use, and
the rest is dropped. Its size follows the screen, not the session's length.
*/
class FrameMemo<Value> {
	private current = new Map<string, Value>();
	private previous = new Map<string, Value>();

	/** The value under `key`, from this frame or the last, else made now by `make`. */
	get(key: string, make: () => Value): Value {
		let value = this.current.get(key);
		if (value === undefined) {
			value = this.previous.get(key) ?? make();
			this.current.set(key, value);
		}

		return value;
	}

	/** Ends a frame: what it did not use goes at the end of the next one. */
	endFrame(): void {
		this.previous = this.current;
		this.current = new Map();
	}
}

const widths = new FrameMemo<number>();
const styledLines = new FrameMemo<StyledChar[]>();
const paintedRows = new FrameMemo<string>();
const widthOf = (text: string): number => widths.get(text, () => stringWidth(text));

function widestLine(text: string): number {
	let widest = 0;
	for (const line of text.split('\n')) {
		widest = Math.max(widest, widthOf(line));
	}

	return widest;
}

/** A row's memo key: the frame's width, then each placed line as its column and its text. */
function rowKey(width: number, placed: Placed[]): string {
	return JSON.stringify([width, placed.map(({x, line}) => [x, line])]);
}

/** Paints one row as Ink paints it: blank cells, each placed line's characters over them in order, wide ones followed by empty cells. */
function paintRow(width: number, placed: Placed[]): string {
	const cells: StyledChar[] = [];
	for (let x = 0; x < width; x++) {
		cells.push({type: 'char', value: ' ', fullWidth: false, styles: []});
	}

	for (const {x: start, line} of placed) {
		let x = start;
		for (const character of styledLines.get(line, () => styledCharsFromTokens(tokenize(line)))) {
			cells[x] = character;
			const characterWidth = Math.max(1, widthOf(character.value));
			for (let index = 1; index < characterWidth; index++) {
				cells[x + index] = {type: 'char', value: '', fullWidth: false, styles: character.styles};
			}

			x += characterWidth;
		}
	}

	// A line placed left of column 0 or past the width leaves holes or named properties; Ink drops them the same way.
	return rowText(cells.filter(cell => cell !== undefined)).trimEnd();
}

/**
The row's cells as ANSI text, as ansi-tokenize's styledCharsToString makes it: each cell's style change from the one before, and a reset at the end. A cell styled as the one before (most are: a run of plain or one-coloured text) changes nothing, and is known to without working out the difference, which is most of that function's cost.
*/
function rowText(cells: StyledChar[]): string {
	if (cells.length === 0) {
		return '';
	}

	let text = '';
	let styles: AnsiCode[] = [];
	for (const cell of cells) {
		if (!sameStyles(styles, cell.styles)) {
			text += ansiCodesToString(diffAnsiCodes(styles, cell.styles));
		}

		text += cell.value;
		styles = cell.styles;
	}

	return text + ansiCodesToString(diffAnsiCodes(styles, []));
}

function sameStyles(a: AnsiCode[], b: AnsiCode[]): boolean {
	return a === b || (a.length === b.length && a.every((code, index) => code.code === b[index]!.code && code.endCode === b[index]!.endCode));
}

export default class Output {
	readonly width: number;
	readonly height: number;
	private readonly operations: Operation[] = [];

	constructor({width, height}: {width: number; height: number}) {
		this.width = width;
		this.height = height;
	}

	write(x: number, y: number, text: string, {transformers}: {transformers: OutputTransformer[]}): void {
		if (text) {
			this.operations.push({type: 'write', x, y, text, transformers});
		}
	}

	clip(clip: Clip): void {
		this.operations.push({type: 'clip', clip});
	}

	unclip(): void {
		this.operations.push({type: 'unclip'});
	}

	get(): {output: string; height: number} {
		const rows: Placed[][] = Array.from({length: this.height}, () => []);
		const clips: Clip[] = [];
		for (const operation of this.operations) {
			if (operation.type === 'clip') {
				clips.push(operation.clip);
			} else if (operation.type === 'unclip') {
				clips.pop();
			} else {
				this.place(operation, clips.at(-1), rows);
			}
		}

		const output = rows.map(placed => (placed.length === 0 ? '' : paintedRows.get(rowKey(this.width, placed), () => paintRow(this.width, placed)))).join('\n');
		for (const memo of [widths, styledLines, paintedRows]) {
			memo.endFrame();
		}

		return {output, height: rows.length};
	}

	/** Clips a write as Ink does and records each of its lines on the row it lands on. */
	private place({text, transformers, ...at}: Extract<Operation, {type: 'write'}>, clip: Clip | undefined, rows: Placed[][]): void {
		let {x, y} = at;
		let lines = text.split('\n');
		if (clip) {
			const {x1, x2, y1, y2} = clip;
			const horizontal = typeof x1 === 'number' && typeof x2 === 'number' ? {x1, x2} : undefined;
			const vertical = typeof y1 === 'number' && typeof y2 === 'number' ? {y1, y2} : undefined;
			if (horizontal && (x + widestLine(text) < horizontal.x1 || x > horizontal.x2)) {
				return;
			}

			if (vertical && (y + lines.length < vertical.y1 || y > vertical.y2)) {
				return;
			}

			if (horizontal) {
				const from = x < horizontal.x1 ? horizontal.x1 - x : 0;
				lines = lines.map(line => {
					const width = widthOf(line);
					return sliceAnsi(line, from, x + width > horizontal.x2 ? horizontal.x2 - x : width);
				});
				x = Math.max(x, horizontal.x1);
			}

			if (vertical) {
				const from = y < vertical.y1 ? vertical.y1 - y : 0;
				lines = lines.slice(from, y + lines.length > vertical.y2 ? vertical.y2 - y : lines.length);
				y = Math.max(y, vertical.y1);
			}
		}

		// Ink stops at the first line below the frame (or above it): the ones after go where it went.
		for (const [index, line] of lines.entries()) {
			const row = rows[y];
			if (!row) {
				return;
			}

			let transformed = line;
			for (const transformer of transformers) {
				transformed = transformer(transformed, index);
			}

			row.push({x, line: transformed});
			y++;
		}
	}
}
