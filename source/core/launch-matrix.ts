import path from 'node:path';
import {HandoffError, exitCode} from './errors.js';
import {shellQuote} from './instructions.js';
import {layout} from './paths.js';

/**
The LLM CLIs `--launch` can start, by the name `--tool` takes. Cursor's headless CLI is `agent`; every other tool's binary has its own name.
*/
export const launchTools = ['claude', 'codex', 'gemini', 'cursor', 'copilot', 'opencode', 'qwen', 'amp', 'aider'] as const;
export type LaunchTool = (typeof launchTools)[number];

export function isLaunchTool(value: string): value is LaunchTool {
	return (launchTools as readonly string[]).includes(value);
}

/** The event formats of the tools' streams, by the name `parseAgentEvent` (source/core/agent-events.ts) takes. */
export type StreamFormat = 'claude-stream-json' | 'codex-jsonl' | 'gemini-stream-json' | 'cursor-stream-json' | 'opencode-json' | 'qwen-stream-json' | 'amp-stream-json';

/** A version as three numbers, from `<tool> --version`. */
export type ToolVersion = {major: number; minor: number; patch: number; text: string};

/** What a row needs to build one tool's command line. */
export type LaunchContext = {
	/** The hand-off prompt. */
	prompt: string;
	/** The workspace's absolute path; every tool runs there. */
	workspace: string;
	/** node's absolute path: the handoff commands in input/instructions.md start with it. */
	node: string;
	/** The workspace-relative input files (for tools that only see files they are given). */
	inputs: string[];
	version: ToolVersion;
	/** handoff's MCP server for this run only (`--mcp`: claude, codex, gemini): the flags that pass it, the permission rule claude needs for its tools, and the settings files gemini reads from the workspace (mcp-setup.ts). */
	mcp?: {args: string[]; allowedTools?: string; files?: Array<{path: string; content: string}>};
};

/** A command that is ready to start: binary, arguments, extra environment, and where the prompt file goes (aider). */
export type LaunchPlan = {
	tool: LaunchTool;
	binary: string;
	args: string[];
	cwd: string;
	environment: Record<string, string>;
	/** Set when the tool writes an event stream on stdout. */
	streamFormat?: StreamFormat;
	/** A file the prompt is written to before launch (the tool reads the prompt from it). */
	promptFile?: string;
	prompt: string;
	version: ToolVersion;
};

/** A flag a tool lacks before some version: below it, the launch stops with `reason`. */
type VersionFloor = {version: string; reason: string};

/**
One row of the launch matrix. The descriptive fields feed the readme's table; `build` is the one place each command line is made.
*/
export type LaunchRow = {
	tool: LaunchTool;
	binary: string;
	/** The non-interactive command, in the readme's words. */
	command: string;
	/** The narrowest flags that let it write in the workspace and run the handoff commands without a prompt. */
	permissions: string;
	/** How it is given another folder (unused: every tool runs in the workspace, so the workspace is its own root). */
	extraDirectory: string;
	/** The flag that turns on its event stream on stdout, and the stream's format. */
	stream?: {flag: string; format: StreamFormat};
	/** Flags that name a new session or resume one (for resume-on-answer). */
	sessionId?: string;
	resume: string;
	/** How the prompt goes in; stdin is always closed (`codex exec` and `gemini -p` read a piped stdin). */
	prompt: 'argument' | 'file';
	/** A line added to the prompt when launched, for a tool that needs to be told more. */
	promptNote?: string;
	/** The version and source this row was checked against. */
	checked: {version: string; source: string};
	/** The version run end to end by `npm run test:agents` (test/agents: the real CLI against a scripted model), when it is. */
	testedEndToEnd?: string;
	floor: VersionFloor;
	/** The first version with the stream flag, when older versions are started without it. */
	streamSince?: string;
	build(context: LaunchContext): {args: string[]; environment?: Record<string, string>; promptFile?: string};
	/** The command line that resumes session `sessionId` with a new prompt, with the first launch's permissions (rows without it are not resumed). */
	buildResume?(context: LaunchContext, sessionId: string): string[];
};

const v = (text: string): ToolVersion => parseVersion(text)!;

