/**
The scripted model behind the real-agent tests: it plays an obedient LLM for a real agent CLI (Codex, Gemini).
It knows nothing of handoff beyond what the CLI sends it: it finds the instructions path in the prompt, asks the
CLI to print input/instructions.md, and then runs the commands those instructions give, literally and in order
(adapting only the example arguments: its own progress line, question, result). If our words are wrong or unclear,
it goes wrong the way a model would, and the test fails.

The protocol servers (Responses SSE for Codex, streamGenerateContent SSE for Gemini) translate each request into
the transcript below and the returned Move into the CLI's tool call.
*/

/** What the CLI sent: the user's prompt first, then the output of each move, in order. */
export type Observation =
	| {kind: 'prompt'; text: string}
	| {
		kind: 'output';
		/** The tool's output text as the CLI returned it to the model. */
		text: string;
		/** The command's exit code, when the CLI reports one (the adapter parses it out of the tool output). */
		exitCode?: number;
		/** The command has not ended yet (Codex's exec_command yielded with a session id): poll it. */
		running?: boolean;
	};

export type Move =
	/** Run a shell command (Codex exec_command, Gemini run_shell_command). */
	| {kind: 'shell'; command: string; why: string}
	/** The last command is still running: wait for more of its output (Codex write_stdin with empty chars). */
	| {kind: 'poll'; why: string}
	/** Write a whole file with the CLI's file tool (Gemini write_file); path is absolute. */
	| {kind: 'write'; path: string; content: string; why: string}
	/** Read a file with the CLI's file tool (Gemini read_file); path is absolute. */
	| {kind: 'read'; path: string; why: string}
	/** The final answer: the turn ends. */
	| {kind: 'finish'; text: string};

export type Scenario = {
	/** The question the model asks before it writes the result. */
	question: {id: string; text: string; options: string[]};
	/** The valid result, made from the person's answer. */
	result: (answer: string) => unknown;
	/** A result it hands in first, invalid against the schema, to see that it reads the errors and fixes them. */
	invalidFirst?: unknown;
	/** Commands (the numbered steps' commands) or the plain-file way ("Without commands: ...") through file tools. */
	way: 'commands' | 'plain-files';
	/** Whether the CLI has file tools (write/read moves); without them files are written with shell commands. */
	fileTools: boolean;
};

export type ObedientModel = {
	/**
	The next move, given everything the CLI has sent so far. The same transcript length gives the same move again,
	so a CLI that retries a request gets the same answer.
	*/
	next(transcript: Observation[]): Move;
	/** Every move made so far with its reason, for a failing test's message. */
	log(): string[];
};

export function createObedientModel(scenario: Scenario): ObedientModel {
	throw new Error(`not written yet: ${JSON.stringify(scenario.question)}`);
}
