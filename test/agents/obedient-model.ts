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

type Step = Generator<Move, void, Observation>;
type Ran = {text: string; exitCode?: number};

/** Quotes a word for a POSIX shell, as a model writing a command line would. */
function shellWord(text: string): string {
	return `'${text.replaceAll('\'', `'\\''`)}'`;
}

/** The numbered steps of the instructions: "2. **Claim the task** ..." up to the next step or the closing paragraph. */
function readSteps(instructions: string): Array<{title: string; body: string}> {
	const steps: Array<{title: string; body: string}> = [];
	for (const block of instructions.split(/^(?=\d+\. \*\*)/m).slice(1)) {
		const title = /^\d+\. \*\*(.+?)\*\*/.exec(block)?.[1] ?? '';
		// A step ends where an unindented paragraph begins.
		steps.push({title, body: block.split(/\n\n(?=\S)/)[0]!});
	}

	return steps;
}

/** The command a step gives: the backticked span on a line of its own that runs something with --workspace. */
function commandOf(body: string | undefined): string | undefined {
	return body === undefined ? undefined : /^\s*`([^`]+--workspace[^`]+)`/m.exec(body)?.[1];
}

/** The plain-file part of a step: what follows "Without commands:". */
function plainPart(body: string | undefined): string | undefined {
	return body === undefined ? undefined : /Without commands: ([\s\S]*)$/.exec(body)?.[1];
}

/** What a command printed for the model to read: the lines that are not handoff's own notes on stderr. */
function printed(text: string): string[] {
	return text.split(/\r?\n/).map(line => line.trim()).filter(line => line !== '' && !line.startsWith('handoff:'));
}

export function createObedientModel(scenario: Scenario): ObedientModel {
	const moves: Move[] = [];
	const reasons: string[] = [];
	let game: Step | undefined;

	/** Runs a shell command, polling while it is still running (as Codex's exec_command description says), and returns all of its output. */
	function * shell(command: string, why: string): Generator<Move, Ran, Observation> {
		let seen = yield {kind: 'shell', command, why};
		let text = seen.kind === 'output' ? seen.text : '';
		while (seen.kind === 'output' && seen.running) {
			seen = yield {kind: 'poll', why: `${why}: it is still running`};
			text += seen.kind === 'output' ? seen.text : '';
		}

		return {text, exitCode: seen.kind === 'output' ? seen.exitCode : undefined};
	}

	function * writeFile(file: string, content: string, why: string): Generator<Move, Ran, Observation> {
		if (scenario.fileTools) {
			const seen = yield {kind: 'write', path: file, content, why};
			return {text: seen.kind === 'output' ? seen.text : ''};
		}

		return yield * shell(`cat > ${shellWord(file)} <<'HANDOFF_EOF'\n${content}\nHANDOFF_EOF`, why);
	}

	function * readFile(file: string, why: string): Generator<Move, Ran, Observation> {
		if (scenario.fileTools) {
			const seen = yield {kind: 'read', path: file, why};
			return {text: seen.kind === 'output' ? seen.text : ''};
		}

		return yield * shell(`cat ${shellWord(file)}`, why);
	}

	/** Reads a JSON file the instructions name, or undefined when it is missing or not JSON yet. */
	function * readJson(file: string, why: string): Generator<Move, unknown, Observation> {
		const {text} = yield * readFile(file, why);
		const start = text.indexOf('{');
		try {
			return start === -1 ? undefined : JSON.parse(text.slice(start, text.lastIndexOf('}') + 1)) as unknown;
		} catch {
			return undefined;
		}
	}

	function * play(prompt: string): Generator<Move, void, Observation> {
		const instructionsPath = /`([^`\n]*instructions\.md)`/.exec(prompt)?.[1] ?? /(\/[^\s`'"]*instructions\.md)/.exec(prompt)?.[1];
		if (!instructionsPath) {
			yield {kind: 'finish', text: 'The prompt names no instructions file, so I do not know what to do.'};
			return;
		}

		const instructions = (yield * readFile(instructionsPath, 'read the instructions the prompt names')).text;
		const workspace = /^Workspace: `([^`]+)`/m.exec(instructions)?.[1];
		const steps = readSteps(instructions);
		const step = (pattern: RegExp) => steps.find(candidate => pattern.test(candidate.title))?.body;
		const resultPath = /\*\*Write the result\*\* to `[^`]+` \(that is `([^`]+)`\)/.exec(instructions)?.[1];
		if (!workspace || !resultPath) {
			yield {kind: 'finish', text: `The instructions do not say where the workspace or the result is:\n${instructions.slice(0, 400)}`};
			return;
		}

		const inWorkspace = (relative: string) => relative.startsWith('/') ? relative : `${workspace}/${relative}`;
		const inputs = [...(step(/^Read the inputs/i) ?? '').matchAll(/`([^`]+)`/g)].map(match => inWorkspace(match[1]!));
		if (scenario.fileTools) {
			for (const file of inputs) {
				yield * readFile(file, 'read an input step 1 names');
			}
		} else if (inputs.length > 0) {
			yield * shell(`cat ${inputs.map(file => shellWord(file)).join(' ')}`, 'read the inputs step 1 names');
		}

		const {question} = scenario;
		const partial = scenario.result('(not answered yet)');
		let answer: string | undefined;
		if (scenario.way === 'commands') {
			const claim = commandOf(step(/claim/i));
			if (claim) {
				const claimed = yield * shell(claim, 'claim the task, as the instructions say first');
				if (claimed.exitCode !== undefined && claimed.exitCode !== 0) {
					yield {kind: 'finish', text: `The claim command failed (${claimed.exitCode}): ${claimed.text}`};
					return;
				}
			}

			const progress = commandOf(step(/progress/i));
			if (progress) {
				yield * shell(progress.replace(/"[^"]*"$/, '"Read the inputs; drafting the result"'), 'report progress, in my own words');
			}

			const partialStep = step(/partial/i);
			const publish = commandOf(partialStep);
			// The file the step says to write first (where the tool may not pipe into a command).
			const draft = /a file first, e\.g\. `([^`]+)`/.exec(partialStep ?? '')?.[1];
			if (publish && /`-`[^.]*stdin/.test(partialStep!)) {
				yield * shell(`printf '%s\\n' ${shellWord(JSON.stringify(partial))} | ${publish.replace(/ FILE$/, ' -')}`, 'share a partial result through stdin');
			} else if (publish && draft) {
				yield * writeFile(inWorkspace(draft), JSON.stringify(partial, null, 2), 'write the partial result to a file first, as the instructions say');
				yield * shell(publish.replace(/ FILE$/, ` ${shellWord(inWorkspace(draft))}`), 'share the partial result from that file');
			}

			const askStep = step(/^Ask/i);
			const ask = commandOf(askStep);
			const waitFor = askStep ? /^\s*`([^`]+ await [^`]+)`/m.exec(askStep)?.[1] : undefined;
			if (!ask || !waitFor) {
				yield {kind: 'finish', text: 'The instructions give no way to ask the person and wait for the answer.'};
				return;
			}

			const example = /--id (\S+)/.exec(ask)?.[1] ?? '';
			const myAsk = ask.replace(/ ask .*$/, ` ask ${shellWord(question.text)}${question.options.map(option => ` --option ${shellWord(option)}`).join('')} --id ${shellWord(question.id)}`);
			const asked = yield * shell(myAsk, 'ask my question instead of guessing');
			if (asked.exitCode !== undefined && asked.exitCode !== 0) {
				yield {kind: 'finish', text: `Asking failed (${asked.exitCode}): ${asked.text}`};
				return;
			}

			const myWait = waitFor.replace(` await ${example}`, ` await ${question.id}`);
			const again = /exits 75[\s\S]*?run the same await command again/.test(askStep!);
			for (let attempt = 1; answer === undefined; attempt++) {
				const waited = yield * shell(myWait, attempt === 1 ? 'wait for the answer' : `the question is still open (exit 75): wait again, attempt ${attempt}`);
				if (waited.exitCode === 0) {
					const lines = printed(waited.text);
					answer = lines.find(line => question.options.includes(line)) ?? lines.at(-1);
				} else if (waited.exitCode === 75 && again && attempt < 200) {
					continue;
				} else {
					yield {kind: 'finish', text: `Waiting for the answer ended with exit code ${waited.exitCode}; the instructions say to stop.\n${waited.text}`};
					return;
				}
			}

			const done = commandOf(step(/Write the result/i));
			if (!done) {
				yield {kind: 'finish', text: 'The instructions give no command to check and finish.'};
				return;
			}

			if (scenario.invalidFirst !== undefined) {
				yield * writeFile(resultPath, JSON.stringify(scenario.invalidFirst, null, 2), 'write my first draft of the result');
				const checked = yield * shell(done, 'check the result and finish');
				// The instructions promise errors that name the field by its JSON path; a model fixes what they name.
				if (checked.exitCode === 0 || !/\//.test(printed(checked.text).join('\n'))) {
					yield {kind: 'finish', text: `The check passed an invalid result, or named no field: ${checked.text}`};
					return;
				}
			}

			yield * writeFile(resultPath, JSON.stringify(scenario.result(answer), null, 2), scenario.invalidFirst === undefined ? 'write the result with the answer' : 'fix each error the check named');
			const finished = yield * shell(done, 'check the result and signal completion');
			if (finished.exitCode !== undefined && finished.exitCode !== 0) {
				yield {kind: 'finish', text: `The check still fails after my fix: ${finished.text}`};
				return;
			}

			yield {kind: 'finish', text: `Done: the result is in ${resultPath}.`};
			return;
		}

		// The plain-file way: each step's "Without commands:" sentence, with the model's own values in the example's place.
		const claimWay = /create the file `([^`]+)` and write `([^`]+)` into `([^`]+)`/.exec(plainPart(step(/claim/i)) ?? '');
		if (claimWay) {
			yield * writeFile(inWorkspace(claimWay[1]!), '', 'claim: create the lock file');
			yield * writeFile(inWorkspace(claimWay[3]!), `${claimWay[2]!}\n`, 'claim: set the status');
		}

		const progressWay = /append a line `\[YYYY-MM-DD HH:MM:SS\] [^`]*` \(UTC\) to `([^`]+)`/.exec(plainPart(step(/progress/i)) ?? '');
		const progressLines: string[] = [];
		if (progressWay) {
			progressLines.push(`[${new Date().toISOString().slice(0, 19).replace('T', ' ')}] Read the inputs; drafting the result`);
			yield * writeFile(inWorkspace(progressWay[1]!), `${progressLines.join('\n')}\n`, 'report progress');
		}

		const partialWay = /write the JSON to `([^`]+)`/.exec(plainPart(step(/partial/i)) ?? '');
		if (partialWay) {
			yield * writeFile(inWorkspace(partialWay[1]!), JSON.stringify(partial, null, 2), 'share a partial result');
		}

		const askWay = plainPart(step(/^Ask/i)) ?? '';
		const questionsFile = /to the `"questions"` array of `([^`]+)`/.exec(askWay)?.[1];
		const answersFile = /look in `([^`]+)` for an entry with your id/.exec(askWay)?.[1];
		const receiptsFile = /to the `"receipts"` array of `([^`]+)`/.exec(askWay)?.[1];
		const pause = /wait about (\d+) seconds/.exec(askWay)?.[1];
		if (!questionsFile || !answersFile || !pause) {
			yield {kind: 'finish', text: 'The instructions give no plain-file way to ask the person and read the answer.'};
			return;
		}

		const existing = (yield * readJson(inWorkspace(questionsFile), 'read the questions file before adding to it')) as {questions?: unknown[]} | undefined;
		const questions = [...(existing?.questions ?? []), {id: question.id, text: question.text, options: question.options}];
		yield * writeFile(inWorkspace(questionsFile), JSON.stringify({questions}, null, 2), 'ask my question: add it to the questions array');
		for (let attempt = 1; answer === undefined; attempt++) {
			const answers = (yield * readJson(inWorkspace(answersFile), 'look for the answer')) as {answers?: Array<{id?: unknown; answer?: unknown}>} | undefined;
			const found = answers?.answers?.find(entry => entry.id === question.id);
			if (found !== undefined) {
				answer = String(found.answer);
			} else if (attempt >= 60) {
				yield {kind: 'finish', text: 'No answer after 60 looks; giving up.'};
				return;
			} else {
				yield * shell(`sleep ${pause}`, 'no answer yet: wait as the instructions say, then look again');
			}
		}

		if (receiptsFile) {
			const receipts = (yield * readJson(inWorkspace(receiptsFile), 'read the receipts before adding mine')) as {receipts?: unknown[]} | undefined;
			yield * writeFile(inWorkspace(receiptsFile), JSON.stringify({receipts: [...(receipts?.receipts ?? []), {id: question.id, read_at: new Date().toISOString()}]}, null, 2), 'say I picked up the answer');
		}

		yield * writeFile(resultPath, JSON.stringify(scenario.result(answer), null, 2), 'write the result with the answer');
		const doneWay = /write `([^`]+)` as `(\{[^`]+\})`, then create the empty file `([^`]+)`/.exec(plainPart(step(/Write the result/i)) ?? '');
		if (!doneWay) {
			yield {kind: 'finish', text: 'The instructions give no plain-file way to signal completion.'};
			return;
		}

		yield * writeFile(inWorkspace(doneWay[1]!), doneWay[2]!, 'write the metadata the instructions give');
		yield * writeFile(inWorkspace(doneWay[3]!), '', 'signal completion');
		yield {kind: 'finish', text: `Done: the result is in ${resultPath}.`};
	}

	return {
		next(transcript) {
			if (transcript.length === 0 || transcript[0]!.kind !== 'prompt') {
				throw new Error('a transcript starts with the prompt');
			}

			// A retried request (same length) gets the same move; a new one feeds the latest observation to the game.
			if (transcript.length <= moves.length) {
				return moves[transcript.length - 1]!;
			}

			if (transcript.length !== moves.length + 1) {
				throw new Error(`the transcript skipped ahead: ${transcript.length} observations after ${moves.length} moves`);
			}

			let step: IteratorResult<Move, void>;
			if (game) {
				step = game.next(transcript.at(-1)!);
			} else {
				game = play(transcript[0]!.text);
				step = game.next(transcript[0]!);
			}

			const move: Move = step.done ? {kind: 'finish', text: 'I have nothing more to do.'} : step.value;
			moves.push(move);
			reasons.push(move.kind === 'finish' ? `finish: ${move.text}` : `${move.kind}: ${move.why}${move.kind === 'shell' ? ` — ${move.command}` : move.kind === 'poll' ? '' : ` — ${move.path}`}`);
			return move;
		},
		log: () => [...reasons],
	};
}
