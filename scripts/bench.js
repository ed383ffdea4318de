// `npm run bench`: what the hand-off screen and commands cost, each figure next to a reference measured in the same run
// (the seed's Python polling loops in bench/, tail -F, a bare node, tmux itself), as medians with spread.
// Writes bench/results.json and bench/README.md, and the headline ratios into readme.md.
// BENCH_QUICK=1 (or --quick) runs everything in a few minutes: shorter rests, fewer rounds. Needs tmux and python3.
import {execFileSync, spawn} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {Tmux, machine, measure, now, sampleAtRest, sleep, summarize, timeCommand, until, within} from './bench-harness.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = path.join(root, 'dist/cli.js');
const benchDirectory = path.join(root, 'bench');
const quick = process.env.BENCH_QUICK === '1' || process.argv.includes('--quick');
const plan = quick
	? {restSeconds: 10, restSlices: 5, loadedRestSeconds: 6, rounds: 8, startRounds: 12, slowRounds: 3, keyRounds: 8}
	: {restSeconds: 60, restSlices: 6, loadedRestSeconds: 20, rounds: 30, startRounds: 30, slowRounds: 8, keyRounds: 20};
const python = 'python3';
const base = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-bench-'));
const tmux = new Tmux();
/** One row per figure: what handoff gives, what the reference gives in the same run, and the target of issue 12. */
const rows = [];

function row(figure, unit, handoff, reference, target) {
	rows.push({figure, unit, handoff, reference, target});
	console.log(`${figure.padEnd(52)} ${format(handoff, unit).padEnd(26)} ${reference ? `${reference.name}: ${format(reference.value, unit)}` : ''}`);
}

function format(value, unit) {
	if (value === undefined || value === null) {
		return 'n/a';
	}

	if (typeof value === 'string') {
		return value;
	}

	const digits = value.median >= 100 ? 0 : (value.median >= 10 ? 1 : 2);
	const number = x => x.toFixed(digits);
	return value.n > 1 ? `${number(value.median)} ${unit} (${number(value.p25)}–${number(value.p75)})` : `${number(value.median)} ${unit}`;
}

function handoff(...args) {
	return execFileSync(process.execPath, [cli, ...args], {encoding: 'utf8', env: {...process.env, HANDOFF_DIR: '', HANDOFF_WORKSPACE: ''}}).trim();
}

const schemaFile = path.join(base, 'schema.json');
fs.writeFileSync(schemaFile, JSON.stringify({type: 'object', required: ['items'], properties: {items: {type: 'array', items: {type: 'object', required: ['id', 'text'], properties: {id: {type: 'integer'}, text: {type: 'string'}}}}}}));

/** A new workspace under the bench's folder, claimed unless told otherwise. */
function newWorkspace(task, {claim = true, dir = base} = {}) {
	const workspace = handoff('new', '--dir', dir, '--task', task, '--schema', schemaFile);
	if (claim) {
		handoff('claim', '--workspace', workspace, '--tool', 'bench');
	}

	return workspace;
}

const stamp = () => new Date().toISOString().replace('T', ' ').slice(0, 19);
const marker = label => `${label}-${Math.random().toString(36).slice(2, 8)}`;
const watchCommand = workspace => [process.execPath, cli, 'watch', '--no-clipboard', workspace];
/** Text the watch screen shows once its first frame is drawn: the task name in its header. */
const firstFrameText = task => task;

function writeAtomic(file, text) {
	fs.writeFileSync(`${file}.bench-tmp`, text);
	fs.renameSync(`${file}.bench-tmp`, file);
}

/** `{id, text}` items whose JSON array comes to about `bytes`. */
function jsonItems(bytes, text) {
	const items = [];
	for (let id = 0, size = 2; size < bytes; id++) {
		items.push({id, text: text(id)});
		size += JSON.stringify(items.at(-1)).length + 1;
	}

	return items;
}

const ratio = (value, reference) => (reference && reference.median > 0 ? value.median / reference.median : undefined);

