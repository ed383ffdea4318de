import path from 'node:path';
import type {Manifest} from './manifest.js';
import {layout} from './paths.js';
import {partialPathFor} from './result.js';

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
};

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

	return `# Task: ${manifest.task}

${(options.taskText ?? defaultTaskText(manifest)).trim()}

---

## How to hand back your work (handoff protocol ${manifest.version})

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
   \`${handoff} partial FILE\` (or \`-\` to read JSON from stdin)
   Without commands: write the JSON to \`${partial}\`.
5. **Ask when something is unclear** instead of guessing. This waits for the answer and prints it:
   \`${handoff} ask "Should admins see deleted tickets?" --option Yes --option No --wait\`
   Without commands: add \`{"id": "q1", "text": "...", "options": ["Yes", "No"]}\` to the \`"questions"\` array of \`${layout.questions}\`, then wait until \`${layout.answers}\` has \`{"id": "q1", "answer": "..."}\`.
6. **Write the result** to \`${result}\` (that is \`${path.join(workspace, result)}\`)${manifest.schemaPath ? ` as JSON valid against the schema in \`${manifest.schemaPath}\`` : ''}, then check it and signal completion:
   \`${handoff} done\`
   If it prints errors, fix each one (they name the field by its JSON path) and run it again until it succeeds. Without commands: write \`${layout.metadata}\` as \`{"status": "complete", "errors": []}\`, then create the empty file \`${layout.done}\`.
7. **If you cannot finish**, say why and stop:
   \`${handoff} fail "what went wrong"\`
   Without commands: write the reason into \`${layout.error}\`.

If the result is rejected after you finish, the reasons are in \`${layout.rejection}\`: read it, fix the result, and finish again as in step 6. ${retries}
`;
}

function formatSeconds(seconds: number): string {
	return seconds % 60 === 0 ? `${seconds / 60} minute${seconds === 60 ? '' : 's'}` : `${seconds} seconds`;
}

/** The words that run this CLI: node's path and the built cli.js, so no global install or PATH is needed. */
export function cliCommand(cliFile: string): string[] {
	return [process.execPath, path.resolve(cliFile)];
}
