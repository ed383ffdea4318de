import type {KeyEvent, KeyName} from './key-events.js';

/**
Every key of the app, in one table: named commands, bound per mode (what the screen is doing). The key handlers look commands up here, and the help view and the footer are generated from it, so what the screen says is what the keys do.
*/

/** What the screen is doing, which decides what a key means. The first that applies wins (see modeOf in use-app-state.ts). */
export type Mode = 'panes' | 'answer' | 'confirmCancel' | 'confirmQuit' | 'detail' | 'finished';

export type CommandName =
	/** Ctrl+C: quit, asking first when an answer is half-typed. */
	| 'interrupt'
	| 'suspend'
	| 'help'
	| 'quit'
	| 'focusNext'
	| 'focusPrevious'
	| 'up'
	| 'down'
	| 'pageUp'
	| 'pageDown'
	| 'top'
	| 'bottom'
	| 'pickOption'
	| 'submit'
	| 'view'
	| 'typeAnswer'
	| 'prompt'
	| 'copy'
	| 'cancel'
	| 'send'
	| 'leave'
	| 'cursorLeft'
	| 'cursorRight'
	| 'cursorStart'
	| 'cursorEnd'
	| 'deleteBackward'
	| 'deleteForward'
	| 'yes'
	| 'no'
	| 'close';

export type Command = {name: CommandName; index?: number};

/** One key: a named key (with Shift where it matters, for Tab), a character, or any digit 1-9. */
type KeySpec = {name?: KeyName; text?: string; ctrl?: boolean; shift?: boolean; digits?: true};

export type Binding = {
	command: CommandName;
	keys: KeySpec[];
	/** The keys as the help shows them. */
	label: string;
	help: string;
	/** The footer's short form; the footer shows these in table order, as many as fit, so the first ones always show. */
	footer?: string;
};

const ctrl = (text: string): KeySpec => ({text, ctrl: true});
const named = (name: KeyName, shift?: boolean): KeySpec => (shift === undefined ? {name} : {name, shift});
const text = (value: string): KeySpec => ({text: value});

/** Keys that mean the same in every mode. */
const everywhere: Binding[] = [
	{command: 'interrupt', keys: [ctrl('c')], label: 'Ctrl+C', help: 'quit (asks first when an answer is half-typed)'},
	{command: 'suspend', keys: [ctrl('z')], label: 'Ctrl+Z', help: 'suspend to the shell; fg comes back'},
];

const scrolling: Binding[] = [
	{command: 'up', keys: [named('up'), text('k')], label: '↑ ↓', help: 'scroll, or choose a question in the questions pane', footer: '↑↓ scroll'},
	{command: 'down', keys: [named('down'), text('j')], label: '', help: ''},
	{command: 'pageUp', keys: [named('pageUp')], label: 'PgUp PgDn', help: 'scroll a page'},
	{command: 'pageDown', keys: [named('pageDown'), text(' ')], label: '', help: ''},
];

