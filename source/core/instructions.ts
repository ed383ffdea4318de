import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import type {Manifest} from './manifest.js';
import {layout} from './paths.js';
import {partialPathFor} from './result.js';
import {mcpAwaitSeconds, toolLimit} from './tool-limits.js';

/** Quotes one word for a POSIX shell. */
export function shellQuote(word: string): string {
	return /^[\w./:=@%+-]+$/.test(word) ? word : `'${word.replaceAll("'", String.raw`'\''`)}'`;
}

export type InstructionsOptions = {
	workspace: string;
	manifest: Manifest;
	/** The producer's own task text; a default is built from the manifest when absent. */
	taskText?: string;
	/** The words that run this CLI on this machine, e.g. [process.execPath, '/abs/dist/cli.js']. */
	command: string[];
	/** The consumer's tool (`--tool`): step 5 is written for its time limit on shell commands. */
	tool?: string;
	/** The steps as calls of handoff's MCP tools (`--mcp`), the commands kept as the fallback. */
	mcp?: boolean;
};

/** Where the protocol starts in input/instructions.md, after the producer's task (get_task of `handoff mcp` returns what comes before). */
export const protocolHeading = '## How to hand back your work';

/** The task text used when the producer gives none. */
export function defaultTaskText(manifest: Manifest): string {
	const inputs = Object.entries(manifest.inputs).filter(([key]) => key !== 'instructions' && key !== 'schema');
	const lines = [`Carry out the task "${manifest.task}".`];
	if (inputs.length > 0) {
		lines.push('', `Use the input${inputs.length === 1 ? '' : 's'}: ${inputs.map(([key, file]) => `${key} (\`${file}\`)`).join(', ')}.`);
	}

	lines.push('', `Write the result to \`${manifest.result.path}\`${manifest.schemaPath ? `, valid against the JSON Schema in \`${manifest.schemaPath}\`` : ''}.`);
	return lines.join('\n');
}

/**
input/instructions.md: the producer's task, then the protocol written for an LLM agent. Each step gives the exact command for this machine and the plain-file way for tools that cannot run commands.
*/
export function buildInstructions(options: InstructionsOptions): string {
	const {workspace, manifest} = options;
	const handoff = [...options.command, '--workspace', workspace].map(shellQuote).join(' ');
	const result = manifest.result.path;
	const partial = partialPathFor(result);
	const inputs = Object.entries(manifest.inputs).filter(([key]) => key !== 'instructions');
	const timeout = manifest.timeoutSeconds === undefined ? '' : ` You have ${formatSeconds(manifest.timeoutSeconds)} from when the task was created.`;
	const retries = manifest.maxRetries > 0 ? `A rejected result can be fixed and sent again ${manifest.maxRetries} time${manifest.maxRetries === 1 ? '' : 's'}.` : 'There is no second attempt after a rejected result, so run the check in step 6 first.';
	if (options.mcp) {
		return `# Task: ${manifest.task}

${(options.taskText ?? defaultTaskText(manifest)).trim()}

---

${mcpSteps({workspace, handoff, result, inputs, timeout, retries, tool: options.tool, version: manifest.version})}`;
	}

	return `# Task: ${manifest.task}

${(options.taskText ?? defaultTaskText(manifest)).trim()}

---

${protocolHeading} (handoff protocol ${manifest.version})

Workspace: \`${workspace}\`
Every path below is relative to it. Read and write only inside it.${timeout}

Each step shows a command to run (it works from any folder) and, after "Without commands", the plain-file way to do the same. Use the commands if you can run shell commands.

1. **Read the inputs.** ${inputs.length > 0 ? inputs.map(([key, file]) => `${key}: \`${file}\``).join('; ') : 'This task has no input files.'}
2. **Claim the task** before you start:
   \`${handoff} claim\`
   Without commands: create the file \`${layout.lock}\` and write \`RUNNING\` into \`${layout.status}\`.
3. **Report progress** as you go, one short line at a time:
   \`${handoff} progress "Reading the spec"\`
   Without commands: append a line \`[YYYY-MM-DD HH:MM:SS] Reading the spec\` (UTC) to \`${layout.progress}\`.
4. **Share partial results** (optional) whenever you have some:
   ${partialCommand(handoff, workspace, options.tool)}
   Without commands: write the JSON to \`${partial}\`.
${askStep(handoff, options.tool)}
6. **Write the result** to \`${result}\` (that is \`${path.join(workspace, result)}\`)${manifest.schemaPath ? ` as JSON valid against the schema in \`${manifest.schemaPath}\`` : ''}, then check it and signal completion:
   \`${handoff} done\`
   If it prints errors, fix each one (they name the field by its JSON path) and run it again until it succeeds. Without commands: write \`${layout.metadata}\` as \`{"status": "complete", "errors": []}\`, then create the empty file \`${layout.done}\`.
7. **If you cannot finish**, say why and stop:
   \`${handoff} fail "what went wrong"\`
   Without commands: write the reason into \`${layout.error}\`.

If the result is rejected after you finish, the reasons are in \`${layout.rejection}\`: read it, fix the result, and finish again as in step 6. ${retries}
`;
}

