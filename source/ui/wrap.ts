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

		return wrapAnsi(text, columns, {hard: true, trim: false}).split('\n').map(row => ({...line, text: row}));
	});
}