export const keymap: Record<Mode, {title: string; bindings: Binding[]}> = {
	panes: {
		title: 'Watching',
		bindings: [
			{command: 'help', keys: [text('?')], label: '?', help: 'every key (this view)', footer: '? help'},
			{command: 'quit', keys: [text('q')], label: 'q', help: 'quit; the workspace stays as it is (handoff watch comes back)', footer: 'q quit'},
			{command: 'pickOption', keys: [{digits: true}], label: '1-9', help: 'pick that option of the chosen question', footer: '1-9 pick'},
			{command: 'submit', keys: [named('return')], label: 'Enter', help: 'send the picked option or type an answer; on another pane, show it whole', footer: 'Enter send'},
			{command: 'view', keys: [text('v')], label: 'v', help: 'show the focused pane whole, wrapped (long lines, errors, the result)', footer: 'v view'},
			{command: 'focusNext', keys: [named('tab', false)], label: 'Tab', help: 'next pane', footer: 'Tab pane'},
			{command: 'focusPrevious', keys: [named('tab', true)], label: 'Shift+Tab', help: 'previous pane'},
			...scrolling,
			{command: 'typeAnswer', keys: [text('t')], label: 't', help: 'type an answer that is none of the options (unless the question is strict)', footer: 't type'},
			{command: 'prompt', keys: [text('p')], label: 'p', help: 'show the whole hand-off prompt', footer: 'p prompt'},
			{command: 'copy', keys: [text('c')], label: 'c', help: 'copy the hand-off prompt again', footer: 'c copy'},
			{command: 'cancel', keys: [text('x')], label: 'x', help: 'cancel the hand-off (asks first)', footer: 'x cancel'},
		],
	},
	answer: {
		title: 'Typing an answer',
		bindings: [
			{command: 'send', keys: [named('return')], label: 'Enter', help: 'send the answer', footer: 'Enter send'},
			{command: 'leave', keys: [named('escape')], label: 'Esc', help: 'leave the answer line; what you typed stays for later', footer: 'Esc leave (keeps it)'},
			{command: 'cursorLeft', keys: [named('left')], label: '← →', help: 'move in the answer'},
			{command: 'cursorRight', keys: [named('right')], label: '', help: ''},
			{command: 'cursorStart', keys: [named('home'), ctrl('a')], label: 'Home End', help: 'to the start or end of the answer'},
			{command: 'cursorEnd', keys: [named('end'), ctrl('e')], label: '', help: ''},
			{command: 'deleteBackward', keys: [named('backspace')], label: 'Backspace', help: 'delete before the cursor'},
			{command: 'deleteForward', keys: [ctrl('d')], label: 'Ctrl+D', help: 'delete at the cursor'},
		],
	},
	confirmCancel: {
		title: 'Cancel this hand-off?',
		bindings: [
			{command: 'yes', keys: [text('y')], label: 'y', help: 'yes, cancel the hand-off', footer: 'y: yes, cancel'},
			{command: 'no', keys: [text('n'), named('escape'), text('q')], label: 'n Esc', help: 'no, keep going', footer: 'n: no'},
		],
	},
	confirmQuit: {
		title: 'Quit with an answer not sent?',
		bindings: [
			{command: 'yes', keys: [text('y')], label: 'y', help: 'yes, quit (the typed answer is not sent)', footer: 'y: quit'},
			{command: 'no', keys: [text('n'), named('escape')], label: 'n Esc', help: 'no, stay', footer: 'n: stay'},
		],
	},
	detail: {
		title: 'Showing one thing whole',
		bindings: [
			{command: 'help', keys: [text('?')], label: '?', help: 'show or close this help', footer: '? help'},
			{command: 'close', keys: [named('escape'), text('q'), text('v'), text('p')], label: 'Esc q', help: 'back to the panes', footer: 'Esc back'},
			...scrolling,
			{command: 'top', keys: [named('home'), text('g')], label: 'Home End', help: 'to the start or the end'},
			{command: 'bottom', keys: [named('end'), text('G')], label: '', help: ''},
		],
	},
	finished: {
		title: 'When the hand-off has ended',
		bindings: [
			{command: 'help', keys: [text('?')], label: '?', help: 'every key', footer: '? help'},
			{command: 'quit', keys: [], label: 'any other key', help: 'close the screen', footer: 'any other key closes'},
			{command: 'view', keys: [text('v')], label: 'v', help: 'show the focused pane whole (the result, every error)', footer: 'v view'},
			{command: 'focusNext', keys: [named('tab', false)], label: 'Tab', help: 'next pane'},
			{command: 'focusPrevious', keys: [named('tab', true)], label: 'Shift+Tab', help: 'previous pane'},
			...scrolling,
		],
	},
};

function matches(spec: KeySpec, event: KeyEvent): boolean {
	if (Boolean(spec.ctrl) !== event.ctrl) {
		return false;
	}

	if (spec.name) {
		return event.name === spec.name && (spec.shift === undefined || spec.shift === event.shift);
	}

	if (event.name !== undefined || event.meta) {
		return false;
	}

	return spec.digits ? /^[1-9]$/.test(event.text) : event.text === spec.text;
}

/** The command a key press has in `mode`, or undefined for a key the mode does not use. */
export function commandFor(mode: Mode, event: KeyEvent): Command | undefined {
	for (const binding of [...everywhere, ...keymap[mode].bindings]) {
		const spec = binding.keys.find(candidate => matches(candidate, event));
		if (spec) {
			return spec.digits ? {name: binding.command, index: Number(event.text) - 1} : {name: binding.command};
		}
	}

	return undefined;
}

/** The footer's items for a mode, most important first. */
export function footerItems(mode: Mode): string[] {
	return keymap[mode].bindings.flatMap(binding => binding.footer === undefined ? [] : [binding.footer]);
}

export type HelpSection = {title: string; rows: Array<{keys: string; what: string}>};

/** The help view: every mode's keys, the keys that work everywhere last. */
export function helpSections(): HelpSection[] {
	const rows = (bindings: Binding[]): HelpSection['rows'] => bindings.filter(binding => binding.label !== '').map(binding => ({keys: binding.label, what: binding.help}));
	return [
		...(['panes', 'answer', 'detail', 'finished'] as const).map(mode => ({title: keymap[mode].title, rows: rows(keymap[mode].bindings)})),
		{title: 'Anywhere', rows: rows(everywhere)},
	];
}
