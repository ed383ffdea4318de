#!/usr/bin/env node
import fs from 'node:fs';
import {fileURLToPath} from 'node:url';
import {formatHelp, parseCommandLine, type CommandLine, type FlagSpec} from './commands/arguments.js';
import {printLine, type CommandContext} from './commands/io.js';
import {HandoffError, crashReport, debugEnabled, describeError, errorStack, exitCode, exitCodeForError, isExpectedError} from './core/errors.js';

const helpText = `
	Usage
	  $ handoff <command> [options]

	Commands
	  demo                         Try a complete hand-off with a simulated consumer (no LLM needed)

	Producer commands
	  run                          Create a workspace, copy the hand-off prompt, and watch it full screen
	  watch <workspace>            Open the screen on an existing workspace (also to come back after quitting)
	                               or a read-only view of an archive
	  new                          Create a workspace and print its path
	  wait <workspace>             Watch a workspace without a screen; archive it on .done
	  answer <workspace> <id> <answer>
	                               Answer a question (a number picks that option)
	  ls                           List workspaces, pipeline runs and archives, newest first
	                               (full screen on a terminal: Enter opens one, q comes back)
	  pipeline run <file>          Run a multi-stage pipeline (hand-off and command stages)
	  pipeline resume <run>        Continue a pipeline run from its first stage that is not complete

	Consumer commands (run inside a workspace, or pass --workspace)
	  claim                        Claim the task: .lock and status RUNNING
	  progress <message>           Add a line to shared/progress.txt
	  partial <file|->             Publish a partial result
	  ask <text>                   Ask the producer a question and print its id (asking the same
	                               question again prints the same id and adds nothing)
	  ask --file <file|->          Ask several questions ({"questions": [...]}); one id per line
	  await <id>...                Wait for the answers, at most --for seconds; print them
	  done                         Check the result against the schema, then signal .done
	  fail <message>               Signal failure with a reason
	  mcp                          Serve these steps as MCP tools over stdio, for a CLI that loads MCP
	                               servers (--workspace: a workspace, or a pipeline run's current stage)

	Options for run and new
	  --task            Task name (required)
	  --input           An input file as NAME=FILE (repeatable)
	  --instructions    Markdown file with the task instructions
	  --schema          JSON Schema the result must satisfy
	  --result          Where the result goes  [Default: output/result.json]
	  --timeout         Seconds the consumer has
	  --retries         How often an invalid result is sent back  [Default: 0]

	Options for run, watch and demo
	  --tool            The consumer's tool: claude, codex, gemini, cursor, copilot, opencode, qwen,
	                    amp, aider or generic; picks the prompt, the --launch tool and, with new too,
	                    the instructions' wait steps  [Default: generic]
	  --no-clipboard    Do not copy the hand-off prompt (it is still saved to input/prompt.txt)
	  --no-notify       No desktop notification (OSC 9 and 777, notify-send) when a question arrives
	                    or the hand-off ends; the bell still rings
	  --launch          Start the --tool's non-interactive form on the prompt, in the workspace, and show
	                    its events (claude -p, codex exec, gemini -p, agent -p, copilot -p, opencode run,
	                    qwen -p, amp -x, aider --message-file); its version is checked first. Also for
	                    wait, and "launch": true in a pipeline stage
	  --mcp             The prompt and instructions use handoff's MCP tools (handoff mcp); run shows the
	                    --tool's one-line registration, and --launch passes the server for that run only
	  --stay            Keep the screen open after completion, with the result, until a key
	  --scenario        With demo: happy, invalid, fail or timeout  [Default: happy]
	  (and every option of wait)

	Options for wait
	  --json            Print a summary object on stdout at the end
	  --keep            Keep the workspace after archiving it
	  --results         Archive into this folder  [Default: <dir>/results]
	  --timeout         Seconds, overriding the manifest's timeout
	  --stall-after     Seconds without activity before it counts as stalled  [Default: 300]
	  --poll            Poll the files instead of using file events
	  --tool, --launch  Start that tool on the prompt, as with run

	Options for consumer commands
	  --workspace       The workspace  [Default: $HANDOFF_WORKSPACE, or the folder you are in]
	  --tool            Name of the consumer, for .lock and metadata  [Default: $HANDOFF_TOOL]
	  --model           Model name, for metadata (done, fail)
	  --option          An answer option for ask (repeatable)
	  --id              Question id for ask  [Default: q1, q2, ...]
	  --strict          With ask: the answer must be one of the options (else free text is taken too)
	  --schema          With ask: a JSON Schema file the (typed) answer must satisfy
	  --wait            With ask: then wait for the answer and print it, like await
	  --for             With await and ask --wait: seconds to wait at most, then exit 75
	                    (run the same command again)  [Default: 50]
	  --json            With await and ask --wait: print {"answers": {id: answer}}

	Other options
	  --dir             Where workspaces and archives live  [Default: $HANDOFF_DIR or ./.handoff]
	  --force           With answer: replace an earlier answer
	  --prune           With ls: delete archives older than this many days (asks first)
	  --ended           With ls --prune: also delete ended workspaces (failed, canceled, timed out)
	                    created longer ago than that
	  --yes             With ls --prune: do not ask
	  --json            With new and ls: print JSON

	Keys in the app (? shows every key)
	  ?                 Every key                  q, Ctrl+C      Quit (asks first if an answer is half-typed)
	  Tab, Shift+Tab    Move between panes         ↑ ↓ PgUp PgDn  Scroll, or pick a question
	  1-9               Pick an option             Enter          Send it, type an answer, or show a pane whole
	  v                 Show the focused pane whole, wrapped (long lines, errors, the result)
	  p                 Show the whole prompt      c              Copy the prompt again
	  t                 Type an answer that is none of the options (unless the question is strict)
	  Esc               Leave the answer line (what you typed stays) or the detail view
	  x                 Cancel the hand-off        Ctrl+Z         Suspend to the shell; fg comes back
	  Once the hand-off has ended, any other key closes the screen

	Exit codes
	  0    complete (and archived)
	  1    failed: the consumer failed, the result is invalid, the workspace was removed,
	       or a file could not be read or written
	  2    usage error, or an invalid workspace or manifest
	  3    timed out
	  70   internal error: a bug in handoff (HANDOFF_DEBUG=1 shows where)
	  75   still open (await, ask --wait): no answer within --for; run the same command again
	  130  interrupted or canceled (Ctrl+C, q, x)
	  129, 143  ended by SIGHUP, SIGTERM (a signal ends any command with 128 + its number)

	Examples
	  $ handoff demo
	  $ handoff run --task analyze-spec --input spec=SPEC.md --schema schema.json --tool claude
	  $ handoff new --task analyze-spec --input spec=SPEC.md --schema schema.json --result output/analysis.json
	  $ handoff wait .handoff/workspaces/analyze-spec_20251121_233000_4242 --json
	  $ handoff progress "Reading the spec"
	  $ handoff ask "Should users edit their own profiles?" --option Yes --option No --wait --for 100
	  $ handoff await q1 --for 100
`;

