import path from 'node:path';
import {text as streamText} from 'node:stream/consumers';
import {askQuestions, parseNewQuestions, type NewQuestion} from '../core/consumer.js';
import {parseJson, readTextFile} from '../core/safe-io.js';
import {locateWorkspace} from '../core/workspace.js';
import {printLine, usageError, type CommandContext} from './io.js';
import {forFlag, waitAndPrint} from './await.js';
import type {ConsumerFlags} from './claim.js';

export type AskFlags = ConsumerFlags & {option: string[]; id?: string; strict: boolean; schema?: string; file?: string; wait: boolean; for?: number; timeout?: number; json: boolean};

/**
Asks the producer one question (its text, --option, --id, --strict, --schema FILE) or several (--file FILE, or - for stdin) and prints each id on its own line. Asking again is safe: the same question gets the same id. With --wait it then waits like `handoff await`, with the same rules (--for, exit 75 when time is up).
*/
export async function askCommand(context: CommandContext<AskFlags>, stdin: NodeJS.ReadableStream, self: string[]): Promise<number> {
	const {flags} = context;
	if (flags.timeout !== undefined) {
		throw usageError('ask --wait waits at most --for SECONDS (default 50), then exits 75 to be run again; --timeout is not an option of ask');
	}

	const workspace = locateWorkspace(flags.workspace, context.environment, context.cwd);
	const forSeconds = forFlag(flags.for);
	const waitFlags = ['--wait', '--for', String(forSeconds), '--workspace', workspace, ...(flags.json ? ['--json'] : [])];
	let questions: NewQuestion[];
	let rerun: string[] | undefined;
	if (flags.file === undefined) {
		const question = await oneQuestion(context);
		questions = [question];
		const schemaFile = flags.schema === undefined ? [] : ['--schema', path.resolve(context.cwd, flags.schema)];
		rerun = [...self, 'ask', question.text, ...(question.options ?? []).flatMap(option => ['--option', option]), ...(question.id === undefined ? [] : ['--id', question.id]), ...(question.strict ? ['--strict'] : []), ...schemaFile, ...waitFlags];
	} else {
		const fromStdin = flags.file === '-';
		if ((!fromStdin && context.input.length > 0) || flags.option.length > 0 || flags.id !== undefined || flags.strict || flags.schema !== undefined) {
			throw usageError('With --file, every question comes from the file: give no text, --option, --id, --strict or --schema');
		}

		const name = fromStdin ? 'stdin' : flags.file;
		const content = fromStdin ? await streamText(stdin) : await readTextFile(path.resolve(context.cwd, flags.file), {name});
		if (content === undefined) {
			throw usageError(`Cannot read ${flags.file}`);
		}

		questions = parseNewQuestions(parseJson(content, name), name);
		// Questions read from stdin cannot be read again: the command to run again is the wait alone.
		rerun = fromStdin ? undefined : [...self, 'ask', '--file', path.resolve(context.cwd, flags.file), ...waitFlags];
	}

	const asked = await askQuestions(workspace, questions);
	const ids = asked.map(question => question.id);
	if (!flags.wait) {
		for (const id of ids) {
			printLine(context.stdout, id);
		}

		return 0;
	}

	const again = asked.filter(question => !question.created).map(question => question.id);
	rerun ??= [...self, 'await', ...ids, '--for', String(forSeconds), '--workspace', workspace, ...(flags.json ? ['--json'] : [])];
	return waitAndPrint(context, workspace, ids, forSeconds, rerun, `handoff: asked ${ids.join(', ')}${again.length > 0 ? ` (${again.join(', ')} already asked before)` : ''}; waiting up to ${forSeconds} s for the answer`);
}

async function oneQuestion(context: CommandContext<AskFlags>): Promise<NewQuestion> {
	const text = context.input.join(' ').trim();
	if (text === '') {
		throw usageError('Give the question: handoff ask "Should admins see deleted tickets?" --option Yes --option No');
	}

	const {flags} = context;
	let schema: unknown;
	if (flags.schema !== undefined) {
		const content = await readTextFile(path.resolve(context.cwd, flags.schema), {name: flags.schema});
		if (content === undefined) {
			throw usageError(`Cannot read ${flags.schema}`);
		}

		schema = parseJson(content, flags.schema);
	}

	return {
		text,
		...(flags.option.length > 0 ? {options: flags.option} : {}),
		...(flags.id === undefined ? {} : {id: flags.id}),
		...(schema === undefined ? {} : {schema}),
		...(flags.strict ? {strict: true} : {}),
	};
}
