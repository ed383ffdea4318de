import type {Key} from 'ink';
import type {KeyEvent} from '../../source/ui/key-events.js';

/** A key event with no flag set, as Ink reports a plain character. */
export const plainKey: Key = {
	upArrow: false,
	downArrow: false,
	leftArrow: false,
	rightArrow: false,
	pageDown: false,
	pageUp: false,
	home: false,
	end: false,
	return: false,
	escape: false,
	ctrl: false,
	shift: false,
	tab: false,
	backspace: false,
	delete: false,
	meta: false,
	super: false,
	hyper: false,
	capsLock: false,
	numLock: false,
};

/** One key press as the handlers see it after splitKeys. */
export const event = (patch: Partial<KeyEvent> = {}): KeyEvent => ({text: '', ctrl: false, shift: false, meta: false, ...patch});
export const character = (text: string): KeyEvent => event({text});
export const namedKey = (name: NonNullable<KeyEvent['name']>, patch: Partial<KeyEvent> = {}): KeyEvent => event({name, ...patch});