/** Whether `version` is at least `floor` (x.y.z, numerically). */
export function atLeast(version: ToolVersion, floor: string): boolean {
	const other = v(floor);
	return version.major === other.major ? (version.minor === other.minor ? version.patch >= other.patch : version.minor > other.minor) : version.major > other.major;
}

/** The first x.y.z in `<tool> --version`'s output ("codex-cli 0.169.0", "2.1.197 (Claude Code)", "GitHub Copilot CLI 1.0.102."). */
export function parseVersion(output: string): ToolVersion | undefined {
	const match = /(\d+)\.(\d+)\.(\d+)/.exec(output);
	return match ? {major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]), text: match.slice(1, 4).join('.')} : undefined;
}

/** The first Gemini CLI versions whose --help lists these (0.39.0 and 0.10.0 do not). */
const geminiSince = {skipTrust: '0.39.1', streamJson: '0.12.0'};
/** The first Qwen Code version on npm whose --help offers -o stream-json (0.1.3 does not). */
const qwenStreamSince = '0.5.0';

/** Claude's flags after the prompt, the same for a first launch and a resume. */
const claudeFlags = (node: string, mcp?: LaunchContext['mcp']): string[] => ['--permission-mode', 'acceptEdits', '--allowedTools', `Bash(${shellQuote(node)}:*)`, `Bash(${shellQuote(node)} *)`, ...(mcp?.allowedTools ? [mcp.allowedTools] : []), '--output-format', 'stream-json', '--verbose', ...(mcp?.args ?? [])];
/** Codex exec's options, the same for a first launch and a resume. */
const codexFlags = (workspace: string, mcp?: LaunchContext['mcp']): string[] => ['-s', 'workspace-write', '--skip-git-repo-check', '-C', workspace, '--json', ...(mcp?.args ?? [])];