/**
Tools that `--launch` lets run the handoff commands and nothing else (launch-matrix.ts), whose shell tool checks each
command of a pipe on its own: `printf ... | handoff partial -` is refused there (Gemini CLI 0.61.0: "Tool execution
denied by policy."), so they are told to write a file first.
*/
const toolsWithoutPipes: Partial<Record<string, string>> = {gemini: 'Gemini CLI'};

/** Step 4's command: from a file, or from stdin where the tool may pipe into it. */
function partialCommand(handoff: string, workspace: string, tool: string | undefined): string {
	const name = tool === undefined ? undefined : toolsWithoutPipes[tool];
	return name
		? `\`${handoff} partial FILE\` (write the JSON to a file first, e.g. \`${path.join(workspace, 'draft.json')}\`: ${name} may run the handoff commands, but no pipe into them)`
		: `\`${handoff} partial FILE\` (or \`-\` to read JSON from stdin)`;
}

/** The consumer's receipts (the consumer side records which answers it read). */
const receiptsPath = 'shared/receipts.json';

/** The example question of step 5, with an id of its own so the await command can be run as written. */
const exampleQuestion = {id: 'admins-deleted', text: 'Should admins see deleted tickets?', options: ['Yes', 'No']};

/**
The plain-file way to ask and wait: a recipe a reader who cannot run commands can follow, with the receipt that tells the person the answer was picked up.
*/
function plainFileWay(): string {
	const {id, text, options} = exampleQuestion;
	return `add \`{"id": "${id}", "text": "${text}", "options": ${JSON.stringify(options).replaceAll(',', ', ')}}\` to the \`"questions"\` array of \`${layout.questions}\` (keep what is there; one id per question). Then look in \`${layout.answers}\` for an entry with your id, \`{"id": "${id}", "answer": "..."}\`. If it is not there yet, wait about 20 seconds (e.g. \`sleep 20\`) and look again, as often as it takes, working on other parts meanwhile. Once you have read the answer, add \`{"id": "${id}", "read_at": "<the time, ISO 8601 UTC>"}\` to the \`"receipts"\` array of \`${receiptsPath}\` (create it as \`{"receipts": []}\` if it is missing), so the person sees you picked it up.`;
}


/**
Step 5 for the consumer's tool: shell commands are time-limited in every agent, and the person may take minutes, so the wait is bounded (`await --for`, fitted to the tool's limit in tool-limits.ts) and resumable: exit 75 means "still open, run the same command again". Asking again is idempotent, so re-running never adds a second question.
*/
function askStep(handoff: string, tool: string | undefined): string {
	const limit = toolLimit(tool);
	const {id, text, options} = exampleQuestion;
	const ask = `${handoff} ask ${shellQuote(text)} ${options.map(option => `--option ${shellQuote(option)}`).join(' ')} --id ${id}`;
	if (limit.awaitSeconds === undefined) {
		return `5. **Ask when something is unclear** instead of guessing. ${limit.name} ${limit.limit}, so ask and wait with files: ${plainFileWay()} If you cannot pause either, end your reply saying you are waiting for the answer to \`${id}\`, and look again when the person writes next.
   If the person runs commands for you, the command form is \`${ask}\`, then \`${handoff} await ${id} --for 50\` (exit 75: still open, run it again).`;
	}

	const seconds = limit.awaitSeconds;
	return `5. **Ask when something is unclear** instead of guessing. The person may take minutes to answer, and ${limit.name} ${limit.limit}, so never wait in one long command: ask, then wait in steps of ${seconds} seconds. Ask (give each question its own \`--id\`; asking the same question again returns the same id and adds nothing):
   \`${ask}\`
   Then wait for the answer:
   \`${handoff} await ${id} --for ${seconds}\`
   It prints the answer and exits 0. **When it exits 75, the question is still open: run the same await command again**, as often as it takes (it says so on stderr). Meanwhile, between waits, work on other parts of the task that do not depend on the answer. Exit 1 means the hand-off has ended: stop.
   Without commands: ${plainFileWay()}`;
}