async function consumerStartUp() {
	const workspace = newWorkspace('bench-consumer');
	handoff('ask', 'Ready?', '--option', 'Yes', '--workspace', workspace);
	handoff('answer', workspace, 'q1', '1');
	const bare = [];
	const progress = [];
	const awaiting = [];
	// Interleaved, so that the machine's load falls on all three alike.
	await measure(plan.startRounds, async () => {
		bare.push((await timeCommand(process.execPath, ['-e', '0'])).ms);
		progress.push((await timeCommand(process.execPath, [cli, 'progress', 'Reading the spec', '--workspace', workspace])).ms);
		awaiting.push((await timeCommand(process.execPath, [cli, 'await', 'q1', '--workspace', workspace])).ms);
	}, {warmup: 2});
	const node = summarize(bare);
	row('consumer command start-up: progress', 'ms', summarize(progress), {name: 'node -e 0', value: node}, 'at most 1.5x node -e 0');
	row('consumer command start-up: await (answered)', 'ms', summarize(awaiting), {name: 'node -e 0', value: node}, undefined);
}

/** Start-up is read every 5 ms, not back to back: the reads would slow the start they measure by about 100 ms on two cores. */
const startPollMs = 5;

async function firstFrame() {
	const workspace = newWorkspace('bench-first-frame');
	const reference = await measure(plan.slowRounds, async round => {
		const text = marker('tmux');
		const asked = tmux.open(`ref-start-${round}`, ['sh', '-c', `echo ${text}; exec sleep 600`]);
		const shown = await tmux.waitForScreen(`ref-start-${round}`, text, undefined, {intervalMs: startPollMs});
		tmux.close(`ref-start-${round}`);
		return shown - asked;
	});
	const watch = await measure(plan.slowRounds, async round => {
		const asked = tmux.open(`start-${round}`, watchCommand(workspace));
		const shown = await tmux.waitForScreen(`start-${round}`, firstFrameText('bench-first-frame'), undefined, {intervalMs: startPollMs});
		tmux.close(`start-${round}`);
		return shown - asked;
	});
	row('start-up to first frame: watch', 'ms', watch, {name: 'tmux + sh echo', value: reference}, 'under 400 ms');
}

