import {helpSections} from './keymap.js';
import type {Line} from './pane-lines.js';

/** The help view's lines, generated from the keymap. */
export function helpLines(): Line[] {
	const sections = helpSections();
	const width = Math.max(...sections.flatMap(section => section.rows.map(row => row.keys.length)));
	return sections.flatMap((section, index) => [
		...(index > 0 ? [{text: ''}] : []),
		{text: section.title, bold: true, color: 'cyan'},
		...section.rows.map(row => ({text: `${row.keys.padEnd(width)}  ${row.what}`, hang: width + 2})),
	]);
}
