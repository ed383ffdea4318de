import {parseArgs} from 'node:util';

/**
The command line, parsed with Node's own parseArgs rather than meow: loading meow (yargs-parser and friends) took about half the start-up of a consumer command, which agents run many times. It keeps meow's surface: `--kebab-case` or `--camelCase` flags, `--no-<flag>` for booleans, numbers, repeatable flags, and every unknown flag listed at once.
*/

export type FlagSpec =
	| {type: 'string'; isMultiple?: false; default?: string}
	| {type: 'string'; isMultiple: true; default: string[]}
	| {type: 'number'}
	| {type: 'boolean'; default: boolean};

type FlagValue<Spec extends FlagSpec> = Spec extends {type: 'boolean'} ? boolean
	: Spec extends {type: 'number'} ? number | undefined
		: Spec extends {isMultiple: true} ? string[]
			: Spec extends {default: string} ? string : string | undefined;

export type Flags<Specs extends Record<string, FlagSpec>> = {[Name in keyof Specs]: FlagValue<Specs[Name]>};

export type CommandLine<Specs extends Record<string, FlagSpec>> =
	| {kind: 'command'; input: string[]; flags: Flags<Specs>}
	| {kind: 'help'}
	| {kind: 'version'}
	/** Flags we do not know, as written (`--bogus`, `-x`). */
	| {kind: 'unknown flags'; flags: string[]}
	| {kind: 'usage error'; message: string};

const negativeNumber = /^-(?:\d+|\d*\.\d+)(?:e[+-]?\d+)?$/i;

function kebabCase(name: string): string {
	return name.replaceAll(/[A-Z]/g, letter => `-${letter.toLowerCase()}`);
}

function camelCase(name: string): string {
	return name.replaceAll(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/** Parses `argv` (without node and the script). `--help` or `--version` anywhere asks for that. */
export function parseCommandLine<Specs extends Record<string, FlagSpec>>(argv: string[], specs: Specs): CommandLine<Specs> {
	// Anywhere before a `--` (meow answered them only alone, and otherwise ran the command without them).
	const flagWords = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv;
	if (flagWords.includes('--help')) {
		return {kind: 'help'};
	}

	if (flagWords.includes('--version')) {
		return {kind: 'version'};
	}

	// Each flag under both spellings, so that `--stallAfter 3` takes its value as `--stall-after 3` does.
	const options: Record<string, {type: 'string' | 'boolean'; multiple?: boolean}> = {};
	for (const [name, spec] of Object.entries(specs)) {
		const option = {type: spec.type === 'boolean' ? 'boolean' as const : 'string' as const, multiple: spec.type === 'string' && spec.isMultiple === true};
		options[name] = option;
		options[kebabCase(name)] = option;
	}

	const {tokens} = parseArgs({args: argv, options, strict: false, allowPositionals: true, allowNegative: true, tokens: true});
	const input: string[] = [];
	const unknown: string[] = [];
	const values: Record<string, unknown> = {};
	const given = new Set<string>();
	for (const [name, spec] of Object.entries(specs)) {
		values[name] = spec.type === 'string' && spec.isMultiple ? [...spec.default] : ('default' in spec ? spec.default : undefined);
	}

	for (const token of tokens) {
		if (token.kind === 'positional') {
			input.push(token.value);
			continue;
		}

		if (token.kind === 'option-terminator') {
			continue;
		}

		// A negative number is a word, not a flag: `handoff progress -5` reports "-5".
		if (negativeNumber.test(token.rawName)) {
			input.push(token.rawName);
			continue;
		}

		const name = camelCase(token.name);
		const spec = specs[name];
		if (spec === undefined || !token.rawName.startsWith('--')) {
			unknown.push(token.rawName);
			continue;
		}

		if (spec.type === 'boolean') {
			const negated = token.rawName.startsWith('--no-');
			if (token.value !== undefined && token.value !== 'true' && token.value !== 'false') {
				return {kind: 'usage error', message: `--${kebabCase(name)} takes no value (or true or false)`};
			}

			values[name] = negated ? false : token.value !== 'false';
			continue;
		}

		if (token.value === undefined) {
			return {kind: 'usage error', message: `--${kebabCase(name)} needs a value`};
		}

		if (spec.type === 'string' && spec.isMultiple) {
			(values[name] as string[]).push(token.value);
		} else if (given.has(name)) {
			return {kind: 'usage error', message: `--${kebabCase(name)} can only be given once`};
		} else {
			given.add(name);
			values[name] = spec.type === 'number' ? Number(token.value) : token.value;
		}
	}

	if (unknown.length > 0) {
		return {kind: 'unknown flags', flags: unknown};
	}

	return {kind: 'command', input, flags: values as Flags<Specs>};
}

/** The help as meow printed it: the description, then the text, each line indented by two spaces instead of the tab it is written with. */
export function formatHelp(description: string, text: string): string {
	const lines = text.replace(/^\n+/, '').trimEnd().split('\n').map(line => line.replace(/^\t/, ''));
	const indent = (line: string): string => (line.trim() === '' ? '' : `  ${line}`);
	return `\n${indent(description)}\n\n${lines.map(line => indent(line)).join('\n')}\n`;
}
