/**
How long each consumer tool lets one shell command run, and the `--for` the instructions give `handoff await` so that one wait always ends (exit 75, "still open") before the tool would kill it or stop reading it. The agent then runs the same command again. One table: the instructions, docs/protocol.md and the tests read it.

Sources, checked against each tool's own documentation or source:
- claude: Claude Code's Bash tool, 2 min per command by default, 10 min at most (BASH_DEFAULT_TIMEOUT_MS / BASH_MAX_TIMEOUT_MS; `DEFAULT_TIMEOUT_MS = 120_000`, `MAX_TIMEOUT_MS = 600_000` in utils/timeouts.ts of Claude Code's source; the settings page of its docs lists both variables). A model rarely passes a longer `timeout`, so the default is the limit.
- codex: Codex CLI's `exec_command` returns after `yield_time_ms`, 10 s by default (openai/codex codex-rs/core/src/tools/handlers/unified_exec.rs `default_exec_yield_time_ms`), 30 s at most (codex-rs/core/src/unified_exec/mod.rs `MAX_YIELD_TIME_MS = 30_000`), and leaves the command running for the model to poll with `write_stdin`; a model that does not poll, or a turn that ends, leaves it behind. So one wait must end inside 10 s. Its MCP tool calls have 60 s by default (codex-rs/core/src/mcp_connection_manager.rs `DEFAULT_TOOL_TIMEOUT`, `tool_timeout_sec` in config.toml).
- gemini: Gemini CLI kills a shell command after 5 min without output (google-gemini/gemini-cli packages/core/src/config/config.ts `shellToolInactivityTimeout ?? 300`; packages/core/src/tools/shell.ts resets the timer on every output event; docs/reference/configuration.md `tools.shell.inactivityTimeout`, default 300). `await` writes a line on stderr every 15 s, so a longer wait would live; 240 s still ends well inside the limit should a version stop counting stderr.
- opencode: 2 min per command by default (anomalyco/opencode packages/opencode/src/tool/bash.ts `DEFAULT_TIMEOUT = ... || 2 * 60 * 1000`; older versions had 1 min, where `--for 100` would not fit: those versions are not a `--tool` here).
- cursor (Cursor's agent CLI), copilot (GitHub Copilot CLI), qwen (Qwen Code), amp (Amp): no per-command limit found in their documentation or public source (Copilot CLI's changelog says only that 0.0.355 "lowered the default shell tool timeout"; Qwen Code is a Gemini CLI fork whose limit could not be confirmed), so the generic 50 s.
- aider: the model cannot run commands at all (`/run` is the person's, with no limit: aider/run_cmd.py), so the plain-file way.
- generic: an unknown tool; 50 s ends before the common 60 s limits (MCP calls, Copilot-style tools).
*/
export type ToolLimit = {
	/** The tool's name as a person knows it. */
	name: string;
	/** Its limit on one shell command, in words for the instructions and docs. */
	limit: string;
	/** The `--for` (seconds) the instructions use; undefined: the tool cannot run commands, so the plain-file way. */
	awaitSeconds: number | undefined;
};

export const toolLimits = {
	claude: {name: 'Claude Code', limit: 'ends a shell command after 2 minutes by default (10 at most)', awaitSeconds: 100},
	codex: {name: 'Codex CLI', limit: 'stops waiting for a shell command after 10 seconds (30 at most) and may leave it behind', awaitSeconds: 8},
	gemini: {name: 'Gemini CLI', limit: 'ends a shell command after 5 minutes without output', awaitSeconds: 240},
	opencode: {name: 'opencode', limit: 'ends a shell command after 2 minutes by default', awaitSeconds: 100},
	cursor: {name: 'Cursor', limit: 'may end a long shell command (no documented limit)', awaitSeconds: 50},
	copilot: {name: 'GitHub Copilot CLI', limit: 'may end a long shell command (no documented limit)', awaitSeconds: 50},
	qwen: {name: 'Qwen Code', limit: 'may end a long shell command (no documented limit)', awaitSeconds: 50},
	amp: {name: 'Amp', limit: 'may end a long shell command (no documented limit)', awaitSeconds: 50},
	aider: {name: 'Aider', limit: 'does not let the model run commands', awaitSeconds: undefined},
	generic: {name: 'your tool', limit: 'may end a shell command after a minute or two', awaitSeconds: 50},
} as const satisfies Record<string, ToolLimit>;

export type LimitedTool = keyof typeof toolLimits;

/** The table's row for a tool; an unknown name gets the generic row. */
export function toolLimit(tool: string | undefined): ToolLimit {
	return tool !== undefined && Object.hasOwn(toolLimits, tool) ? toolLimits[tool as LimitedTool] : toolLimits.generic;
}

/**
How long `await_answer` of `handoff mcp` waits: by default, and at most. An MCP tool call has its own limit in each client: Codex CLI 60 s unless `tool_timeout_sec` says otherwise (above), Gemini CLI 10 minutes (`timeout` of an mcpServers entry, default 600 000 ms: https://geminicli.com/docs/tools/mcp-server/), Claude Code longer still (MCP_TOOL_TIMEOUT). 45 s stays well under the shortest, with room for a slow file system; 30 s by default leaves the agent time to work between waits.
*/
export const mcpAwaitSeconds = {default: 30, max: 45} as const;
