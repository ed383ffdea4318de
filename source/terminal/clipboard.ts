import clipboard from 'clipboardy';
import {writeFileAtomic} from '../core/safe-io.js';

export type CopyResult = {
	method: 'clipboard' | 'osc52' | 'file';
	/** One truthful line for the screen. */
	detail: string;
};

export type CopyOptions = {
	/** The terminal the app draws on; OSC 52 goes here, never into Ink's frame. */
	stream: NodeJS.WritableStream & {isTTY?: boolean};
	env: NodeJS.ProcessEnv;
	/** The prompt is always saved here too, as the fallback that always works. */
	promptFile: string;
};

/** Many terminals drop OSC 52 payloads past this (xterm's default, and tmux's own limit is near it). */
export const osc52MaxBase64 = 74_994;
const clipboardTimeoutMs = 1500;

/** The OSC 52 sequence, wrapped so tmux or GNU screen passes it through to the outer terminal. */
export function osc52Sequence(text: string, env: NodeJS.ProcessEnv): string | undefined {
	const payload = Buffer.from(text, 'utf8').toString('base64');
	if (payload.length > osc52MaxBase64) {
		return undefined;
	}

	const sequence = `\u001B]52;c;${payload}\u0007`;
	if (env.TMUX) {
		return `\u001BPtmux;${sequence.replaceAll('\u001B', '\u001B\u001B')}\u001B\\`;
	}

	if (env.TERM?.startsWith('screen')) {
		// screen limits a DCS string to 768 bytes: pass the sequence through in chunks.
		const chunks = sequence.match(/[\s\S]{1,760}/g) ?? [];
		return chunks.map(chunk => `\u001BP${chunk}\u001B\\`).join('');
	}

	return sequence;
}

async function withTimeout<T>(promise: Promise<T>, milliseconds: number): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	try {
		return await Promise.race([
			promise,
			new Promise<never>((_resolve, reject) => {
				timer = setTimeout(() => reject(new Error('timed out')), milliseconds);
			}),
		]);
	} finally {
		clearTimeout(timer);
	}
}

/**
Puts text on the clipboard the person will paste from, and says truthfully how. Over SSH the local clipboard is on the other machine, so OSC 52 (the terminal's own clipboard) is tried first there; elsewhere the system clipboard first. The prompt file is written in every case.
*/
export async function copyText(text: string, options: CopyOptions): Promise<CopyResult> {
	const {env, stream, promptFile} = options;
	await writeFileAtomic(promptFile, `${text}\n`);
	const overSsh = Boolean(env.SSH_TTY ?? env.SSH_CONNECTION);
	const tryOsc52 = (): CopyResult | undefined => {
		const sequence = stream.isTTY ? osc52Sequence(text, env) : undefined;
		if (sequence === undefined) {
			return undefined;
		}

		stream.write(sequence);
		return {method: 'osc52', detail: `Prompt sent to your terminal's clipboard (OSC 52); if paste is empty, it is in ${promptFile}`};
	};

	if (overSsh) {
		const sent = tryOsc52();
		if (sent) {
			return sent;
		}
	}

	// On Linux the system clipboard needs a display (WSL has Windows' own); without one, clipboardy can only fail.
	const hasSystemClipboard = process.platform !== 'linux' || Boolean(env.DISPLAY ?? env.WAYLAND_DISPLAY ?? env.WSL_DISTRO_NAME);
	if (hasSystemClipboard) {
		try {
			await withTimeout(clipboard.write(text), clipboardTimeoutMs);
			return {method: 'clipboard', detail: 'Prompt copied to the clipboard'};
		} catch {}
	}

	return tryOsc52() ?? {method: 'file', detail: `No clipboard here; the prompt is in ${promptFile}`};
}
