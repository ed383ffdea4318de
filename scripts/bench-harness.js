// The bench's tools: one helper for repeated measurements (median and spread), a tmux server of its own as the real
// terminal, and CPU, memory and bytes-to-the-terminal of a process read from /proc.
import {execFileSync, spawn} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const now = () => performance.timeOrigin + performance.now();

/** Median, quartiles and extremes of a list of numbers. */
export function summarize(samples) {
	const sorted = [...samples].sort((a, b) => a - b);
	const at = q => {
		const position = (sorted.length - 1) * q;
		const low = Math.floor(position);
		return sorted[low] + ((sorted[Math.ceil(position)] - sorted[low]) * (position - low));
	};

	return {n: sorted.length, median: at(0.5), p25: at(0.25), p75: at(0.75), min: sorted[0], max: sorted.at(-1)};
}

/** Runs `once` `rounds` times, one after the other (after `warmup` unrecorded runs), and summarizes what it returns. */
export async function measure(rounds, once, {warmup = 0} = {}) {
	const samples = [];
	for (let round = -warmup; round < rounds; round++) {
		const sample = await once(round);
		if (round >= 0) {
			samples.push(sample);
		}
	}

	return summarize(samples);
}

export async function sleep(ms) {
	return new Promise(resolve => {
		setTimeout(resolve, ms);
	});
}

/** Polls `check` (as fast as `intervalMs` allows) until it returns a truthy value, which it returns with the time it came. */
export async function until(check, {timeoutMs = 30_000, intervalMs = 0, what = 'a condition'} = {}) {
	const deadline = now() + timeoutMs;
	for (;;) {
		const value = check();
		if (value) {
			return {value, at: now()};
		}

		if (now() > deadline) {
			throw new Error(`bench: timed out waiting for ${what}`);
		}

		await sleep(intervalMs);
	}
}

/** `promise`, or an error naming `what` after `ms`: no figure may hang the bench. */
export async function within(promise, ms, what) {
	let timer;
	const timeout = new Promise((_, reject) => {
		timer = setTimeout(() => {
			reject(new Error(`bench: timed out waiting for ${what}`));
		}, ms);
	});
	try {
		return await Promise.race([promise, timeout]);
	} finally {
		clearTimeout(timer);
	}
}

/** A tmux server of the bench's own (its own socket), each program in a window of a fixed size. */
export class Tmux {
	socket = `handoff-bench-${process.pid}`;
	#started = false;