const flagSpecs = {
	task: {type: 'string'},
	input: {type: 'string', isMultiple: true, default: []},
	instructions: {type: 'string'},
	schema: {type: 'string'},
	result: {type: 'string'},
	timeout: {type: 'number'},
	retries: {type: 'number'},
	dir: {type: 'string'},
	json: {type: 'boolean', default: false},
	keep: {type: 'boolean', default: false},
	results: {type: 'string'},
	stallAfter: {type: 'number'},
	poll: {type: 'boolean', default: false},
	workspace: {type: 'string'},
	tool: {type: 'string'},
	model: {type: 'string'},
	option: {type: 'string', isMultiple: true, default: []},
	id: {type: 'string'},
	wait: {type: 'boolean', default: false},
	strict: {type: 'boolean', default: false},
	file: {type: 'string'},
	for: {type: 'number'},
	force: {type: 'boolean', default: false},
	clipboard: {type: 'boolean', default: true},
	stay: {type: 'boolean', default: false},
	notify: {type: 'boolean', default: true},
	launch: {type: 'boolean', default: false},
	mcp: {type: 'boolean', default: false},
	prune: {type: 'number'},
	yes: {type: 'boolean', default: false},
	ended: {type: 'boolean', default: false},
	scenario: {type: 'string', default: 'happy'},
} as const satisfies Record<string, FlagSpec>;

process.title = 'handoff';

function packageJson(): {description: string; version: string} {
	return JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {description: string; version: string};
}

function showHelp(code: number): never {
	printLine(process.stdout, formatHelp(packageJson().description, helpText), {multiline: true});
	process.exit(code);
}

