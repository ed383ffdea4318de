import wrapAnsi from 'wrap-ansi';
import {safeText} from '../terminal/safe-text.js';
import type {Line} from './pane-lines.js';

/**
Lines cut into rows of at most `width` columns, at spaces where it can and hard where a word is longer, each row keeping its line's style. Wrapped here, not by Ink, so the rows can be counted for scrolling; wrap-ansi with the options Ink uses, so a row is exactly what Ink would draw. Text is made terminal-safe first, so the count is of what is shown.
*/
export function wrapRows(lines: Line[], width: number): Line[] {
	const columns = Math.max(1, Math.floor(width));
	return lines.flatMap(line => {
		const text = safeText(line.text);
		if (text === '') {
			return [{...line, text: ''}];
		}

		// A line that fits and holds only one-column characters is its own row: ten thousand questions are twenty thousand lines, wrapped on every frame.
		if (text.length <= columns && oneColumn.test(text)) {
			return [{...line, text: text.trimEnd()}];
		}

		const rows = cut(text, columns);
		const hang = Math.min(line.hang ?? 0, columns - 1);
		if (hang <= 0 || rows.length === 1 || !text.startsWith(rows[0]!)) {
			return rows.map(row => ({...line, text: row}));
		}

		// Rows after the first start under the text, not under its label (the help's keys column).
		const rest = cut(text.slice(rows[0]!.length).trim(), columns - hang);
		return [rows[0]!, ...rest.map(row => `${' '.repeat(hang)}${row}`)].map(row => ({...line, text: row}));
	});
}

/** Printable ASCII and the marks the panes use, each one column wide. */
const oneColumn = /^[\x20-\x7E▸●·→✓✗…│]*$/u;

/** One line's rows: a line's own indent stays (pretty-printed JSON); the space a row was broken at does not start the next row. */
function cut(text: string, columns: number): string[] {
	return wrapAnsi(text, columns, {hard: true, trim: false}).split('\n').map((row, index) => (index === 0 ? row.trimEnd() : row.trim()));
}

/** Lines wrapped as wrapRows does, with `starts` (indexes of lines) moved to the rows those lines begin on. */
export function wrapWithStarts(lines: Line[], starts: number[], width: number): {rows: Line[]; starts: number[]} {
	const rows: Line[] = [];
	const rowStarts: number[] = [];
	// A set: ten thousand questions have ten thousand starts, and a list searched per line made the first frame take seconds.
	const startSet = new Set(starts);
	for (const [index, line] of lines.entries()) {
		if (startSet.has(index)) {
			rowStarts.push(rows.length);
		}

		rows.push(...wrapRows([line], width));
	}

	return {rows, starts: rowStarts};
}
