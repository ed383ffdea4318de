import type {StreamFormat} from './launch-matrix.js';

/** What one line of a tool's event stream says: lines for the Progress pane, and execution details for metadata.json. */
export type AgentEvent = {
	lines: string[];
	execution?: {tool?: string; version?: string; model?: string; session_id?: string; input_tokens?: number; output_tokens?: number; cost_usd?: number};
	sessionId?: string;
};

/**
Stand-in for source/core/agent-events.ts (another part of issue 10), with its agreed signature: shows the raw line. The lead replaces the import in launched-tool.ts with the real parser and deletes this file.
*/
export function parseAgentEvent(_format: StreamFormat, line: string): AgentEvent {
	return {lines: line.trim() === '' ? [] : [line]};
}