/** The quiet workspace: watch, the seed's two loops and tail -F side by side, at rest, then progress lines and questions through each. */
async function quietWorkspace() {
	const workspace = newWorkspace('bench-quiet');
	const answersWorkspace = newWorkspace('bench-seed-answers');
	const progressFile = path.join(workspace, 'shared/progress.txt');
	fs.writeFileSync(progressFile, `[${stamp()}] Claimed\n`, {flag: 'a'});
	const windows = {
		watch: watchCommand(workspace),
		seedProgress: [python, path.join(benchDirectory, 'seed_progress_loop.py'), workspace],
		seedStatus: [python, path.join(benchDirectory, 'seed_status_loop.py'), workspace, path.join(base, 'seed-results')],
		tail: ['tail', '-F', progressFile],
		seedQuestions: [python, path.join(benchDirectory, 'seed_questions_loop.py'), workspace],
		seedAnswer: [python, path.join(benchDirectory, 'seed_answer.py'), answersWorkspace, 's1'],
	};
	const outputs = {};
	for (const [name, command] of Object.entries(windows)) {
		tmux.open(name, command);
		outputs[name] = path.join(base, `output-${name}.bin`);
		fs.writeFileSync(outputs[name], '');
	}

	await tmux.waitForScreen('watch', firstFrameText('bench-quiet'));
	await tmux.waitForScreen('seedAnswer', 'Answer:');
	for (const name of Object.keys(windows)) {
		tmux.recordOutput(name, outputs[name]);
	}

	// Let start-up work (file events, a first validation) settle before the rest is measured.
	await sleep(2000);
	const rest = await sampleAtRest({
		watch: {pid: tmux.pid('watch'), output: outputs.watch},
		seedProgress: {pid: tmux.pid('seedProgress'), output: outputs.seedProgress},
		seedStatus: {pid: tmux.pid('seedStatus'), output: outputs.seedStatus},
		tail: {pid: tmux.pid('tail'), output: outputs.tail},
	}, plan.restSeconds, plan.restSlices);
	const others = `seed 1 s status loop ${format(rest.seedStatus.cpu, '%')}, tail -F ${format(rest.tail.cpu, '%')}`;
	row(`CPU at rest, claimed quiet workspace (${plan.restSeconds} s)`, '%', rest.watch.cpu, {name: 'seed 100 ms progress loop', value: rest.seedProgress.cpu, others}, 'at or below the seed loop, under 0.5%');
	row('bytes to the terminal at rest', 'B/s', rest.watch.bytes, {name: 'tail -F', value: rest.tail.bytes}, 'under 300 B/s');
	row('resident memory at rest', 'MB', rest.watch.rss, {name: 'seed 100 ms progress loop', value: rest.seedProgress.rss, others: `tail -F ${format(rest.tail.rss, 'MB')}`}, 'under 100 MB');

	// Progress: the same line through each, one window at a time, after a quiet spell.
	const latencies = {watch: [], tail: [], seedProgress: []};
	await measure(plan.rounds, async round => {
		for (const name of Object.keys(latencies)) {
			const text = marker(`p${round}`);
			await sleep(150);
			const written = now();
			fs.appendFileSync(progressFile, `[${stamp()}] ${text}\n`);
			latencies[name].push((await tmux.waitForScreen(name, text)) - written);
		}
	});
	const tail = summarize(latencies.tail);
	row('progress line written → on screen (tmux)', 'ms', summarize(latencies.watch), {name: 'tail -F', value: tail, others: `seed 100 ms loop ${format(summarize(latencies.seedProgress), 'ms')}`}, 'median at most 2x tail -F');

	// Questions: a new question through the screen and through a seed-style loop; its answer by key, and the seed's input() answer.
	const questionsFile = path.join(workspace, 'shared/questions.json');
	const answersFile = path.join(workspace, 'shared/answers.json');
	const seedAnswersFile = path.join(answersWorkspace, 'shared/answers.json');
	const questions = [];
	const shown = [];
	const shownBySeed = [];
	const answered = [];
	const seedAnswered = [];
	await measure(plan.rounds, async round => {
		const text = marker(`Question${round}`);
		questions.push({id: `b${round}`, text, options: ['Yes', 'No']});
		await sleep(150);
		const written = now();
		writeAtomic(questionsFile, JSON.stringify({questions}, null, 2));
		shown.push((await tmux.waitForScreen('watch', text)) - written);
		shownBySeed.push((await tmux.waitForScreen('seedQuestions', text)) - written);
		// The option first, then Enter alone (in one read Ink would take "1\r" as one input): the Enter is what is timed.
		tmux.sendKeys('watch', '1');
		await tmux.waitForScreen('watch', 'Enter sends "Yes"');
		await sleep(150);
		const pressed = now();
		tmux.sendKeys('watch', 'Enter');
		const saved = await until(() => fs.existsSync(answersFile) && fs.readFileSync(answersFile, 'utf8').includes(`"b${round}"`), {what: `answer b${round}`});
		answered.push(saved.at - pressed);
		const seedPressed = now();
		tmux.sendKeys('seedAnswer', text, 'Enter');
		const seedSaved = await until(() => fs.existsSync(seedAnswersFile) && fs.readFileSync(seedAnswersFile, 'utf8').includes(text), {what: 'the seed answer'});
		seedAnswered.push(seedSaved.at - seedPressed);
	});
	row('question written → on screen (tmux)', 'ms', summarize(shown), {name: 'seed-style 100 ms questions loop', value: summarize(shownBySeed)}, undefined);
	row('Enter on an option → answers.json', 'ms', summarize(answered), {name: 'seed input() loop', value: summarize(seedAnswered)}, undefined);
	for (const name of Object.keys(windows)) {
		tmux.close(name);
	}
}

/** `.done` to validated and archived, with a 1 MB result: `handoff wait` against the seed's 1 s status loop and copy. */
async function doneToArchived() {
	const result = JSON.stringify({items: jsonItems(1024 * 1024, id => `Item ${id}: ${'x'.repeat(80)}`)});
	const prepare = task => {
		const workspace = newWorkspace(task);
		fs.writeFileSync(path.join(workspace, 'output/result.json'), result);
		return workspace;
	};

	const archive = await measure(plan.slowRounds, async round => {
		const workspace = prepare(`bench-done-${round}`);
		const results = path.join(base, `results-${round}`);
		const child = spawn(process.execPath, [cli, 'wait', workspace, '--results', results], {stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, HANDOFF_DIR: '', HANDOFF_WORKSPACE: ''}});
		const exited = new Promise(resolve => {
			child.on('close', code => {
				resolve({code, at: now()});
			});
		});
		// Ready once it has said which state it found (on stderr).
		await within(new Promise(resolve => {
			child.stderr.once('data', resolve);
		}), 30_000, 'handoff wait to start');
		// As in a real hand-off, .done comes after the validation worker has ended for being idle (2 s): the figure includes starting it.
		await sleep(2500);
		const signalled = now();
		fs.writeFileSync(path.join(workspace, '.done'), '');
		const {code, at} = await within(exited, 60_000, 'handoff wait to archive');
		if (code !== 0) {
			throw new Error(`bench: handoff wait exited ${code}`);
		}

		return at - signalled;
	});
	const seed = await measure(plan.slowRounds, async round => {
		const workspace = prepare(`bench-seed-done-${round}`);
		const child = spawn(python, [path.join(benchDirectory, 'seed_status_loop.py'), workspace, path.join(base, `seed-results-${round}`)], {stdio: ['ignore', 'pipe', 'inherit']});
		const finished = new Promise(resolve => {
			child.stdout.once('data', () => {
				resolve(now());
			});
		});
		await sleep(300 + (Math.random() * 1000));
		const signalled = now();
		fs.writeFileSync(path.join(workspace, '.done'), '');
		return (await within(finished, 30_000, 'the seed loop to archive')) - signalled;
	});
	row('.done → validated and archived (1 MB result)', 'ms', archive, {name: 'seed 1 s status loop + copy (no validation)', value: seed}, undefined);
}

