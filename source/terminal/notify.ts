import {spawn} from 'node:child_process';
import {safeText} from './safe-text.js';

/** A desktop notification: a short title and one line of text. */
export type Notification = {title: string; body: string};

export type NotifyOptions = {
	/** The terminal the app draws on; the sequences go straight to it, never into Ink's frame. */
	stream: NodeJS.WritableStream & {isTTY?: boolean};
	env: NodeJS.ProcessEnv;
};

/** Long enough for a question's gist; a notification shows a few lines at most, and some terminals cap the sequence. */
const maxBodyLength = 200;
const maxTitleLength = 60;
/** notify-send returns at once; a hung D-Bus must not leave it around. */
const notifySendTimeoutMs = 2000;

const esc = '\u001B';
const bel = '\u0007';

/**
One line with nothing a terminal could act on: made safe (escape sequences removed, controls shown as symbols) and cut. A `;` would end a field of OSC 777, so it becomes `,`; the text may come from the consumer (a question).
*/
export function notificationText(text: string, maxLength: number): string {
	const safe = safeText(text).replaceAll(';', ',').trim();
	return [...safe].length > maxLength ? `${[...safe].slice(0, maxLength - 1).join('')}…` : safe;
}

/**
Which notification sequences the terminal understands: OSC 9 (iTerm2, WezTerm, Ghostty), OSC 777 (foot, urxvt, VTE terminals such as GNOME Terminal, Ghostty, WezTerm). Where the terminal is known, only its own, so no terminal shows the notification twice; elsewhere (in tmux the outer terminal is unknown) both, as a terminal ignores an OSC it does not know.
*/
export function notificationKinds(env: NodeJS.ProcessEnv): Array<9 | 777> {
	if (env.TMUX || env.STY) {
		return [777, 9];
	}

	const program = env.TERM_PROGRAM;
	if (program === 'iTerm.app' || program === 'WezTerm' || program === 'ghostty') {
		return [9];
	}

	if (env.TERM?.startsWith('foot') || env.TERM?.startsWith('rxvt') || env.VTE_VERSION) {
		return [777];
	}

	return [777, 9];
}

/** The notification as terminal sequences; inside tmux wrapped for its passthrough (needs `set -g allow-passthrough on`, tmux 3.3+), which is the only way tmux forwards them. */
export function notificationSequence(notification: Notification, env: NodeJS.ProcessEnv): string {
	const title = notificationText(notification.title, maxTitleLength);
	const body = notificationText(notification.body, maxBodyLength);
	const sequences = notificationKinds(env).map(kind => (kind === 9 ? `${esc}]9;${title}: ${body}${bel}` : `${esc}]777;notify;${title};${body}${bel}`));
	if (env.TMUX) {
		return sequences.map(sequence => `${esc}Ptmux;${sequence.replaceAll(esc, esc + esc)}${esc}\\`).join('');
	}

	if (env.STY || env.TERM?.startsWith('screen')) {
		return sequences.map(sequence => `${esc}P${sequence}${esc}\\`).join('');
	}

	return sequences.join('');
}

/** A desktop session on Linux that notify-send can reach (a display, or the session bus). */
function hasDesktopSession(env: NodeJS.ProcessEnv): boolean {
	return process.platform === 'linux' && Boolean(env.DISPLAY || env.WAYLAND_DISPLAY || env.DBUS_SESSION_BUS_ADDRESS);
}

/**
Shows a desktop notification besides the bell: the terminal sequences on the terminal, and `notify-send` where there is a desktop session (a terminal in a desktop with no notification support of its own). Never throws, never waits.
*/
export function notify(notification: Notification, options: NotifyOptions): void {
	if (options.stream.isTTY) {
		try {
			options.stream.write(notificationSequence(notification, options.env));
		} catch {}
	}

	if (hasDesktopSession(options.env)) {
		// Arguments, not a shell line. Many notification servers read the body as markup (links, images): angle brackets become look-alikes, so a question cannot add any.
		const withoutMarkup = (text: string): string => text.replaceAll('<', '‹').replaceAll('>', '›');
		const child = spawn('notify-send', ['--app-name=handoff', withoutMarkup(notificationText(notification.title, maxTitleLength)), withoutMarkup(notificationText(notification.body, maxBodyLength))], {
			env: options.env,
			stdio: 'ignore',
			timeout: notifySendTimeoutMs,
		});
		child.on('error', () => undefined);
		child.unref();
	}
}

/**
Announces new questions at most once per interval: those arriving sooner are gathered into the next notification ("handoff: 7 questions"), so a consumer that asks a hundred questions in a row makes two notifications, not a hundred.
*/
export class QuestionAnnouncer {
	private gathered: string[] = [];
	private lastSent = Number.NEGATIVE_INFINITY;
	private timer: NodeJS.Timeout | undefined;

	constructor(private readonly send: (notification: Notification) => void, private readonly task: string, private readonly intervalMs = 5000) {}

	/** The texts of questions that just arrived. */
	add(texts: string[]): void {
		this.gathered.push(...texts);
		if (this.timer !== undefined || this.gathered.length === 0) {
			return;
		}

		const wait = this.lastSent + this.intervalMs - Date.now();
		if (wait <= 0) {
			this.flush();
			return;
		}

		this.timer = setTimeout(() => {
			this.timer = undefined;
			this.flush();
		}, wait);
		// A gathered notification never keeps the process alive.
		this.timer.unref();
	}

	/** Drops what is gathered: the screen is closing. */
	close(): void {
		clearTimeout(this.timer);
		this.timer = undefined;
		this.gathered = [];
	}

	private flush(): void {
		const [first, ...rest] = this.gathered;
		if (first === undefined) {
			return;
		}

		this.gathered = [];
		this.lastSent = Date.now();
		this.send({title: rest.length === 0 ? 'handoff: a question' : `handoff: ${rest.length + 1} questions`, body: `${this.task}: ${first}`});
	}
}