export const launchMatrix: Record<LaunchTool, LaunchRow> = {
	claude: {
		tool: 'claude',
		binary: 'claude',
		command: 'claude -p PROMPT',
		permissions: '--permission-mode acceptEdits --allowedTools "Bash(<node>:*)" "Bash(<node> *)"',
		extraDirectory: '--add-dir DIR',
		stream: {flag: '--output-format stream-json --verbose', format: 'claude-stream-json'},
		sessionId: '--session-id UUID',
		resume: 'claude -p PROMPT -r ID',
		prompt: 'argument',
		checked: {version: '2.1.197', source: '`claude --help` of @anthropic-ai/claude-code 2.1.331 from npm (reports 2.1.197), and the 1.0.0 to 1.0.45 bundles; https://docs.claude.com/en/docs/claude-code/cli-reference'},
		floor: {version: '1.0.15', reason: '--permission-mode (in the 1.0.15 bundle, not in 1.0.11)'},
		// The prompt comes straight after -p: --allowedTools takes every following word up to the next flag.
		// Both rule forms: "Bash(x:*)" is the one older versions know, "Bash(x *)" the one --help shows today; neither is rejected.
		build: ({prompt, node, mcp}) => ({args: ['-p', prompt, ...claudeFlags(node, mcp)]}),
		buildResume: ({prompt, node, mcp}, sessionId) => ['-p', prompt, '-r', sessionId, ...claudeFlags(node, mcp)],
	},
	codex: {
		tool: 'codex',
		binary: 'codex',
		command: 'codex exec [OPTIONS] PROMPT',
		permissions: '-s workspace-write -C WS --skip-git-repo-check (never --full-auto: deprecated in 0.128, rejected from 0.147)',
		extraDirectory: '--add-dir DIR',
		stream: {flag: '--json', format: 'codex-jsonl'},
		resume: 'codex exec resume ID PROMPT',
		prompt: 'argument',
		checked: {version: '0.169.0', source: '`codex exec --help` of @openai/codex 0.169.0 from npm; github.com/openai/codex PR #20133 (--full-auto deprecated, 0.128), PR #4525 (--json thread/item events)'},
		testedEndToEnd: '0.169.0',
		floor: {version: '0.44.0', reason: '--json with thread and item events (openai/codex#4525)'},
		build: ({prompt, workspace, mcp}) => ({args: ['exec', ...codexFlags(workspace, mcp), prompt]}),
		// exec's own options go before the subcommand, where clap takes them: with the real codex-cli 0.169.0, `exec -s workspace-write
		// ... resume ID PROMPT` parses and looks the thread up, while `exec resume -s ...` fails "unexpected argument '-s' found".
		buildResume: ({prompt, workspace, mcp}, sessionId) => ['exec', ...codexFlags(workspace, mcp), 'resume', sessionId, prompt],
	},
	gemini: {
		tool: 'gemini',
		binary: 'gemini',
		command: 'gemini -p PROMPT',
		permissions: '--approval-mode auto_edit --allowed-tools "run_shell_command(<node>)" --allowed-tools "run_shell_command(sleep)" (never --yolo); --skip-trust from 0.39.1, GEMINI_CLI_TRUST_WORKSPACE=true always',
		extraDirectory: '--include-directories DIR',
		stream: {flag: '-o stream-json (from 0.12.0; plain text before)', format: 'gemini-stream-json'},
		sessionId: '--session-id UUID',
		resume: 'gemini -p PROMPT -r ID',
		prompt: 'argument',
		checked: {version: '0.61.0', source: '`gemini --help` of @google/gemini-cli 0.61.0 and of every version from 0.1.20 to 0.40.0 we could install from npm; exit 55 and its message in the 0.61.0 bundle (FatalUntrustedWorkspaceError)'},
		testedEndToEnd: '0.61.0',
		floor: {version: '0.8.2', reason: '--allowed-tools (absent in 0.1.20, present in 0.8.2)'},
		build: ({prompt, node, version}) => ({
			args: [
				'-p', prompt, '--approval-mode', 'auto_edit', '--allowed-tools', `run_shell_command(${shellQuote(node)})`,
				// The plain-file way waits between looks at answers.json with `sleep 20` (instructions, step 5), and headless
				// Gemini refuses every command without a rule ("Tool execution denied by policy.", 0.61.0). One rule per flag:
				// from 0.61.0 a second word after --allowed-tools is taken for a positional prompt.
				'--allowed-tools', 'run_shell_command(sleep)',
				...(atLeast(version, geminiSince.streamJson) ? ['-o', 'stream-json'] : []),
				// Folders are untrusted by default from 0.39.1, the first version with --skip-trust; the variable works in every version.
				...(atLeast(version, geminiSince.skipTrust) ? ['--skip-trust'] : []),
			],
			environment: {GEMINI_CLI_TRUST_WORKSPACE: 'true'},
		}),
		streamSince: geminiSince.streamJson,
		buildResume: (context, sessionId) => [...launchMatrix.gemini.build(context).args, '-r', sessionId],
	},
	cursor: {
		tool: 'cursor',
		binary: 'agent',
		command: 'agent -p PROMPT',
		permissions: '--force --trust --workspace WS (without --force, shell commands outside its allowlist are rejected in print mode)',
		extraDirectory: '--workspace DIR (one folder)',
		stream: {flag: '--output-format stream-json', format: 'cursor-stream-json'},
		resume: 'agent -p PROMPT --resume ID',
		prompt: 'argument',
		checked: {version: '2026.09.16 (docs only)', source: 'https://cursor.com/docs/cli/headless and https://cursor.com/docs/cli/reference/parameters (not installable here)'},
		floor: {version: '0.0.0', reason: ''},
		build: ({prompt, workspace}) => ({args: ['-p', prompt, '--force', '--trust', '--workspace', workspace, '--output-format', 'stream-json']}),
		buildResume: (context, sessionId) => [...launchMatrix.cursor.build(context).args, '--resume', sessionId],
	},
	copilot: {
		tool: 'copilot',
		binary: 'copilot',
		command: 'copilot -p PROMPT',
		permissions: '--allow-tool=write --allow-tool="shell(<node>:*)" --no-ask-user',
		extraDirectory: '--add-dir DIR',
		sessionId: '--session-id UUID',
		resume: 'copilot -p PROMPT --resume=ID',
		prompt: 'argument',
		checked: {version: '1.0.102', source: '`copilot --help` of @github/copilot 1.0.102 and 1.0.40 from npm; https://docs.github.com/copilot/how-tos/copilot-cli'},
		floor: {version: '1.0.40', reason: '--no-ask-user, --allow-tool and --add-dir (read in 1.0.40; older builds need Node 24 to show their help)'},
		// The `=` forms: --allow-tool takes several values, and a following word would be taken for one.
		build: ({prompt, node}) => ({args: ['-p', prompt, '--allow-tool=write', `--allow-tool=shell(${shellQuote(node)}:*)`, '--no-ask-user']}),
	},
	opencode: {
		tool: 'opencode',
		binary: 'opencode',
		command: 'opencode run PROMPT',
		permissions: '(none: edits and bash are allowed by default; never --auto)',
		extraDirectory: '--dir DIR (one folder; newer than 1.0.0)',
		stream: {flag: '--format json', format: 'opencode-json'},
		resume: 'opencode run PROMPT -s ID',
		prompt: 'argument',
		checked: {version: '1.18.33', source: '`opencode run --help` of opencode-ai 1.18.33, 1.0.0, 0.5.29 and 0.1.174 from npm; https://opencode.ai/docs/cli/'},
		floor: {version: '1.0.0', reason: 'run --format json (in 1.0.0, not in 0.5.29)'},
		// It runs in the workspace; --dir came after 1.0.0, so it is not passed.
		build: ({prompt}) => ({args: ['run', '--format', 'json', prompt]}),
		buildResume: ({prompt}, sessionId) => ['run', '--format', 'json', '-s', sessionId, prompt],
	},
	qwen: {
		tool: 'qwen',
		binary: 'qwen',
		command: 'qwen -p PROMPT',
		permissions: '--approval-mode auto-edit --allowed-tools "run_shell_command(<node>)"',
		extraDirectory: '--include-directories DIR',
		stream: {flag: '-o stream-json (from 0.5.0; 0.1.3 has none)', format: 'qwen-stream-json'},
		sessionId: '--session-id ID',
		resume: 'qwen -p PROMPT -r ID',
		prompt: 'argument',
		checked: {version: '0.15.10', source: '`qwen --help` of @qwen-code/qwen-code 0.24.4 (reports 0.15.10), 0.5.0 and 0.1.3 from npm; github.com/QwenLM/qwen-code'},
		floor: {version: '0.1.3', reason: '--approval-mode auto-edit and --allowed-tools (in 0.1.3, the oldest on npm)'},
		streamSince: qwenStreamSince,
		buildResume: (context, sessionId) => [...launchMatrix.qwen.build(context).args, '-r', sessionId],
		build: ({prompt, node, version}) => ({args: ['-p', prompt, '--approval-mode', 'auto-edit', '--allowed-tools', `run_shell_command(${shellQuote(node)})`, ...(atLeast(version, qwenStreamSince) ? ['-o', 'stream-json'] : [])]}),
	},
	amp: {
		tool: 'amp',
		binary: 'amp',
		command: 'amp -x PROMPT',
		permissions: '--dangerously-allow-all (amp has no per-command flag; its permission rules live in a settings file)',
		extraDirectory: '(none)',
		stream: {flag: '--stream-json', format: 'amp-stream-json'},
		resume: 'amp threads continue ID -x PROMPT',
		prompt: 'argument',
		checked: {version: '0.0.1790142911', source: '`amp --help` of @sourcegraph/amp 0.0.1790142911-g7618fb from npm; https://ampcode.com/manual'},
		floor: {version: '0.0.1790142911', reason: '--stream-json and --dangerously-allow-all as checked (older builds not checked; amp updates itself)'},
		build: ({prompt}) => ({args: ['-x', prompt, '--dangerously-allow-all', '--stream-json']}),
	},
	aider: {
		tool: 'aider',
		binary: 'aider',
		command: 'aider --message-file FILE',
		permissions: '--yes-always --no-git, instructions and inputs as --read (read-only); it cannot run the handoff commands, so it follows the plain-file steps',
		extraDirectory: '(none: it sees only the files it is given)',
		resume: '(none: --restore-chat-history)',
		prompt: 'file',
		promptNote: 'You cannot run shell commands here: do every step the "Without commands" way, by writing the files it names.',
		checked: {version: '0.86.1', source: 'https://aider.chat/docs/config/options.html; github.com/Aider-AI/aider aider/args.py and HISTORY.md (not installable from npm; the issue: --yes-always runs no shell commands)'},
		floor: {version: '0.59.0', reason: '--yes-always (renamed from --yes in 0.59.0, aider HISTORY.md)'},
		build({workspace, inputs}) {
			const promptFile = path.join(workspace, layout.input, 'prompt.txt');
			return {
				args: ['--message-file', promptFile, '--no-git', '--yes-always', '--no-check-update', '--read', layout.instructions, ...inputs.flatMap(input => ['--read', input])],
				promptFile,
			};
		},
	},
};

