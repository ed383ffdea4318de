import path from 'node:path';
import {shellQuote} from './instructions.js';
import {layout} from './paths.js';

/** The values of `--tool`; `generic` is the default. */
export const promptTools = ['generic', 'claude', 'codex', 'gemini', 'aider', 'cursor', 'copilot', 'opencode', 'qwen', 'amp'] as const;
export type PromptTool = (typeof promptTools)[number];

export function isPromptTool(value: string): value is PromptTool {
	return (promptTools as readonly string[]).includes(value);
}

export type PromptOptions = {
	/** The workspace's absolute path. */
	workspace: string;
	tool?: PromptTool;
	/** Set for the fix-up prompt after a rejected result; `errorsFile` is relative to the workspace (e.g. shared/rejection.md). */
	retry?: {errorsFile: string};
	/** The consumer has handoff's MCP tools (`--mcp`): the prompt says to use them. */
	mcp?: boolean;
	/** With mcp, for a person who pastes the prompt: how the tool registers the server once (mcp-setup.ts). */
	registration?: string;
};

/** A path in prose: as is when plain, in backticks when it has spaces or other characters that would blur where it ends. */
function mention(file: string): string {
	return /^[\w./:=@%+-]+$/.test(file) ? file : `\`${file}\``;
}

/** Aider's own commands split their arguments on spaces unless double-quoted; it knows no other quoting. */
function aiderQuote(file: string): string {
	return `"${file}"`;
}

/**
The one line a tool needs so its agent can read and write the workspace. It is pasted with the rest, so it speaks to the person and the agent alike. `errorsFile` is set for the fix-up prompt.
*/
function toolNote(tool: PromptTool, workspace: string, errorsFile?: string): string | undefined {
	const folder = shellQuote(workspace);
	switch (tool) {
		case 'generic': {
			return undefined;
		}

		case 'claude': {
			return `(Claude Code may write only inside its working folders: start it in a folder that contains this one, or with --add-dir ${folder}.)`;
		}

		case 'codex': {
			return `(Codex may write only inside its working folder: start it with --cd ${folder} --sandbox workspace-write.)`;
		}

		case 'gemini': {
			return `(Gemini CLI may use only its workspace folders: start it in a folder that contains this one, or with --include-directories ${folder}.)`;
		}

		case 'aider': {
			// A pasted block is one chat message, so an /add line inside it would never run: the person adds the files, or starts aider with them.
			return errorsFile
				? `(Aider sees only files in its chat: first run /read-only ${aiderQuote(errorsFile)})`
				: `(Aider sees only files in its chat: start it with  cd ${folder} && aider --no-git --read input  or, in a running aider, first run /read-only ${aiderQuote(path.join(workspace, layout.input))})`;
		}

		case 'cursor': {
			return '(In Cursor: open this folder, or one that contains it, and paste this into the Agent chat so it can write files there.)';
		}

		case 'copilot':
		case 'qwen': {
			return `(${tool === 'copilot' ? 'Copilot CLI' : 'Qwen Code'} may use only its working folders: start it in a folder that contains this one, or with --add-dir ${folder}.)`;
		}

		case 'opencode':
		case 'amp': {
			return `(${tool === 'opencode' ? 'opencode' : 'Amp'} works in the folder it starts in: start it in a folder that contains this one.)`;
		}
	}
}

/**
The short hand-off prompt a person pastes into their LLM CLI: the absolute workspace path and one instruction; everything else is in input/instructions.md. With `retry`, the fix-up prompt after a rejected result.
*/
export function buildPrompt({workspace, tool = 'generic', retry, mcp, registration}: PromptOptions): string {
	const instructions = mention(path.join(workspace, layout.instructions));
	const errorsFile = retry ? path.resolve(workspace, retry.errorsFile) : undefined;
	const lines = errorsFile
		? [
			`The result you handed back in ${mention(workspace)} was rejected.`,
			`Read ${mention(errorsFile)}, fix every error it lists, and finish again as ${instructions} says.`,
		]
		: [
			`Read ${instructions} and follow it exactly.`,
			`It is a hand-off task in the folder ${mention(workspace)}: work only inside that folder and finish as the instructions say.`,
		];
	const note = toolNote(tool, workspace, errorsFile);
	const tools = mcp ? [`Use the tools of the MCP server "handoff" (get_task first), passing "workspace": ${JSON.stringify(workspace)} to each.`] : [];
	const register = mcp && registration ? [`(handoff's MCP server must be loaded; register it once with: ${registration})`] : [];
	return [...lines, ...tools, ...(note ? [note] : []), ...register].join('\n');
}
