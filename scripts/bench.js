// Latency benchmarks: how long from another process writing a file to handoff seeing it.
// Run with `npm run bench` (builds first). Prints one line per measurement: p50, p95, max in milliseconds.
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {createHandoff} from '../dist/core/create.js';
import {HandoffSession} from '../dist/core/session.js';

const rounds = Number(process.env.BENCH_ROUNDS ?? 40);

function stats(name, samples) {
	const sorted = [...samples].sort((a, b) => a - b);
	const at = q => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
	console.log(`${name.padEnd(44)} n=${sorted.length}  p50 ${at(0.5).toFixed(1)} ms  p95 ${at(0.95).toFixed(1)} ms  max ${sorted.at(-1).toFixed(1)} ms`);
}

/** A writer process that appends a line or writes a file whenever the bench asks on its stdin, and reports the write time. */
function startWriter(workspace) {
	const child = spawn(process.execPath, ['-e', `
		const fs = require('node:fs');
		const path = require('node:path');
		const ws = ${JSON.stringify(workspace)};
		let n = 0;
		process.stdin.setEncoding('utf8');
		process.stdin.on('data', chunk => {
			for (const command of chunk.split('\\n').filter(Boolean)) {
				n++;
				if (command === 'progress') {
					fs.appendFileSync(path.join(ws, 'shared/progress.txt'), '[2026-01-01 00:00:00] line ' + n + '\\n');
				} else {
					const questions = {questions: Array.from({length: n}, (_, i) => ({id: 'b' + i, text: 'Question ' + i}))};
					fs.writeFileSync(path.join(ws, 'shared/.q.tmp'), JSON.stringify(questions));
					fs.renameSync(path.join(ws, 'shared/.q.tmp'), path.join(ws, 'shared/questions.json'));
				}
				process.stdout.write(String(performance.timeOrigin + performance.now()) + '\\n');
			}
		});
	`], {stdio: ['pipe', 'pipe', 'inherit']});
	child.stdout.setEncoding('utf8');
	const pending = [];
	child.stdout.on('data', chunk => {
		for (const line of chunk.split('\n').filter(Boolean)) {
			pending.shift()?.(Number(line));
		}
	});
	return {
		write(command) {
			return new Promise(resolve => {
				pending.push(resolve);
				child.stdin.write(`${command}\n`);
			});
		},
		stop() {
			child.kill();
		},
	};
}

const now = () => performance.timeOrigin + performance.now();

async function benchSession(usePolling) {
	const base = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-bench-'));
	const {workspace} = await createHandoff({baseDirectory: base, task: 'bench', inputs: [], command: ['handoff']});
	const session = await HandoffSession.open(workspace, {usePolling});
	await session.start();
	const writer = startWriter(workspace);
	const progress = [];
	const questions = [];
	try {
		for (let i = 0; i < rounds; i++) {
			const seen = new Promise(resolve => {
				const off = session.onProgress(() => {
					off();
					resolve(now());
				});
			});
			const written = await writer.write('progress');
			progress.push((await seen) - written);
		}

		for (let i = 0; i < rounds; i++) {
			const target = i + 1 + rounds;
			const seen = new Promise(resolve => {
				const off = session.subscribe(() => {
					if ((session.getState().snapshot?.questions.length ?? 0) >= target - rounds) {
						off();
						resolve(now());
					}
				});
			});
			const written = await writer.write('question');
			questions.push((await seen) - written);
		}
	} finally {
		writer.stop();
		await session.close();
		fs.rmSync(base, {recursive: true, force: true});
	}

	const mode = usePolling ? 'polling fallback' : 'file events';
	stats(`progress line appended → session (${mode})`, progress);
	stats(`questions.json replaced → snapshot (${mode})`, questions);
}

