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
	| {name: 'escape'}
	| {name: 'copy'}
	| {name: 'cancel'}
	| {name: 'confirm'}
	| {name: 'help'}
	| {name: 'quit'};

export const keyHelp: Array<[keys: string, what: string]> = [
	['Tab / Shift+Tab', 'move between panes'],
	['↑ ↓', 'scroll, or choose a question in the questions pane'],
	['PgUp / PgDn', 'scroll a page'],
	['1-9', 'pick that option of the chosen question'],
	['Enter', 'send the picked option, or open the answer line'],
	['Esc', 'leave the answer line, or close this help'],
	['c', 'copy the hand-off prompt again'],
	['x', 'cancel the hand-off (asks first)'],
	['?', 'show or hide this help'],
	['q, Ctrl+C', 'quit; the workspace stays as it is (handoff watch resumes)'],
];

/** Maps one key press to a command, or undefined for keys the app ignores. */
export function commandForKey(input: string, key: Key): Command | undefined {
	if (key.tab) {
		return key.shift ? {name: 'focusPrevious'} : {name: 'focusNext'};
	}

	if (key.upArrow) {
		return {name: 'up'};
	}

	if (key.downArrow) {
		return {name: 'down'};
	}

	if (key.pageUp) {
		return {name: 'pageUp'};
	}

	if (key.pageDown) {
		return {name: 'pageDown'};
	}

	if (key.return) {
		return {name: 'submit'};
	}

	if (key.escape) {
		return {name: 'escape'};
	}

	if (key.ctrl && input === 'c') {
		return {name: 'quit'};
	}

	if (key.ctrl || key.meta) {
		return undefined;
	}

	if (/^[1-9]$/.test(input)) {
		return {name: 'pickOption', index: Number(input) - 1};
	}

	switch (input) {
		case 'c': {
			return {name: 'copy'};
		}

		case 'x': {
			return {name: 'cancel'};
		}

		case 'y': {
			return {name: 'confirm'};
		}

		case 'n': {
			return {name: 'escape'};
		}

		case '?': {
			return {name: 'help'};
		}

		case 'q': {
			return {name: 'quit'};
		}

		default: {
			return undefined;
		}
	}
}
