import {spawn} from 'node:child_process';
import {writeFileAtomic} from '../core/safe-io.js';

export type CopyResult = {
	/** Where the text went: `osc52` is only "sent", since no terminal confirms it; `none` when even the file failed. */
	method: 'clipboard' | 'osc52' | 'file' | 'none';
	/** One truthful line for the screen. */
	detail: string;
};

export type CopyOptions = {
	/** The terminal the app draws on (stdout, or the opened /dev/tty). OSC 52 is written straight to it, never into Ink's frame. */
	stream: NodeJS.WritableStream & {isTTY?: boolean};
	env: NodeJS.ProcessEnv;
	/** Try the terminal's clipboard before the system one. Defaults to true over SSH, where the system clipboard is the remote host's. */
	preferOsc52?: boolean;
	/** The prompt is always saved here too (atomically, mode 0600): the fallback that works everywhere. */
	promptFile: string;
};

/** Many terminals drop longer OSC 52 payloads (xterm's default limit, and tmux's is near it). */
export const osc52MaxBase64 = 74_994;
/** GNU screen caps a DCS string (768 bytes now, 256 in old versions); each chunk stays under the smaller cap with its 4-byte wrapper. */
const screenChunk = 252;
/** Long enough for xsel, pbcopy or tmux; short enough that a hung helper cannot hold up the screen. */
const helperTimeoutMs = 1000;

const esc = '\u001B';
const bel = '\u0007';

/** The OSC 52 "set clipboard" sequence, wrapped so tmux or GNU screen passes it to the outer terminal; undefined past the cap. */
export function osc52Sequence(text: string, env: NodeJS.ProcessEnv): string | undefined {
	const payload = Buffer.from(text, 'utf8').toString('base64');
	if (payload.length > osc52MaxBase64) {
		return undefined;
	}

	const sequence = `${esc}]52;c;${payload}${bel}`;
	if (env.TMUX) {
		// tmux 3.3+ forwards a DCS passthrough only with allow-passthrough on, and a bare OSC 52 only with set-clipboard on: send both.
		return `${esc}Ptmux;${sequence.replaceAll(esc, esc + esc)}${esc}\\${sequence}`;
	}

	if (env.STY || env.TERM?.startsWith('screen')) {
		const chunks = sequence.match(new RegExp(`[\\s\\S]{1,${screenChunk}}`, 'g')) ?? [];
		return chunks.map(chunk => `${esc}P${chunk}${esc}\\`).join('');
	}

	return sequence;
}

/** True when the process exits 0 within the timeout, with `input` on its stdin. */
async function runHelper(command: string, args: string[], input: string, env: NodeJS.ProcessEnv): Promise<boolean> {
	return new Promise(resolve => {
		const child = spawn(command, args, {env, stdio: ['pipe', 'ignore', 'ignore'], timeout: helperTimeoutMs});
		child.on('error', () => {
			resolve(false);
		});
		child.on('close', code => {
			resolve(code === 0);
		});
		child.stdin.on('error', () => undefined);
		child.stdin.end(input);
	});
}

async function withTimeout(promise: Promise<unknown>, milliseconds: number): Promise<void> {
	let timer: NodeJS.Timeout | undefined;
	try {
		await Promise.race([promise, new Promise((_resolve, reject) => {
			timer = setTimeout(() => reject(new Error('timed out')), milliseconds);
		})]);
	} finally {
		clearTimeout(timer);
	}
}

/** clipboardy on Linux (X11 or Wayland, WSL aside) can only fail without a display: skip it rather than wait for xsel to say so. */
function mayHaveSystemClipboard(env: NodeJS.ProcessEnv): boolean {
	return process.platform !== 'linux' || Boolean(env.DISPLAY || env.WAYLAND_DISPLAY || env.WSL_DISTRO_NAME);
}

async function copyToSystemClipboard(text: string, env: NodeJS.ProcessEnv): Promise<boolean> {
	if (!mayHaveSystemClipboard(env)) {
		return false;
	}

	try {
		// Loaded only here: clipboardy brings execa's few dozen modules, which would delay the first frame (and most machines over SSH never get this far).
		const {default: clipboard} = await import('clipboardy');
		// clipboardy cannot be cancelled; on a timeout its helper is left to finish on its own.
		await withTimeout(clipboard.write(text), helperTimeoutMs);
		return true;
	} catch {
		return false;
	}
}

/** Sends text to the terminal's clipboard; false when there is no terminal, or the text is over the cap. */
async function sendToTerminalClipboard(text: string, options: CopyOptions): Promise<boolean> {
	const sequence = options.stream.isTTY ? osc52Sequence(text, options.env) : undefined;
	if (sequence === undefined) {
		return false;
	}

	// tmux 3.2+ sets its own buffer and emits OSC 52 to the outer terminal itself, which works with tmux's default options.
	// (It also leaves the text in tmux's buffer "handoff-prompt", for prefix + ].)
	if (options.env.TMUX && await runHelper('tmux', ['load-buffer', '-b', 'handoff-prompt', '-w', '-'], text, options.env)) {
		return true;
	}

	options.stream.write(sequence);
	return true;
}

/** Writes the prompt file; returns why it failed, or undefined. */
async function savePrompt(file: string, text: string): Promise<string | undefined> {
	try {
		await writeFileAtomic(file, `${text}\n`);
		return undefined;
	} catch (error) {
		return (error as Error).message;
	}
}

/**
Puts text where the person will paste from, and says truthfully where: the system clipboard, the terminal's clipboard via OSC 52 (only "sent": no terminal confirms it), or only the prompt file. The file is written in every case. Never throws.
*/
export async function copyText(text: string, options: CopyOptions): Promise<CopyResult> {
	const {env, promptFile} = options;
	const saveError = await savePrompt(promptFile, text);
	const fileNote = saveError === undefined ? `if nothing pasted, use the file: ${promptFile}` : `it could not be saved to ${promptFile}: ${saveError}`;
	const preferOsc52 = options.preferOsc52 ?? Boolean(env.SSH_TTY || env.SSH_CONNECTION || env.SSH_CLIENT);

	const viaSystem = async (): Promise<CopyResult | undefined> => {
		const copied = await copyToSystemClipboard(text, env);
		return copied ? {method: 'clipboard', detail: `Prompt copied to the clipboard; also in ${promptFile}`} : undefined;
	};

	const viaTerminal = async (): Promise<CopyResult | undefined> => {
		const sent = await sendToTerminalClipboard(text, options);
		return sent ? {method: 'osc52', detail: `Prompt sent to your terminal's clipboard (OSC 52); ${fileNote}`} : undefined;
	};

	for (const attempt of preferOsc52 ? [viaTerminal, viaSystem] : [viaSystem, viaTerminal]) {
		const result = await attempt();
		if (result) {
			return result;
		}
	}

	return saveError === undefined
		? {method: 'file', detail: `No clipboard here; the prompt is in ${promptFile}`}
		: {method: 'none', detail: `No clipboard here, and the prompt could not be saved to ${promptFile}: ${saveError}`};
}

/** Saves the prompt to its file without copying it (--no-clipboard, watch, a resumed pipeline stage), and says where it is. Never throws. */
export async function savePromptOnly(text: string, promptFile: string): Promise<CopyResult> {
	const saveError = await savePrompt(promptFile, text);
	return saveError === undefined
		? {method: 'file', detail: `The prompt is in ${promptFile}`}
		: {method: 'none', detail: `The prompt could not be saved to ${promptFile}: ${saveError}`};
}