/** Through the whole view: from another process appending a line until Ink writes a frame that shows it. */
async function benchScreen() {
	const {render} = await import('ink');
	const React = (await import('react')).default;
	const {App} = await import('../dist/app.js');
	const {PassThrough} = await import('node:stream');
	const base = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-bench-'));
	const {workspace} = await createHandoff({baseDirectory: base, task: 'bench', inputs: [], command: ['handoff']});
	const session = await HandoffSession.open(workspace, {});
	await session.start();
	const stdout = Object.assign(new PassThrough(), {columns: 120, rows: 40, isTTY: true});
	let screen = '';
	const waiters = [];
	stdout.on('data', chunk => {
		screen = chunk.toString();
		for (const waiter of waiters.splice(0)) {
			waiter();
		}
	});
	const stdin = Object.assign(new PassThrough(), {isTTY: true, setRawMode() {}, ref() {}, unref() {}});
	const instance = render(React.createElement(App, {source: session, onIntent() {}}), {stdout, stdin, patchConsole: false, exitOnCtrlC: false, maxFps: 60});
	const writer = startWriter(workspace);
	const samples = [];
	try {
		for (let i = 0; i < rounds; i++) {
			const marker = `line ${i + 1}`;
			const seen = new Promise(resolve => {
				const check = () => {
					if (new RegExp(`${marker}\\b`).test(screen)) {
						resolve(now());
					} else {
						waiters.push(check);
					}
				};

				waiters.push(check);
			});
			const written = await writer.write('progress');
			samples.push((await seen) - written);
		}
	} finally {
		writer.stop();
		instance.unmount();
		await session.close();
		fs.rmSync(base, {recursive: true, force: true});
	}

	stats('progress line appended → frame on screen', samples);
}

/** A 5 MB partial result: from writing it to the screen showing it (parsed, validated and cut in the worker), then each key until its frame; and the heap it costs. */
async function benchBigPartial() {
	const {render} = await import('ink');
	const React = (await import('react')).default;
	const {App} = await import('../dist/app.js');
	const {PassThrough} = await import('node:stream');
	const base = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-bench-'));
	const schemaText = JSON.stringify({type: 'object', required: ['state_machines'], properties: {state_machines: {type: 'array', items: {type: 'object', properties: {entity: {type: 'string', pattern: '^Entity'}}}}}});
	const {workspace} = await createHandoff({baseDirectory: base, task: 'bench', inputs: [], schemaText, resultPath: 'output/analysis.json', command: ['handoff']});
	const session = await HandoffSession.open(workspace, {});
	await session.start();
	const stdout = Object.assign(new PassThrough(), {columns: 160, rows: 40, isTTY: true});
	let screen = '';
	const waiters = [];
	stdout.on('data', chunk => {
		screen = chunk.toString();
		for (const waiter of waiters.splice(0)) {
			waiter();
		}
	});
	const until = async test => new Promise(resolve => {
		const check = () => (test() ? resolve(now()) : waiters.push(check));
		check();
	});
	const stdin = Object.assign(new PassThrough(), {isTTY: true, setRawMode() {}, ref() {}, unref() {}, setEncoding() {}});
	const heapBefore = process.memoryUsage().heapUsed;
	const instance = render(React.createElement(App, {source: session, onIntent() {}}), {stdout, stdin, patchConsole: false, exitOnCtrlC: false, maxFps: 60});
	const keys = [];
	let shown;
	try {
		const machines = Array.from({length: 40_000}, (_, index) => ({entity: `Entity${index}`, states: ['open', 'in_progress', 'review', 'closed'], transitions: [{from: 'open', to: 'closed', by: 'admin'}]}));
		const written = now();
		fs.writeFileSync(path.join(workspace, 'output/analysis.partial.json'), JSON.stringify({state_machines: machines}));
		shown = (await until(() => screen.includes('"Entity0"'))) - written;
		stdin.write('\t');
		for (let i = 0; i < rounds; i++) {
			const before = screen;
			const pressed = now();
			stdin.write('\u001B[6~');
			keys.push((await until(() => screen !== before)) - pressed);
		}
	} finally {
		instance.unmount();
		await session.close();
		fs.rmSync(base, {recursive: true, force: true});
	}

	stats('5 MB partial written → first lines on screen', [shown]);
	stats('PgDn in a 5 MB partial → frame', keys);
	console.log(`${'5 MB partial: main-thread heap growth'.padEnd(44)} ${((process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024).toFixed(0)} MB`);
}

console.log(`node ${process.version}, ${os.cpus().length} cores, ${rounds} rounds each`);
await benchSession(false);
await benchScreen();
await benchSession(true);
await benchBigPartial();