	tmux(...args) {
		return execFileSync('tmux', ['-L', this.socket, ...args], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']});
	}

	/** Runs `command` (an argument list) in a new window named `name`, with CI unset so Ink draws every frame; returns the time it was asked for. */
	open(name, command, {columns = 120, rows = 40, cwd} = {}) {
		const line = ['env', '-u', 'CI', '-u', 'HANDOFF_DIR', '-u', 'HANDOFF_WORKSPACE', 'TERM=xterm-256color', ...command].map(word => `'${word.replaceAll('\'', '\'\\\'\'')}'`).join(' ');
		if (!this.#started) {
			// A window that stays, so that the session outlives the windows the bench opens and closes.
			this.tmux('-f', '/dev/null', 'new-session', '-d', '-s', 'bench', '-n', 'keep', '-x', String(columns), '-y', String(rows), 'sleep 86400');
			this.#started = true;
		}

		const asked = now();
		this.tmux('new-window', '-d', '-t', 'bench:', '-n', name, ...(cwd ? ['-c', cwd] : []), line);
		return asked;
	}

	close(name) {
		this.tmux('kill-window', '-t', `bench:${name}`);
	}

	screen(name) {
		return this.tmux('capture-pane', '-p', '-t', `bench:${name}`);
	}

	pid(name) {
		return Number(this.tmux('display-message', '-p', '-t', `bench:${name}`, '#{pane_pid}').trim());
	}

	sendKeys(name, ...keys) {
		this.tmux('send-keys', '-t', `bench:${name}`, ...keys);
	}

	/** Everything the program writes to its terminal from now on, appended to `file`. */
	recordOutput(name, file) {
		this.tmux('pipe-pane', '-o', '-t', `bench:${name}`, `cat >> '${file}'`);
	}

	/**
	Waits until the window's screen passes `test` (a string it contains, or a function of the screen); returns when.
	`intervalMs` spaces the reads: each is a tmux process, and back to back they take one of the two cores a program that is starting up needs.
	*/
	async waitForScreen(name, test, timeoutMs = 30_000, {intervalMs = 0} = {}) {
		const passes = typeof test === 'string' ? screen => screen.includes(test) : test;
		try {
			return (await until(() => passes(this.screen(name)), {timeoutMs, intervalMs, what: `${String(test)} in window ${name}`})).at;
		} catch (error) {
			throw new Error(`${error.message}\n--- screen ---\n${this.screen(name)}`);
		}
	}

	/** Waits until each named window shows its text, polling them in turn; returns when each did. */
	async waitForScreens(texts, timeoutMs = 60_000) {
		const seen = {};
		await until(() => {
			for (const [name, text] of Object.entries(texts)) {
				if (seen[name] === undefined && this.screen(name).includes(text)) {
					seen[name] = now();
				}
			}

			return Object.keys(seen).length === Object.keys(texts).length;
		}, {timeoutMs, what: `${Object.values(texts).join(', ')} on screen`});
		return seen;
	}

	kill() {
		if (!this.#started) {
			return;
		}

		try {
			this.tmux('kill-server');
		} catch {}

		fs.rmSync(path.join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid()}`, this.socket), {force: true});
	}
}

const clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], {encoding: 'utf8'}).trim()) || 100;

/** CPU seconds a process (all its threads) has used so far. */
export function cpuSeconds(pid) {
	const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}

/** Resident memory in MB. */
export function rssMegabytes(pid) {
	const match = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
	return match ? Number(match[1]) / 1024 : Number.NaN;
}

/**
Watches processes at rest for `seconds`, in `windows` equal slices: per process the CPU (percent of one core) and the bytes
written to its terminal (per second, from its recorded output file) of each slice, and its resident memory at the end of each.
*/
export async function sampleAtRest(processes, seconds, windows) {
	const slices = Object.fromEntries(Object.keys(processes).map(name => [name, {cpu: [], bytes: [], rss: []}]));
	for (let index = 0; index < windows; index++) {
		const before = Object.fromEntries(Object.entries(processes).map(([name, {pid, output}]) => [name, {cpu: cpuSeconds(pid), bytes: output ? fs.statSync(output).size : 0, at: now()}]));
		await sleep((seconds * 1000) / windows);
		for (const [name, {pid, output}] of Object.entries(processes)) {
			const elapsed = (now() - before[name].at) / 1000;
			slices[name].cpu.push(((cpuSeconds(pid) - before[name].cpu) / elapsed) * 100);
			slices[name].bytes.push(((output ? fs.statSync(output).size : 0) - before[name].bytes) / elapsed);
			slices[name].rss.push(rssMegabytes(pid));
		}
	}

	return Object.fromEntries(Object.entries(slices).map(([name, {cpu, bytes, rss}]) => [name, {cpu: summarize(cpu), bytes: summarize(bytes), rss: summarize(rss)}]));
}

/** Runs a command to its end; resolves with its wall time in ms, its exit code and its stdout. */
export async function timeCommand(command, args, options = {}) {
	return new Promise((resolve, reject) => {
		const started = now();
		const child = spawn(command, args, {stdio: ['ignore', 'pipe', 'pipe'], ...options});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', chunk => {
			stdout += chunk;
		});
		child.stderr.on('data', chunk => {
			stderr += chunk;
		});
		child.on('error', reject);
		child.on('close', code => {
			resolve({ms: now() - started, code, stdout, stderr});
		});
	});
}

export function machine() {
	const cpus = os.cpus();
	return {
		cpu: cpus[0]?.model.trim() ?? 'unknown',
		cores: cpus.length,
		memoryGB: Math.round(os.totalmem() / 1024 ** 3),
		os: `${os.type()} ${os.release()}`,
		node: process.version,
		python: execFileSync('python3', ['--version'], {encoding: 'utf8'}).trim(),
		tmux: execFileSync('tmux', ['-V'], {encoding: 'utf8'}).trim(),
		loadAverage: os.loadavg().map(load => Number(load.toFixed(2))),
	};
}