/** A burst of 100,000 progress lines: until the last is on screen, then PgUp and PgDn in the progress pane. */
async function burst() {
	const workspace = newWorkspace('bench-burst');
	const progressFile = path.join(workspace, 'shared/progress.txt');
	fs.writeFileSync(progressFile, `[${stamp()}] Claimed\n`);
	tmux.open('burst', watchCommand(workspace));
	tmux.open('burstTail', ['tail', '-F', progressFile]);
	await tmux.waitForScreen('burst', firstFrameText('bench-burst'));
	await sleep(1000);
	const last = marker('last');
	const lines = Array.from({length: 99_999}, (_, index) => `[${stamp()}] Burst line ${index}\n`).join('') + `[${stamp()}] ${last}\n`;
	const written = now();
	fs.appendFileSync(progressFile, lines);
	const seen = await tmux.waitForScreens({burst: last, burstTail: last});
	row('100,000-line burst → last line on screen', 'ms', summarize([seen.burst - written]), {name: 'tail -F', value: summarize([seen.burstTail - written])}, 'under 1 s');
	await sleep(1000);
	const keys = await measure(plan.keyRounds, async round => {
		const before = tmux.screen('burst');
		const pressed = now();
		tmux.sendKeys('burst', round % 2 === 0 ? 'PageUp' : 'Up');
		const changed = await until(() => tmux.screen('burst') !== before, {timeoutMs: 10_000, what: 'the screen to scroll'}).catch(() => ({at: Number.NaN}));
		await sleep(100);
		return changed.at - pressed;
	});
	row('key → frame after the burst (PgUp, ↑)', 'ms', keys, undefined, 'under 100 ms');
	tmux.close('burst');
	tmux.close('burstTail');
}