/** Help, the version, or a command line we refuse, as meow answered them. */
function answerWithoutCommand(commandLine: Exclude<CommandLine<typeof flagSpecs>, {kind: 'command'}>): never {
	if (commandLine.kind === 'help') {
		showHelp(0);
	}

	if (commandLine.kind === 'version') {
		printLine(process.stdout, packageJson().version);
	} else if (commandLine.kind === 'unknown flags') {
		printLine(process.stderr, `Unknown flag${commandLine.flags.length > 1 ? 's' : ''}\n${commandLine.flags.join('\n')}`, {multiline: true});
	} else {
		printLine(process.stderr, `handoff: ${commandLine.message}`);
	}

	process.exit(commandLine.kind === 'version' ? 0 : exitCode.usage);
}

const cli = parseCommandLine(process.argv.slice(2), flagSpecs);
if (cli.kind !== 'command') {
	answerWithoutCommand(cli);
}
const [command, ...input] = cli.input;
const context: CommandContext<typeof cli.flags> = {
	input,
	flags: cli.flags,
	stdout: process.stdout,
	stderr: process.stderr,
	environment: process.env,
	cwd: process.cwd(),
};
/** How the instructions and prompts name this CLI; loaded only by the commands that write them. */
const self = async (): Promise<string[]> => (await import('./core/instructions.js')).cliCommand(fileURLToPath(import.meta.url));

// Each command is loaded on use: consumer commands run often and should not pay for Ink and React.
const commands: Record<string, () => Promise<number>> = {
	demo: async () => (await import('./commands/demo.js')).demoCommand(context, await self()),
	run: async () => (await import('./commands/run.js')).runCommand(context, await self()),
	watch: async () => (await import('./commands/watch.js')).watchCommand(context),
	new: async () => (await import('./commands/new.js')).newCommand(context, await self()),
	wait: async () => (await import('./commands/wait.js')).waitCommand(context),
	answer: async () => (await import('./commands/answer.js')).answerCommand(context),
	ls: async () => (await import('./commands/ls.js')).lsCommand(context, async entry => {
		// Enter in the list: watch a workspace, resume a pipeline run, or view an archive (read only).
		if (entry.kind === 'archive') {
			return (await import('./commands/show-archive.js')).showArchive(entry.path, context);
		}

		const next = {...context, input: entry.kind === 'pipeline' ? ['resume', entry.path] : [entry.path]};
		return entry.kind === 'pipeline'
			? (await import('./commands/pipeline.js')).pipelineCommand(next, await self())
			: (await import('./commands/watch.js')).watchCommand(next);
	}),
	claim: async () => (await import('./commands/claim.js')).claimCommand(context),
	progress: async () => (await import('./commands/progress.js')).progressCommand(context),
	partial: async () => (await import('./commands/partial.js')).partialCommand(context, process.stdin),
	ask: async () => (await import('./commands/ask.js')).askCommand(context, process.stdin, await self()),
	await: async () => (await import('./commands/await.js')).awaitCommand(context, await self()),
	done: async () => (await import('./commands/done.js')).doneCommand(context),
	fail: async () => (await import('./commands/fail.js')).failCommand(context),
	mcp: async () => (await import('./commands/mcp.js')).mcpCommand(context),
	pipeline: async () => (await import('./commands/pipeline.js')).pipelineCommand(context, await self()),
};

async function main(): Promise<number> {
	if (command === undefined) {
		showHelp(exitCode.usage);
	}

	const run = commands[command];
	if (!run) {
		printLine(process.stderr, `handoff: unknown command "${command}"; see handoff --help`);
		return exitCode.usage;
	}

	try {
		return await run();
	} catch (error) {
		// One line for the person, made safe for the terminal (the message may quote the workspace): a refusal of ours or a file the system refused names the file (exit 2 or 1); anything else is a bug (exit 70), with its stack only for HANDOFF_DEBUG=1.
		if (isExpectedError(error)) {
			printLine(process.stderr, `handoff: ${describeError(error)}`);
			if (debugEnabled() && !(error instanceof HandoffError)) {
				printLine(process.stderr, errorStack(error), {multiline: true});
			}

			return exitCodeForError(error);
		}

		printLine(process.stderr, crashReport(error), {multiline: true});
		return exitCode.internal;
	}
}

// The last line of defence: a rejection or exception nothing handled (a bug) still ends with one line and the internal-error code, not Node's stack dump. The full screen installs its own handlers, which also restore the terminal.
const crash = (error: unknown): void => {
	printLine(process.stderr, crashReport(error), {multiline: true});
	process.exit(exitCode.internal);
};

process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);
process.exitCode = await main();
