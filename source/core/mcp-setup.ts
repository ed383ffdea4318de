/**
How a CLI gets handoff's MCP server: the server's command line, the one-line registration each CLI takes, and the flags that pass it for one launched run only. No MCP SDK here: `run --mcp` builds prompts and launches with this, and only `handoff mcp` itself loads the SDK.
*/
import {shellQuote} from './instructions.js';

/** The server's name in every CLI's configuration; claude calls its tools `mcp__handoff__<tool>`. */
export const mcpServerName = 'handoff';

/** The tools `handoff mcp` serves, in the order a hand-off uses them. */
export const mcpToolNames = ['get_task', 'claim', 'report_progress', 'publish_partial', 'ask_question', 'await_answer', 'submit_result', 'fail'] as const;
export type McpToolName = (typeof mcpToolNames)[number];

/** The words that start the server: this CLI's own command (node and cli.js) and `mcp`, with the workspace when it is known. */
export function mcpServerCommand(command: string[], workspace?: string): {command: string; args: string[]} {
	const [binary, ...rest] = command;
	return {command: binary!, args: [...rest, 'mcp', ...(workspace === undefined ? [] : ['--workspace', workspace])]};
}

/** The `mcpServers` object that claude's --mcp-config, Cursor's mcp.json and most other clients read. */
export function mcpServersJson(command: string[], workspace?: string, environment: Record<string, string> = {}): {mcpServers: Record<string, {command: string; args: string[]; env?: Record<string, string>}>} {
	const server = mcpServerCommand(command, workspace);
	return {mcpServers: {[mcpServerName]: {...server, ...(Object.keys(environment).length > 0 ? {env: environment} : {})}}};
}

/**
The one registration a person makes once, for every hand-off (the prompt names the workspace, which the agent passes to each tool), per CLI:
- claude: `claude mcp add --scope user NAME -- COMMAND ARGS...` (https://docs.claude.com/en/docs/claude-code/mcp);
- codex: `codex mcp add NAME -- COMMAND ARGS...` (https://developers.openai.com/codex/mcp; written to ~/.codex/config.toml);
- gemini: `gemini mcp add --scope user NAME COMMAND ARGS...` (https://geminicli.com/docs/tools/mcp-server/; no `--`: its args are positional);
- qwen: the same form as gemini, whose CLI it forked (github.com/QwenLM/qwen-code, `qwen mcp add`);
- cursor and every other: the `mcpServers` entry for its configuration file (Cursor: ~/.cursor/mcp.json, https://cursor.com/docs/context/mcp).
*/
export function mcpRegistration(tool: string, command: string[]): string {
	const server = mcpServerCommand(command);
	const words = [server.command, ...server.args].map(word => shellQuote(word)).join(' ');
	switch (tool) {
		case 'claude': {
			return `claude mcp add --scope user ${mcpServerName} -- ${words}`;
		}

		case 'codex': {
			return `codex mcp add ${mcpServerName} -- ${words}`;
		}

		case 'gemini':
		case 'qwen': {
			return `${tool} mcp add --scope user ${mcpServerName} ${words}`;
		}

		case 'cursor': {
			return `add to ~/.cursor/mcp.json: ${JSON.stringify(mcpServersJson(command))}`;
		}

		default: {
			return `add to your CLI's MCP servers: ${JSON.stringify(mcpServersJson(command))}`;
		}
	}
}

/** The tools that `--launch --mcp` can hand the server for one run only, without touching the person's configuration. */
export const mcpLaunchTools = ['claude', 'codex', 'gemini'] as const;
export type McpLaunchTool = (typeof mcpLaunchTools)[number];

export function canLaunchWithMcp(tool: string): tool is McpLaunchTool {
	return (mcpLaunchTools as readonly string[]).includes(tool);
}

/**
The flags that give a launched tool handoff's server for this run only:
- claude: `--mcp-config JSON` (a file or a JSON string, https://docs.claude.com/en/docs/claude-code/cli-reference), and `mcp__handoff` in --allowedTools, since print mode denies a tool nobody allowed (https://docs.claude.com/en/docs/claude-code/iam: `mcp__server` allows every tool of that server);
- codex: `-c mcp_servers.handoff.command=...` and `-c mcp_servers.handoff.args=[...]`, values in TOML (`codex exec --help`: "-c key=value ... parsed as TOML"; https://developers.openai.com/codex/config-reference). JSON strings and arrays of strings are valid TOML.
- gemini: no flag takes a server (`gemini --help` of 0.61.0 has only --allowed-mcp-server-names), but it reads the project settings `.gemini/settings.json` of the folder it runs in (https://geminicli.com/docs/get-started/configuration/), and a launched tool runs in the workspace: so the server goes there, in the hand-off's own folder, with `trust: true`, which lets its tools run without a confirmation headless mode cannot ask for (https://geminicli.com/docs/tools/mcp-server/).
*/
export function mcpLaunchArgs(tool: McpLaunchTool, command: string[], workspace: string): {args: string[]; allowedTools?: string; files?: Array<{path: string; content: string}>} {
	const environment = {HANDOFF_TOOL: tool};
	if (tool === 'claude') {
		return {args: ['--mcp-config', JSON.stringify(mcpServersJson(command, workspace, environment))], allowedTools: `mcp__${mcpServerName}`};
	}

	if (tool === 'gemini') {
		const settings = {mcpServers: {[mcpServerName]: {...mcpServerCommand(command, workspace), env: environment, trust: true}}};
		return {args: [], files: [{path: geminiProjectSettings, content: `${JSON.stringify(settings, null, 2)}\n`}]};
	}

	const server = mcpServerCommand(command, workspace);
	return {
		args: [
			'-c', `mcp_servers.${mcpServerName}.command=${JSON.stringify(server.command)}`,
			'-c', `mcp_servers.${mcpServerName}.args=${JSON.stringify(server.args)}`,
			'-c', `mcp_servers.${mcpServerName}.env=${tomlInlineTable(environment)}`,
		],
	};
}

/** Gemini CLI's project settings file, relative to the folder it runs in. */
export const geminiProjectSettings = '.gemini/settings.json';

function tomlInlineTable(values: Record<string, string>): string {
	return `{${Object.entries(values).map(([key, value]) => `${key} = ${JSON.stringify(value)}`).join(', ')}}`;
}
