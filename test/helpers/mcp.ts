import {Client} from '@modelcontextprotocol/sdk/client/index.js';
import {StdioClientTransport} from '@modelcontextprotocol/sdk/client/stdio.js';
import type {CallToolResult} from '@modelcontextprotocol/sdk/types.js';
import {afterEach} from 'vitest';
import {childEnvironment, cliPath} from './cli.js';

const open = new Set<Client>();
afterEach(async () => {
	await Promise.all([...open].map(async client => client.close().catch(() => undefined)));
	open.clear();
});

export type McpSession = {
	client: Client;
	transport: StdioClientTransport;
	/** Calls a tool and returns the result with its text joined. */
	call: (name: string, args?: Record<string, unknown>) => Promise<CallToolResult & {text: string}>;
	stderr: () => string;
};

/** Starts `handoff mcp ARGS` (the built CLI) and connects the MCP SDK's own client to it over stdio. */
export async function connectMcp(args: string[], options: {cwd?: string; env?: NodeJS.ProcessEnv} = {}): Promise<McpSession> {
	const environment = Object.fromEntries(Object.entries(childEnvironment(options.env)).filter((entry): entry is [string, string] => entry[1] !== undefined));
	const transport = new StdioClientTransport({command: process.execPath, args: [cliPath, 'mcp', ...args], env: environment, cwd: options.cwd, stderr: 'pipe'});
	let stderr = '';
	transport.stderr?.on('data', (chunk: Buffer) => {
		stderr += chunk.toString('utf8');
	});
	const client = new Client({name: 'handoff-test', version: '1.0.0'});
	await client.connect(transport);
	open.add(client);
	return {
		client,
		transport,
		stderr: () => stderr,
		async call(name, callArgs = {}) {
			const result = await client.callTool({name, arguments: callArgs}) as CallToolResult;
			return {...result, text: result.content.map(part => (part.type === 'text' ? part.text : '')).join('\n')};
		},
	};
}