/**
The protocol as calls of handoff's MCP tools (`handoff mcp`), for a CLI that has the server: a tool call needs no quoting and returns errors as data. The wait is bounded by the server (await_answer), so no step depends on the tool's shell time limit. The commands stay as the fallback for a session without the server.
*/
function mcpSteps({workspace, handoff, result, inputs, timeout, retries, tool, version}: {workspace: string; handoff: string; result: string; inputs: Array<[string, string]>; timeout: string; retries: string; tool?: string; version: string}): string {
	const {id, text, options} = exampleQuestion;
	const names = tool === 'claude' ? ' (in Claude Code: `mcp__handoff__get_task` and so on)' : '';
	return `${protocolHeading} (handoff protocol ${version}), with the handoff MCP tools

Workspace: \`${workspace}\`
Every path below is relative to it. Read and write only inside it.${timeout}

Use the tools of the MCP server \`handoff\`${names}, and pass \`"workspace": ${JSON.stringify(workspace)}\` to each of them.

1. **Read the task** with \`get_task\`: it gives the inputs (absolute paths), the result file and the JSON Schema the result must satisfy. ${inputs.length > 0 ? `The inputs: ${inputs.map(([key, file]) => `${key}: \`${file}\``).join('; ')}.` : 'This task has no input files.'}
2. **Claim the task** before you start: \`claim\`.
3. **Report progress** as you go, one short line at a time: \`report_progress\` with \`{"message": "Reading the spec"}\`.
4. **Share partial results** (optional) whenever you have some: \`publish_partial\` with \`{"result": <the JSON so far>}\`.
5. **Ask when something is unclear** instead of guessing: \`ask_question\` with \`{"text": ${JSON.stringify(text)}, "options": ${JSON.stringify(options).replaceAll(',', ', ')}, "id": "${id}"}\` (asking the same question again returns the same id and adds nothing). Then wait for the answer with \`await_answer\` and \`{"id": "${id}"}\`: it waits up to ${mcpAwaitSeconds.default} seconds and returns the answer, or \`"status": "pending"\`. **When it is pending, call \`await_answer\` again**, as often as it takes, working on other parts of the task meanwhile. An error from it means the hand-off has ended: stop.
6. **Hand back the result** with \`submit_result\` and \`{"result": <the result JSON>}\` (it is written to \`${result}\`), or write \`${result}\` yourself and call \`submit_result\` without \`result\`. If it returns errors, fix each one (they name the field by its JSON path) and call it again until it says the result is valid.
7. **If you cannot finish**, say why and stop: \`fail\` with \`{"reason": "what went wrong"}\`.

If the result is rejected after you finish, \`get_task\` shows why (\`rejected\`, also in \`${layout.rejection}\`): fix the result and hand it back again as in step 6. ${retries}

Without the handoff tools (the server is not loaded in this session), the same steps are commands: \`${handoff} claim\`, \`${handoff} progress "..."\`, \`${handoff} ask "..." --id ID\` then \`${handoff} await ID --for ${toolLimit(tool).awaitSeconds ?? 50}\` (exit 75: still open, run it again), \`${handoff} done\`, \`${handoff} fail "..."\`.
`;
}

function formatSeconds(seconds: number): string {
	return seconds % 60 === 0 ? `${seconds / 60} minute${seconds === 60 ? '' : 's'}` : `${seconds} seconds`;
}

/** The built cli.js one folder up from this module (dist/chunks/ → dist/cli.js); from the sources (tests), the built one in dist/. */
function defaultCliFile(): string {
	const candidates = ['../cli.js', '../../dist/cli.js'].map(relative => fileURLToPath(new URL(relative, import.meta.url)));
	return candidates.find(file => fs.existsSync(file)) ?? candidates[0]!;
}

/** The words that run this CLI: node's path and the built cli.js, so no global install or PATH is needed. */
export function cliCommand(cliFile: string = defaultCliFile()): string[] {
	return [process.execPath, path.resolve(cliFile)];
}

/**
A handoff command line that runs as written from any folder, with nothing on PATH: the same absolute form as input/instructions.md. Every hint the tool prints (rejection.md, `answer with:`, `resume with:`) uses it, never a bare `handoff`.
*/
export function handoffCommandLine(args: string[], command: string[] = cliCommand()): string {
	return [...command, ...args].map(word => shellQuote(word)).join(' ');
}