/** A 1 GB progress log (sparse, its last 4 MB real lines): watch opened on it until its last line shows, against tail -F. */
async function hugeLog() {
	const workspace = newWorkspace('bench-huge-log');
	const progressFile = path.join(workspace, 'shared/progress.txt');
	const last = marker('last');
	// 1 GB: a sparse top (nothing to write, nothing on disk), then 4 MB of real lines, more than the screen reads, so that what it reads is all lines.
	const lines = Array.from({length: 40_000}, (_, index) => `[${stamp()}] Step ${index}: read src/module-${index % 97}.ts and updated its tests (${index % 13} cases)\n`).join('');
	fs.writeFileSync(progressFile, '');
	fs.truncateSync(progressFile, (1024 ** 3) - Buffer.byteLength(lines) - 64);
	fs.appendFileSync(progressFile, lines + `[${stamp()}] ${last}\n`);
	const byTail = await measure(plan.slowRounds, async round => {
		const asked = tmux.open(`logTail-${round}`, ['tail', '-F', progressFile]);
		const shown = await tmux.waitForScreen(`logTail-${round}`, last, undefined, {intervalMs: startPollMs});
		tmux.close(`logTail-${round}`);
		return shown - asked;
	});
	let rss;
	let shown;
	try {
		shown = await measure(plan.slowRounds, async round => {
			const asked = tmux.open(`log-${round}`, watchCommand(workspace));
			try {
				const at = await tmux.waitForScreen(`log-${round}`, last, quick ? 20_000 : 60_000, {intervalMs: startPollMs});
				rss = summarize([Number(fs.readFileSync(`/proc/${tmux.pid(`log-${round}`)}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)?.[1] ?? Number.NaN) / 1024]);
				return at - asked;
			} finally {
				// A screen left open on a 1 GB log would weigh on every later figure.
				tmux.close(`log-${round}`);
			}
		});
	} catch {
		shown = 'not shown in time';
	}

	row('1 GB log: watch start → last line on screen', 'ms', shown, {name: 'tail -F start', value: byTail}, 'under 300 ms');
	row('1 GB log: resident memory then', 'MB', rss ?? summarize([Number.NaN]), undefined, undefined);
	fs.rmSync(workspace, {recursive: true, force: true});
}

/** A heavy workspace open in watch: `write` puts the load in, `text` shows it arrived; then its CPU and memory at rest. */
async function loaded(task, label, write, text) {
	const workspace = newWorkspace(task);
	tmux.open(task, watchCommand(workspace));
	await tmux.waitForScreen(task, firstFrameText(task));
	await sleep(1000);
	const written = now();
	write(workspace);
	let shown;
	try {
		shown = summarize([(await tmux.waitForScreen(task, text, 60_000)) - written]);
	} catch (error) {
		console.error(error.message);
		shown = 'not shown in time';
	}

	row(`${label}: written → on screen`, 'ms', shown, undefined, undefined);
	await sleep(2000);
	const rest = await sampleAtRest({watch: {pid: tmux.pid(task)}}, plan.loadedRestSeconds, plan.restSlices);
	row(`${label}: CPU at rest (${plan.loadedRestSeconds} s)`, '%', rest.watch.cpu, undefined, 'under 1%');
	row(`${label}: resident memory`, 'MB', rest.watch.rss, undefined, 'under 150 MB');
	tmux.close(task);
}

async function bigPartial() {
	const first = marker('Entity');
	const items = jsonItems(10_000_000, id => (id === 0 ? first : `Entity${id} ${'y'.repeat(100)}`));

	await loaded('bench-partial', '10 MB partial', workspace => {
		writeAtomic(path.join(workspace, 'output/result.partial.json'), JSON.stringify({items}));
	}, first);
}

async function manyQuestions() {
	const first = marker('Question');
	const questions = Array.from({length: 10_000}, (_, index) => ({id: `q${index + 1}`, text: index === 0 ? first : `Question ${index + 1}: which one?`, options: ['Yes', 'No']}));
	await loaded('bench-questions', '10,000 questions', workspace => {
		writeAtomic(path.join(workspace, 'shared/questions.json'), JSON.stringify({questions}));
	}, first);
}

/** `handoff ls` over 1,000 workspaces, against the seed's way of listing them (bench/seed_list.py). */
async function manyWorkspaces() {
	const dir = path.join(base, 'many');
	const template = newWorkspace('bench-listed', {dir});
	const workspaces = path.dirname(template);
	for (let index = 1; index < 1000; index++) {
		fs.cpSync(template, path.join(workspaces, `bench-listed_20260101_000000_${10_000 + index}`), {recursive: true});
	}

	const listed = await measure(plan.slowRounds, async () => {
		const {ms, code, stdout} = await timeCommand(process.execPath, [cli, 'ls', '--json', '--dir', dir]);
		if (code !== 0 || stdout.length < 1000) {
			throw new Error(`bench: handoff ls exited ${code}`);
		}

		return ms;
	}, {warmup: 1});
	const seed = await measure(plan.slowRounds, async () => (await timeCommand(python, [path.join(benchDirectory, 'seed_list.py'), workspaces])).ms, {warmup: 1});
	row('ls --json over 1,000 workspaces', 'ms', listed, {name: 'seed_list.py', value: seed}, undefined);
}

function table() {
	const lines = ['| Figure | handoff | Reference (same run) | Ratio | Target (issue 12) |', '|---|---|---|---|---|'];
	for (const {figure, unit, handoff: value, reference, target} of rows) {
		const against = reference ? `${reference.name}: ${format(reference.value, unit)}${reference.others ? `; ${reference.others}` : ''}` : '';
		const times = typeof value === 'object' && reference ? ratio(value, reference.value) : undefined;
		lines.push(`| ${figure} | ${format(value, unit)} | ${against} | ${times === undefined ? '' : `${times.toFixed(2)}x`} | ${target ?? ''} |`);
	}

	return lines.join('\n');
}

function headline() {
	const find = prefix => rows.find(entry => entry.figure.startsWith(prefix));
	const pick = (prefix, text) => {
		const entry = find(prefix);
		if (!entry || typeof entry.handoff !== 'object') {
			return undefined;
		}

		const times = entry.reference ? ratio(entry.handoff, entry.reference.value) : undefined;
		return text(format(entry.handoff, entry.unit).split(' (')[0], times?.toFixed(1), entry.reference && format(entry.reference.value, entry.unit).split(' (')[0]);
	};

	return [
		pick('consumer command start-up: progress', (value, times, reference) => `- \`handoff progress\` runs in ${value}, ${times}x a bare \`node -e 0\` (${reference}).`),
		pick('start-up to first frame', value => `- \`handoff watch\` draws its first frame ${value} after it is started.`),
		pick('CPU at rest', (value, times, reference) => `- At rest on a quiet workspace the screen takes ${value} of a core (the seed's 100 ms polling loop: ${reference}).`),
		pick('bytes to the terminal', value => `- It writes ${value} to the terminal at rest.`),
		pick('resident memory at rest', value => `- It holds ${value} of memory.`),
		pick('progress line written', (value, times, reference) => `- A progress line reaches the screen in ${value}, ${times}x \`tail -F\` (${reference}) through the same tmux.`),
	].filter(Boolean).join('\n');
}

function writeReports(info) {
	fs.writeFileSync(path.join(benchDirectory, 'results.json'), `${JSON.stringify({...info, rows}, null, '\t')}\n`);
	const readme = `# Benchmarks

\`npm run bench\` (\`BENCH_QUICK=1 npm run bench\` for a run of a few minutes) measures what the hand-off screen and commands cost, each figure next to a reference measured in the same run: the seed's Python polling loops (\`seed_status_loop.py\`, \`seed_progress_loop.py\`, from \`file-based-ipc-pattern.md\`), its \`input()\` answer (\`seed_answer.py\`), a listing the seed's way (\`seed_list.py\`), \`tail -F\`, a bare \`node -e 0\`, and tmux itself. Every screen figure goes through a real terminal: a tmux server of the bench's own, its screen read with \`capture-pane\` (each read costs a few milliseconds, alike for handoff and its reference). Figures are medians, with the quartiles in brackets where there are several samples; CPU is percent of one core. The raw numbers are in \`results.json\`.

## Latest run

${info.date}, ${info.quick ? 'quick mode' : 'full mode'}, git ${info.commit}${info.note ? `\n\n${info.note}` : ''}

Machine: ${info.machine.cpu}, ${info.machine.cores} cores, ${info.machine.memoryGB} GB, ${info.machine.os}; ${info.machine.node}, ${info.machine.python}, ${info.machine.tmux}; load average at the start ${info.machine.loadAverage.join(', ')} (the machine is shared: figures move with its load, the ratios less so).

${table()}

## Headline

${headline()}
`;
	fs.writeFileSync(path.join(benchDirectory, 'README.md'), readme);
	const mainReadme = path.join(root, 'readme.md');
	const text = fs.readFileSync(mainReadme, 'utf8');
	const block = `<!-- bench:start -->\n${headline()}\n\nMeasured by \`npm run bench\` on ${info.date.slice(0, 10)}; the whole table and the machine are in [bench/README.md](bench/README.md).\n<!-- bench:end -->`;
	if (/<!-- bench:start -->[\s\S]*<!-- bench:end -->/.test(text)) {
		fs.writeFileSync(mainReadme, text.replace(/<!-- bench:start -->[\s\S]*<!-- bench:end -->/, block));
	}
}

const info = {
	date: new Date().toISOString(),
	quick,
	commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], {cwd: root, encoding: 'utf8'}).trim(),
	note: process.env.BENCH_NOTE,
	machine: machine(),
	plan,
};
console.log(`handoff bench (${quick ? 'quick' : 'full'}): ${info.machine.cpu}, ${info.machine.cores} cores, ${info.machine.node}; temporary files in ${base}`);
const only = process.env.BENCH_ONLY?.split(',');
const figures = {consumerStartUp, firstFrame, quietWorkspace, doneToArchived, burst, hugeLog, bigPartial, manyQuestions, manyWorkspaces};
// Interrupted, the bench still removes its terminal server and files.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
	process.once(signal, () => {
		tmux.kill();
		fs.rmSync(base, {recursive: true, force: true});
		process.exit(130);
	});
}

try {
	for (const [name, figure] of Object.entries(figures)) {
		if (!only || only.includes(name)) {
			await figure();
		}
	}
} finally {
	tmux.kill();
	fs.rmSync(base, {recursive: true, force: true});
}

if (!only) {
	writeReports(info);
	console.log(`\n${table()}\n\nWrote bench/results.json and bench/README.md`);
}
