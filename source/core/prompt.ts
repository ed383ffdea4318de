import path from 'node:path';
import {shellQuote} from './instructions.js';
import {layout} from './paths.js';

export const promptTools = ['generic', 'claude', 'codex', 'gemini', 'aider', 'cursor'] as const;
export type PromptTool = (typeof promptTools)[number];

export function isPromptTool(value: string): value is PromptTool {
	return (promptTools as readonly string[]).includes(value);
}

export type PromptOptions = {
	workspace: string;
	tool?: PromptTool;
	/** Set for the fix-up prompt after a rejected result. */
	retry?: {errorsFile: string};
};

/** What to tell the person about starting each tool so it may write in the workspace. */
const toolNotes: Record<PromptTool, (workspace: string) => string | undefined> = {
	generic: () => undefined,
	claude: workspace => `(Claude Code needs write access to this folder: start it inside the project, or with --add-dir ${shellQuote(workspace)}.)`,
	codex: workspace => `(Codex needs write access to this folder: run it with --cd ${shellQuote(workspace)} or in workspace-write sandbox mode.)`,
	gemini: workspace => `(Gemini CLI needs this folder in its workspace: start it in the project, or with --include-directories ${shellQuote(workspace)}.)`,
	aider: workspace => `/add ${shellQuote(path.join(workspace, layout.instructions))}`,
	cursor: () => '(In Cursor, open the project that contains this folder, then paste this into the agent chat.)',
};

/**
The short hand-off prompt a person pastes into their LLM CLI: the absolute workspace path and one instruction. Everything else is in input/instructions.md.
*/
export function buildPrompt({workspace, tool = 'generic', retry}: PromptOptions): string {
	const instructions = path.join(workspace, layout.instructions);
	const lines = retry
		? [
			`The result you handed back in ${workspace} was rejected.`,
			`Read ${path.join(workspace, retry.errorsFile)}, fix every error it lists, and finish again as ${instructions} says.`,
		]
		: [
			`Read ${instructions} and follow it exactly.`,
			`It is a hand-off task in the folder ${workspace}: work only inside that folder and finish as the instructions say.`,
		];
	const note = toolNotes[tool](workspace);
	// Aider only sees files added to the chat, so its /add line goes first.
	return tool === 'aider' ? [note, ...lines].join('\n') : [...lines, ...(note ? [note] : [])].join('\n');
}
