import type {Key} from 'ink';

/** Keys the app tells apart by name (Ink reports them as flags). */
export type KeyName = 'up' | 'down' | 'left' | 'right' | 'pageUp' | 'pageDown' | 'home' | 'end' | 'return' | 'escape' | 'tab' | 'backspace';

/** One key press: a named key, or text (one character, or a pasted run of them where that is asked for). */
export type KeyEvent = {name?: KeyName; text: string; ctrl: boolean; shift: boolean; meta: boolean};

const flagNames: Array<[flag: keyof Key, name: KeyName]> = [
	['upArrow', 'up'],
	['downArrow', 'down'],
	['leftArrow', 'left'],
	['rightArrow', 'right'],
	['pageUp', 'pageUp'],
	['pageDown', 'pageDown'],
	['home', 'home'],
	['end', 'end'],
	['return', 'return'],
	['escape', 'escape'],
	['tab', 'tab'],
	['backspace', 'backspace'],
	// Ink reports the Backspace key of most terminals (DEL, 0x7F) as delete, and cannot tell the Delete key (ESC [3~) from it: both delete backwards, as in ink-text-input.
	['delete', 'backspace'],
];

/** Control characters that arrive inside a longer read, as the keys they are. */
const controlKeys: Record<string, Omit<KeyEvent, 'shift' | 'meta'>> = {
	'\r': {name: 'return', text: '', ctrl: false},
	'\n': {name: 'return', text: '', ctrl: false},
	'\t': {name: 'tab', text: '', ctrl: false},
	'\u007F': {name: 'backspace', text: '', ctrl: false},
	'\b': {name: 'backspace', text: '', ctrl: false},
	'\u0003': {text: 'c', ctrl: true},
	'\u001A': {text: 'z', ctrl: true},
};

/**
The key presses in one read of the terminal. Ink hands a read that is not a single escape sequence over whole, so "3\r" (a digit and Enter sent together, as over a slow SSH link, or typed ahead while the app was busy) arrives as one input with no flag: split, it is the key 3 and then Enter. `keepText` keeps a run of printable characters together (a paste into the answer line); otherwise each character is its own press.
*/
export function splitKeys(input: string, key: Key, {keepText = false}: {keepText?: boolean} = {}): KeyEvent[] {
	const named = flagNames.find(([flag]) => key[flag]);
	if (named) {
		return [{name: named[1], text: '', ctrl: key.ctrl, shift: key.shift, meta: key.meta && !key.escape}];
	}

	if (key.ctrl || key.meta || input.length <= 1) {
		return [{text: input, ctrl: key.ctrl, shift: key.shift, meta: key.meta}];
	}

	const events: KeyEvent[] = [];
	let run = '';
	const flush = (): void => {
		if (run === '') {
			return;
		}

		events.push(...(keepText ? [run] : [...run]).map(text => ({text, ctrl: false, shift: false, meta: false})));
		run = '';
	};

	for (const character of input) {
		const control = controlKeys[character];
		if (control) {
			flush();
			events.push({...control, shift: false, meta: false});
		} else if (character.codePointAt(0)! >= 0x20) {
			run += character;
		}
		// Any other control character in a batch is dropped: it is no key the app has.
	}

	flush();
	return events;
}