/**
The version in `<tool> --version`'s output, or a usage error naming the version and the flags when this matrix would start it with flags it rejects.
*/
export function checkToolVersion(tool: LaunchTool, versionOutput: string): ToolVersion {
	const row = launchMatrix[tool];
	const version = parseVersion(versionOutput);
	if (!version) {
		throw new HandoffError(`--launch: \`${row.binary} --version\` printed no version (${JSON.stringify(versionOutput.trim().slice(0, 80))}); not starting it with flags it may reject`, exitCode.usage);
	}

	if (!atLeast(version, row.floor.version)) {
		throw new HandoffError(`--launch: ${row.binary} ${version.text} is too old: handoff starts it with ${row.floor.reason}, which needs ${row.binary} ${row.floor.version} or newer; update it, or paste the prompt instead of --launch`, exitCode.usage);
	}

	return version;
}

/**
The command line for `tool` at the version its `--version` printed, or a usage error naming the version and the flag when the version is too old for this matrix (a tool is never started with flags it would reject).
*/
export function planLaunch(tool: LaunchTool, versionOutput: string, context: Omit<LaunchContext, 'version'>): LaunchPlan {
	const row = launchMatrix[tool];
	const version = checkToolVersion(tool, versionOutput);
	const built = row.build({...context, version});
	return {
		tool,
		binary: row.binary,
		args: built.args,
		cwd: context.workspace,
		environment: built.environment ?? {},
		streamFormat: row.stream && (row.streamSince === undefined || atLeast(version, row.streamSince)) ? row.stream.format : undefined,
		promptFile: built.promptFile,
		prompt: context.prompt,
		version,
	};
}

