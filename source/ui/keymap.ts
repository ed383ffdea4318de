import type {Key} from 'ink';

/** Every key the app knows, by name. The help overlay is generated from this table. */
export type Command =
	| {name: 'focusNext'}
	| {name: 'focusPrevious'}
	| {name: 'up'}
	| {name: 'down'}
	| {name: 'pageUp'}
	| {name: 'pageDown'}
	| {name: 'pickOption'; index: number}
	| {name: 'submit'}
	/** Open the answer line on a question with options, for an answer that is none of them. */
	| {name: 'typeAnswer'}
	| {name: 'escape'}
	| {name: 'copy'}
	| {name: 'cancel'}
	| {name: 'confirm'}
	| {name: 'help'}
	| {name: 'quit'}
	| {name: 'suspend'};

export const keyHelp: Array<[keys: string, what: string]> = [
	['Tab / Shift+Tab', 'move between panes'],
	['↑ ↓', 'scroll, or choose a question in the questions pane'],
	['PgUp / PgDn', 'scroll a page'],
	['1-9', 'pick that option of the chosen question'],
	['Enter', 'send the picked option, or open the answer line'],
	['t', 'type an answer that is none of the options (unless the question is strict)'],
	['Esc', 'leave the answer line, or close this help'],
	['c', 'copy the hand-off prompt again'],
	['x', 'cancel the hand-off (asks first)'],
	['?', 'show or hide this help'],
	['q, Ctrl+C', 'quit; the workspace stays as it is (handoff watch resumes)'],
	['Ctrl+Z', 'suspend to the shell; fg comes back'],
];

/** Keys Ink reports as flags, in the order they are checked. */
const namedKeys: Array<[flag: keyof Key, command: Command]> = [
	['upArrow', {name: 'up'}],
	['downArrow', {name: 'down'}],
	['pageUp', {name: 'pageUp'}],
	['pageDown', {name: 'pageDown'}],
	['return', {name: 'submit'}],
	['escape', {name: 'escape'}],
];

/** Plain characters. `n` is "no" in the cancel confirmation, so it closes like Esc. */
const characterKeys: Record<string, Command> = {
	c: {name: 'copy'},
	t: {name: 'typeAnswer'},
	x: {name: 'cancel'},
	y: {name: 'confirm'},
	n: {name: 'escape'},
	'?': {name: 'help'},
	q: {name: 'quit'},
};

/** Maps one key press to a command, or undefined for keys the app ignores. */
export function commandForKey(input: string, key: Key): Command | undefined {
	if (key.tab) {
		return key.shift ? {name: 'focusPrevious'} : {name: 'focusNext'};
	}

	const named = namedKeys.find(([flag]) => key[flag]);
	if (named) {
		return named[1];
	}

	if (key.ctrl && input === 'c') {
		return {name: 'quit'};
	}

	if (key.ctrl && input === 'z') {
		return {name: 'suspend'};
	}

	if (key.ctrl || key.meta) {
		return undefined;
	}

	if (/^[1-9]$/.test(input)) {
		return {name: 'pickOption', index: Number(input) - 1};
	}

	return characterKeys[input];
}
