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
	const stripped = stripAnsi(text);
	if (!unsafeCharacters.test(stripped)) {
		return stripped;
	}

	let result = '';
	// Characters since the start of the line, for tab stops.
	let column = 0;
	for (let index = 0; index < stripped.length; index++) {
		const code = stripped.codePointAt(index)!;
		if (code > 0xFF_FF) {
			// An astral character (emoji, rare CJK) is two UTF-16 units and never a control.
			result += String.fromCodePoint(code);
			index++;
			column++;
			continue;
		}

		const character = stripped[index]!;
		if (character === '\t') {
			const spaces = tabWidth - (column % tabWidth);
			result += ' '.repeat(spaces);
			column += spaces;
		} else if (character === '\n' && options.multiline) {
			result += '\n';
			column = 0;
		} else if (character === '\r' && (index === stripped.length - 1 || stripped[index + 1] === '\n')) {
			// A line ending (CRLF, or a CR left at the end of a line): nothing to show.
		} else {
			result += visible(code) ?? character;
			column++;
		}
	}

	return result;
}

/** The printable stand-in for a character a terminal would act on; undefined for a safe one. */
function visible(code: number): string | undefined {
	if (code <= 0x1F) {
		return String.fromCodePoint(0x24_00 + code);
	}

	if (code === 0x7F) {
		return '\u2421';
	}

	if ((code >= 0x80 && code <= 0x9F) || (code >= 0x20_2A && code <= 0x20_2E) || (code >= 0x20_66 && code <= 0x20_69)) {
		return '\uFFFD';
	}

	return undefined;
}