/** Whether handoff can resume a session of `tool` with an answer. */
export function canResume(tool: LaunchTool): boolean {
	return launchMatrix[tool].buildResume !== undefined;
}

/**
The plan that resumes `first`'s session `sessionId` with `prompt`, with the same permissions, folder and environment as the first launch; undefined for a tool the matrix cannot resume.
*/
export function planResume(first: LaunchPlan, context: Omit<LaunchContext, 'version' | 'prompt'>, sessionId: string, prompt: string): LaunchPlan | undefined {
	const row = launchMatrix[first.tool];
	const args = row.buildResume?.({...context, prompt, version: first.version}, sessionId);
	return args ? {...first, args, prompt, promptFile: undefined} : undefined;
}

/** The prompt a resumed session gets: the answer, then the way back into the hand-off. */
export function resumePrompt(questionId: string, answer: string, workspace: string, handoffPrompt: string): string {
	return `The answer to ${questionId} is: ${answer}\nCarry on with the hand-off in ${workspace}: ${handoffPrompt}`;
}

/** The matrix as the readme's Markdown table (test/core/launch-matrix.test.ts keeps the readme equal to it). */
export function launchMatrixTable(): string {
	const cell = (text: string): string => text.replaceAll('|', String.raw`\|`);
	const code = (text: string): string => `\`${text}\``;
	const rows = launchTools.map(tool => {
		const row = launchMatrix[tool];
		return [
			tool,
			code(row.binary),
			code(row.command),
			row.permissions,
			row.extraDirectory,
			row.stream ? `${row.stream.flag} (${row.stream.format})` : 'plain text',
			[row.sessionId, row.resume].filter(Boolean).join('; '),
			row.prompt,
			`${row.checked.version}, floor ${row.floor.version}: ${row.checked.source}${row.testedEndToEnd ? `; tested end to end: ${row.testedEndToEnd} (npm run test:agents)` : ''}`,
		].map(text => cell(text)).join(' | ');
	});
	return [
		'| Tool | Binary | Command | Permissions | Extra folder | Event stream (format) | Session id; resume | Prompt | Checked against (version, floor: source) |',
		'|---|---|---|---|---|---|---|---|---|',
		...rows.map(row => `| ${row} |`),
	].join('\n');
}
