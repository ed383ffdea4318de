import {serveMcp} from '../core/mcp-server.js';
import {printLine, usageError, type CommandContext} from './io.js';
import type {ConsumerFlags} from './claim.js';

/**
`handoff mcp [--workspace DIR]`: the consumer protocol as MCP tools over stdio, until the client closes stdin. The workspace (or a pipeline run folder) is --workspace, else HANDOFF_WORKSPACE, else found from the folder it runs in; each tool call may name another. Nothing but the protocol goes to stdout.
*/
export async function mcpCommand(context: CommandContext<ConsumerFlags & {model?: string}>): Promise<number> {
	if (context.input.length > 0) {
		throw usageError(`handoff mcp takes no words (got ${JSON.stringify(context.input.join(' '))}); the workspace is --workspace DIR`);
	}

	await serveMcp({
		target: context.flags.workspace ?? (context.environment.HANDOFF_WORKSPACE || undefined),
		cwd: context.cwd,
		who: {tool: context.flags.tool ?? context.environment.HANDOFF_TOOL, model: context.flags.model},
		environment: context.environment,
		log(line, options) {
			printLine(context.stderr, line, options);
		},
		stdin: process.stdin,
		stdout: context.stdout,
	});
	return 0;
}
