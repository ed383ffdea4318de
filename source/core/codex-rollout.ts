import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/*
`codex exec --json` names the session (thread.started {thread_id}) but never the model (codex-rs/exec/src/exec_events.rs;
checked on 0.169.0). Codex keeps each session in its own file, $CODEX_HOME/sessions/YYYY/MM/DD/rollout-<time>-<thread
id>.jsonl (CODEX_HOME defaults to ~/.codex; openai/codex codex-rs/core/src/rollout/recorder.rs), whose `turn_context`
lines carry the model of each turn (TurnContextItem.model, codex-rs/protocol/src/protocol.rs). That is where the model
is read from, once, read-only and bounded.
*/

/** The session files of the newest days are looked at: a session found by thread id was started moments ago. */
const newestFolders = 2;
/** The turn context comes after the instructions and tool list, some 100 kB in; no more than this is read. */
const readLimit = 4 * 1024 * 1024;
const modelNameLimit = 200;

async function newest(folder: string): Promise<string[]> {
	try {
		const names = await fs.readdir(folder);
		return names.filter(name => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a)).slice(0, newestFolders).map(name => path.join(folder, name));
	} catch {
		return [];
	}
}

/** The rollout file of `threadId` under `codexHome`, among the newest days' folders. */
async function findRollout(codexHome: string, threadId: string): Promise<string | undefined> {
	const suffix = `-${threadId}.jsonl`;
	for (const year of await newest(path.join(codexHome, 'sessions'))) {
		for (const month of await newest(year)) {
			for (const day of await newest(month)) {
				try {
					const found = (await fs.readdir(day)).find(name => name.startsWith('rollout-') && name.endsWith(suffix));
					if (found) {
						return path.join(day, found);
					}
				} catch {}
			}
		}
	}

	return undefined;
}

/** The model of Codex session `threadId`, from its rollout file; undefined until the file names one (or when there is none). */
export async function readCodexModel(threadId: string, environment: NodeJS.ProcessEnv): Promise<string | undefined> {
	if (!/^[\w-]+$/.test(threadId)) {
		return undefined;
	}

	const codexHome = environment.CODEX_HOME ?? path.join(environment.HOME ?? os.homedir(), '.codex');
	const file = await findRollout(codexHome, threadId);
	if (!file) {
		return undefined;
	}

	let text: string;
	try {
		const handle = await fs.open(file, 'r');
		try {
			const {size} = await handle.stat();
			const buffer = Buffer.alloc(Math.min(size, readLimit));
			const {bytesRead} = await handle.read(buffer, 0, buffer.length, 0);
			text = buffer.subarray(0, bytesRead).toString('utf8');
		} finally {
			await handle.close();
		}
	} catch {
		return undefined;
	}

	for (const line of text.split('\n')) {
		if (!line.includes('"turn_context"')) {
			continue;
		}

		try {
			const entry = JSON.parse(line) as {type?: unknown; payload?: {model?: unknown}};
			const model = entry.payload?.model;
			if (entry.type === 'turn_context' && typeof model === 'string' && model !== '') {
				return model.slice(0, modelNameLimit);
			}
		} catch {}
	}

	return undefined;
}
