import {execFileSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {afterEach, expect, test} from 'vitest';
import {cliPath, newWorkspace, runCli, waitUntil} from '../helpers/cli.js';
import {Tmux} from '../helpers/tmux.js';

/*
A hostile consumer, at random: every file the consumer can write gets random bytes, truncations, renames, symlinks and hard links to a folder outside, FIFOs, valid JSON whose text carries escape sequences, and shared/ or output/ swapped for a link. Meanwhile the real full-screen app watches in a real terminal whose raw output is recorded. Afterwards the app must be alive and show the last good state, nothing outside the workspace and the results may have changed, and the terminal must have received no escape sequence the app did not make itself.
*/

const iterations = Number(process.env.HANDOFF_FUZZ_ITERATIONS ?? 400);
const seed = Number(process.env.HANDOFF_FUZZ_SEED ?? Date.now() % 1_000_000);

/** mulberry32: small, seedable, good enough to pick fuzz moves reproducibly. */
function random(seedValue: number): () => number {
	let state = seedValue >>> 0;
	return () => {
		state = (state + 0x6D_2B_79_F5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
	};
}

/** Escape sequences a hostile consumer would plant; each is followed by a marker so a leak shows as the pair. */
const hostile = [
	'\u001B]0;PWNED-TITLE\u0007',
	'\u001B]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\u0007',
	'\u001B[2J\u001B[H',
	'\u001B[31;1m',
	'\u001BP+q544e\u001B\\',
	'\u009B2J',
	'\u009D0;C1-TITLE\u009C',
	'\u001B_apc\u001B\\',
	'\u0008\u0008\u0008',
	'\u202Eevil\u202C',
];
const marker = 'ZQX';

const cleanups: Array<() => void> = [];
afterEach(() => {
	for (const cleanup of cleanups.splice(0)) {
		cleanup();
	}
});

function digestTree(root: string): Record<string, string> {
	const result: Record<string, string> = {};
	const walk = (directory: string): void => {
		for (const entry of fs.readdirSync(directory, {withFileTypes: true})) {
			const file = path.join(directory, entry.name);
			const stat = fs.lstatSync(file);
			if (entry.isDirectory()) {
				walk(file);
			} else {
				const content = entry.isFile() ? createHash('sha256').update(fs.readFileSync(file)).digest('hex') : fs.readlinkSync(file);
				result[path.relative(root, file)] = `${content}:${stat.mode}:${stat.mtimeMs}`;
			}
		}
	};

	walk(root);
	return result;
}

/** Our desktop notifications (OSC 777 and OSC 9, in tmux's passthrough), whose text may be the consumer's: it must be plain. */
const notificationSequences = /\u001BPtmux;\u001B\u001B\](?:777;notify;|9;)([^\u0007\u001B]*)\u0007\u001B\\/g;

/** Every escape sequence in the recorded output that the app did not make. The app makes CSI (cursor, erase, SGR, private modes), BEL and its notifications, nothing else. */
function foreignSequences(recorded: string): string[] {
	const found: string[] = [];
	for (const match of recorded.matchAll(notificationSequences)) {
		if (/[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/.test(match[1]!)) {
			found.push(JSON.stringify(match[0]));
		}
	}

	// Taken out whole: a notification whose text held an ESC or BEL would not match, and is found below.
	const raw = recorded.replaceAll(notificationSequences, '');
	for (const sequence of hostile) {
		if (raw.includes(sequence + marker) || raw.includes(sequence.replace(/\u0007$/, '') + marker)) {
			found.push(JSON.stringify(sequence));
		}
	}

	// OSC, DCS, SOS, PM and APC are never ours (--no-clipboard: no OSC 52 of our own either).
	for (const match of raw.matchAll(/\u001B[\]PX^_][^\u0007\u001B]{0,40}/g)) {
		found.push(JSON.stringify(match[0]));
	}

	// 8-bit controls, as code points once the stream is decoded as UTF-8.
	for (const match of raw.matchAll(/[\u0080-\u009F].{0,20}/gs)) {
		found.push(JSON.stringify(match[0]));
	}

	for (const match of raw.matchAll(/[\u202A-\u202E\u2066-\u2069]/g)) {
		found.push(JSON.stringify(match[0]));
	}

	return found;
}

test.skipIf(!hasTmux())(`fuzz: ${iterations} hostile moves on every consumer file leave the app alive, the outside untouched and the terminal clean (seed ${seed})`, async () => {
	const {project, workspace} = await newWorkspace(['--timeout', '3600']);
	cleanups.push(() => {
		fs.rmSync(project, {recursive: true, force: true});
	});
	const outside = path.join(project, 'outside');
	fs.mkdirSync(path.join(outside, 'deep'), {recursive: true});
	for (const name of ['a.txt', 'b.json', 'deep/c.txt']) {
		fs.writeFileSync(path.join(outside, name), `precious ${name}\n`);
	}

	const outsideBefore = digestTree(outside);
	const projectEntries = fs.readdirSync(project).sort();
	expect((await runCli(['claim', '--workspace', workspace, '--tool', 'fuzz'])).code).toBe(0);

	const raw = path.join(project, '..', `${path.basename(project)}-raw.log`);
	cleanups.push(() => {
		fs.rmSync(raw, {force: true});
	});
	const tmux = new Tmux();
	cleanups.push(() => {
		tmux.kill();
	});
	tmux.start(`sh -c '"${process.execPath}" "${cliPath}" watch "${workspace}" --no-clipboard; echo exited-$?; sleep 30'`, {cwd: project, columns: 100, rows: 30});
	execFileSync('tmux', ['-L', tmux.socket, 'pipe-pane', '-t', 'main', '-o', `cat >> '${raw}'`]);
	const titleBefore = execFileSync('tmux', ['-L', tmux.socket, 'display-message', '-p', '-t', 'main', '#{pane_title}'], {encoding: 'utf8'});
	await tmux.waitForScreen('Progress');

	const next = random(seed);
	const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)]!;
	const text = (): string => {
		let value = '';
		for (let index = 0, length = 1 + Math.floor(next() * 4); index < length; index++) {
			value += `${pick(['word ', 'ünïcødé ', '漢字 ', '🙂 ', ''])}${pick(hostile)}${marker} `;
		}

		return value;
	};

	const files = [
		'shared/progress.txt',
		'shared/questions.json',
		'shared/answers.json',
		'shared/status.txt',
		'shared/rejections.json',
		'output/metadata.json',
		'output/analysis.partial.json',
		'output/analysis.json',
		'.lock',
		'input/schema.json',
		'input/manifest.json',
	];
	const validContent: Record<string, () => string> = {
		'shared/progress.txt': () => `[2026-01-01 00:00:00] ${text()}\n`,
		'shared/questions.json': () => JSON.stringify({questions: [{id: text(), text: text(), options: [text(), text()]}]}),
		'shared/answers.json': () => JSON.stringify({answers: [{id: text(), answer: text()}]}),
		'shared/status.txt': () => `RUNNING ${text()}\n`,
		'shared/rejections.json': () => JSON.stringify({rejections: []}),
		'output/metadata.json': () => JSON.stringify({status: 'running', errors: [{type: 'x', message: text(), details: text()}]}),
		'output/analysis.partial.json': () => JSON.stringify({[text()]: text(), state_machines: [{entity: text()}]}),
		'output/analysis.json': () => JSON.stringify({state_machines: [{entity: text()}]}),
		'.lock': () => JSON.stringify({claimed_at: '2026-01-01T00:00:00Z', host: text(), tool: text()}),
		'input/schema.json': () => '{}',
		'input/manifest.json': () => JSON.stringify({task: text(), outputs: {result: 'output/analysis.json'}, constraints: {timeout_seconds: 1}}),
	};
	const victims = ['a.txt', 'b.json', 'deep/c.txt', 'deep', '.'];

	const remove = (file: string): void => {
		fs.rmSync(file, {recursive: true, force: true});
	};

	const swapFolder = (folder: string): void => {
		const real = path.join(workspace, folder);
		const aside = `${real}-aside`;
		if (!fs.existsSync(real) || fs.lstatSync(real).isSymbolicLink()) {
			return;
		}

		fs.renameSync(real, aside);
		fs.symlinkSync(outside, real);
		// Back again a few moves later.
		restoreFolders.push(() => {
			fs.rmSync(real, {force: true});
			fs.renameSync(aside, real);
		});
	};

	const restoreFolders: Array<() => void> = [];
	for (let move = 0; move < iterations; move++) {
		const relative = pick(files);
		const file = path.join(workspace, relative);
		// The fuzzer must not write outside itself: no move goes through a folder it swapped for a link, nor into a file that is a link or shares its inode with an outside file.
		if (isLink(path.dirname(file))) {
			continue;
		}

		try {
			switch (pick(['valid', 'valid', 'valid', 'bytes', 'truncate', 'rename', 'symlink', 'hardlink', 'fifo', 'folder', 'restore'] as const)) {
				case 'valid': {
					if (relative === 'shared/progress.txt') {
						if (!isPlainFile(file)) {
							remove(file);
						}

						fs.appendFileSync(file, validContent[relative]!());
					} else {
						fs.writeFileSync(`${file}.fuzz`, validContent[relative]!());
						remove(file);
						fs.renameSync(`${file}.fuzz`, file);
					}

					break;
				}

				case 'bytes': {
					const bytes = Buffer.alloc(Math.floor(next() * 4096));
					for (let index = 0; index < bytes.length; index++) {
						bytes[index] = Math.floor(next() * 256);
					}

					remove(file);
					fs.writeFileSync(file, Buffer.concat([Buffer.from(text()), bytes]));
					break;
				}

				case 'truncate': {
					if (isPlainFile(file)) {
						fs.truncateSync(file, Math.floor(next() * fs.lstatSync(file).size));
					}

					break;
				}

				case 'rename': {
					if (fs.existsSync(file)) {
						fs.renameSync(file, `${file}.${move}.old`);
					}

					break;
				}

				case 'symlink': {
					remove(file);
					fs.symlinkSync(path.join(outside, pick(victims)), file);
					break;
				}

				case 'hardlink': {
					remove(file);
					fs.linkSync(path.join(outside, pick(['a.txt', 'b.json', 'deep/c.txt'])), file);
					break;
				}

				case 'fifo': {
					remove(file);
					execFileSync('mkfifo', [file]);
					break;
				}

				case 'folder': {
					swapFolder(pick(['shared', 'output']));
					break;
				}

				case 'restore': {
					for (const restore of restoreFolders.splice(0)) {
						restore();
					}

					break;
				}
			}
		} catch (error) {
			// A move that the previous moves made impossible (a folder swapped away) is skipped, not a failure of the app.
			if (!['ENOENT', 'EEXIST', 'ENOTDIR', 'EISDIR'].includes((error as NodeJS.ErrnoException).code ?? '')) {
				throw error;
			}
		}

		if (move % 10 === 0) {
			// Pacing, so the app reads and draws many intermediate states, not only the last: the next moves wait for a new frame (or a moment, when nothing on screen changed).
			await recordingGrows(raw, 300);
		}
	}

	for (const restore of restoreFolders.splice(0)) {
		restore();
	}

	// The last good state: a readable question and progress line.
	for (const relative of ['shared/progress.txt', 'shared/questions.json', 'shared/answers.json', '.lock']) {
		remove(path.join(workspace, relative));
	}

	fs.writeFileSync(path.join(workspace, 'shared/questions.json'), JSON.stringify({questions: [{id: 'final', text: 'FINAL QUESTION STANDS', options: ['Yes', 'No']}]}));
	fs.appendFileSync(path.join(workspace, 'shared/progress.txt'), '[2026-01-01 00:00:00] FINAL PROGRESS LINE\n');
	const screen = await tmux.waitForScreen(/FINAL QUESTION STANDS[\s\S]*|FINAL PROGRESS LINE/, 20_000);
	await tmux.waitForScreen('FINAL PROGRESS LINE', 20_000);
	expect(screen).not.toContain('exited-');

	// Alive and answering keys: the help opens and closes.
	tmux.sendKeys('?');
	await tmux.waitForScreen(/every key \(this view\)/);
	tmux.sendKeys('Escape');
	await waitUntil(() => !tmux.screen().includes('every key (this view)'), 10_000, 'the help to close');

	// Nothing outside the workspace changed, and nothing new appeared beside it.
	expect(digestTree(outside)).toEqual(outsideBefore);
	expect(fs.readdirSync(project).sort()).toEqual(projectEntries);
	const titleAfter = execFileSync('tmux', ['-L', tmux.socket, 'display-message', '-p', '-t', 'main', '#{pane_title}'], {encoding: 'utf8'});
	expect(titleAfter).toBe(titleBefore);

	const recorded = fs.readFileSync(raw, 'utf8');
	expect(recorded.length).toBeGreaterThan(0);
	expect(foreignSequences(recorded)).toEqual([]);
}, 180_000);

async function recordingGrows(file: string, atMostMs: number): Promise<void> {
	const size = (): number => (fs.existsSync(file) ? fs.statSync(file).size : 0);
	const before = size();
	await waitUntil(() => size() > before, atMostMs, 'a new frame').catch(() => undefined);
}

function isLink(file: string): boolean {
	try {
		return fs.lstatSync(file).isSymbolicLink();
	} catch {
		return false;
	}
}

/** A regular file with one name: safe for the fuzzer itself to append to or truncate. */
function isPlainFile(file: string): boolean {
	try {
		const stat = fs.lstatSync(file);
		return stat.isFile() && stat.nlink === 1;
	} catch {
		return false;
	}
}

function hasTmux(): boolean {
	try {
		execFileSync('tmux', ['-V'], {stdio: 'ignore'});
		return true;
	} catch {
		return false;
	}
}
