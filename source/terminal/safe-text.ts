import stripAnsi from 'strip-ansi';

export type SafeTextOptions = {
	/** Keep line breaks (otherwise a line break is shown as ␊, so one item cannot pose as several lines). */
	multiline?: boolean;
};

/** Tab stops, counted in characters from the start of the text (or of its line). */
const tabWidth = 4;

/** Everything a terminal could act on, or that reorders what a person reads, once strip-ansi has taken the well-formed sequences out. */
const unsafeCharacters = /[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;

/**
The one function every string from a workspace (or from any error message that may quote one) passes before it reaches a terminal. Escape sequences (CSI, OSC, DCS, SOS/PM/APC, their 8-bit forms, ESC-Fe/Fp) are removed; every control character left is made visible (C0 and DEL as their Unicode control pictures, such as ␛ ␇ ␈ ␍; C1 as �), so a broken or unterminated sequence is shown as harmless text; Unicode bidi embeddings, overrides and isolates (U+202A–202E, U+2066–2069) become � so they cannot reorder what is read. Tabs become spaces to the next tab stop. A CR that ends a line (CRLF) is dropped. Everything else (any script, emoji) passes unchanged.
*/
export function safeText(text: string, options: SafeTextOptions = {}): string {
	// String(): a field the types call a string may hold anything in a file the other side wrote.
	const stripped = stripAnsi(String(text));
	if (!unsafeCharacters.test(stripped)) {
		return stripped;
	}

	const withoutLineEndingCr = stripped.replaceAll(/\r(?=\n|$)/g, '');
	const expanded = withoutLineEndingCr.includes('\t') ? expandTabs(withoutLineEndingCr, options.multiline ?? false) : withoutLineEndingCr;
	return showControls(expanded, options.multiline ?? false);
}

/** Each control character as its printable stand-in. Every stand-in is one UTF-16 unit, so this maps unit for unit through a typed array: building a string a character at a time, or a replace with millions of matches, took seconds on a hostile line of a few megabytes. */
function showControls(text: string, multiline: boolean): string {
	const units = new Uint16Array(text.length);
	for (let index = 0; index < text.length; index++) {
		units[index] = standIn(text.charCodeAt(index), multiline);
	}

	// Unit for unit, lone surrogates included (Node's UTF-16 decoder does not validate).
	return Buffer.from(units.buffer, units.byteOffset, units.byteLength).toString('utf16le');
}

function standIn(code: number, multiline: boolean): number {
	if (code <= 0x1F) {
		// C0: its control picture (␀ … ␟, ␛ for ESC), a line feed kept where lines are allowed.
		return code === 0x0A && multiline ? code : 0x24_00 + code;
	}

	if (code === 0x7F) {
		return 0x24_21; // ␡
	}

	const c1 = code >= 0x80 && code <= 0x9F;
	const bidi = (code >= 0x20_2A && code <= 0x20_2E) || (code >= 0x20_66 && code <= 0x20_69);
	return c1 || bidi ? 0xFF_FD : code;
}

/** Tabs as spaces to the next tab stop, counted in characters from the start of each line (of the text, on one line). */
function expandTabs(text: string, multiline: boolean): string {
	const lines = multiline ? text.split('\n') : [text];
	return lines.map(line => {
		let column = 0;
		return line.split('\t').map((piece, index) => {
			const spaces = index === 0 ? 0 : tabWidth - (column % tabWidth);
			column += spaces + characterCount(piece);
			return `${' '.repeat(spaces)}${piece}`;
		}).join('');
	}).join('\n');
}

/** Characters, not UTF-16 units: an emoji counts once. */
function characterCount(text: string): number {
	return text.length - (text.match(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g)?.length ?? 0);
}
