import fs from 'node:fs';
import path from 'node:path';
import {describe, expect, test} from 'vitest';
import {runCli, startCli, useTempDirectories} from '../helpers/cli.js';
import {fuzzText, hostile, hostileText, seededRandom, terminalControls} from '../helpers/hostile.js';

const temporaryDirectory = useTempDirectories();

/** A folder name carrying payloads (a name cannot hold "/"), for the workspace, task folder and archive paths. */
const hostileFolderName = `dir${hostile.oscTitle}${hostile.clear}${hostile.csi8bit}${hostile.bidi}${hostile.bel}${hostile.sgr}`;

/** Creates a workspace under a hostile folder with a hostile task name; returns its exact path (from --json, which keeps every byte). */
async function hostileWorkspace(extraArgs: string[] = []): Promise<{workspace: string; base: string}> {
	const base = path.join(temporaryDirectory(), hostileFolderName);
	fs.mkdirSync(base);
	const created = await runCli(['new', '--task', hostileText('TASKNAME'), '--dir', base, '--json', ...extraArgs], {cwd: path.dirname(base)});
	expect(created.code, created.stderr).toBe(0);
	expectNoControls(created.stdout);
	const {workspace, task} = JSON.parse(created.stdout) as {workspace: string; task: string};
	expect(task).toBe(hostileText('TASKNAME'));
	expect(workspace.startsWith(base)).toBe(true);
	return {workspace, base};
}

function expectNoControls(output: string): void {
	expect(output.replaceAll('\n', '')).not.toMatch(terminalControls);
}

describe('handoff wait prints hostile workspace text readably and none of its control bytes', () => {
	test('questions, options, ids, progress lines, a problem file name, .error text and metadata errors; --json keeps the exact text', async () => {
		const {workspace} = await hostileWorkspace();
		const wait = startCli(['wait', workspace, '--json']);
		const consumer = async (...args: string[]): Promise<void> => {
			const result = await runCli([...args, '--workspace', workspace]);
			expect(result.code, result.stderr).toBe(0);
			expectNoControls(result.stderr);
		};

		await consumer('claim', '--tool', hostileText('LOCKTOOL'));
		await consumer('progress', hostileText('PROGRESSLINE'));
		fs.appendFileSync(path.join(workspace, 'shared/progress.txt'), `${hostileText('UNSTAMPED')}\n`);
		await consumer('ask', hostileText('QTEXT'), '--id', hostileText('QID'), '--option', hostileText('OPTA'), '--option', hostileText('OPTB'));
		// A file name from readdir, reported once it has stayed unparsable for a second.
		fs.writeFileSync(path.join(workspace, 'output', `${hostileText('PARTNAME')}.partial.json`), '{"torn');
		await wait.waitFor('PARTNAME');
		await wait.waitFor('QTEXT');
		await wait.waitFor('UNSTAMPED');
		fs.writeFileSync(path.join(workspace, 'output/metadata.json'), JSON.stringify({status: 'failed', errors: [{type: 'x', message: hostileText('METAMSG'), details: hostileText('METADETAILS')}]}));
		fs.writeFileSync(path.join(workspace, '.error'), hostileText('ERRORTEXT'));
		const result = await wait.result;
		expect(result.code, result.stderr).toBe(1);
		expectNoControls(result.stderr);
		expectNoControls(result.stdout);
		for (const word of ['PROGRESSLINE', 'UNSTAMPED', 'QID', 'QTEXT', 'OPTA', 'OPTB', 'PARTNAME', 'METAMSG', 'METADETAILS', 'ERRORTEXT']) {
			expect(result.stderr).toContain(word);
		}

		// One item stays one line: a payload's leftovers are shown in place, and nothing ends a line early.
		expect(result.stderr).toMatch(/^question \S*QID\S*: \S*QTEXT.*OPTA.*OPTB.*\]$/m);
		expect(result.stderr).toContain('evil␈␈␈␈good');
		const summary = JSON.parse(result.stdout) as {errors: string[]; workspace: string; task: string};
		expect(summary.workspace).toBe(workspace);
		expect(summary.task).toBe(hostileText('TASKNAME'));
		expect(summary.errors).toEqual(expect.arrayContaining([hostileText('ERRORTEXT'), `${hostileText('METAMSG')}: ${hostileText('METADETAILS')}`]));
	});

	test('a result key echoed in a validation error', async () => {
		const project = temporaryDirectory();
		const schema = path.join(project, 'schema.json');
		fs.writeFileSync(schema, JSON.stringify({type: 'object', additionalProperties: false, properties: {}}));
		const {workspace} = await hostileWorkspace(['--schema', schema, '--result', 'output/analysis.json']);
		const wait = startCli(['wait', workspace, '--json']);
		fs.writeFileSync(path.join(workspace, 'output/analysis.json'), JSON.stringify({[hostileText('RESULTKEY')]: 1}));
		fs.writeFileSync(path.join(workspace, '.done'), '');
		const result = await wait.result;
		expect(result.code, result.stderr).toBe(1);
		expectNoControls(result.stderr);
		expectNoControls(result.stdout);
		expect(result.stderr).toMatch(/unexpected field "\S*RESULTKEY\S*"/);
		expect((JSON.parse(result.stdout) as {errors: string[]}).errors.join('\n')).toContain(`unexpected field "${hostileText('RESULTKEY')}"`);
	});

	test('the archive path and the workspace path of a complete hand-off', async () => {
		const {workspace, base} = await hostileWorkspace();
		const wait = startCli(['wait', workspace, '--json']);
		fs.writeFileSync(path.join(workspace, 'output/result.json'), '{}');
		fs.writeFileSync(path.join(workspace, '.done'), '');
		const result = await wait.result;
		expect(result.code, result.stderr).toBe(0);
		expectNoControls(result.stderr);
		expectNoControls(result.stdout);
		expect(result.stderr).toMatch(/handoff: complete; archived to \S*dir\S*/);
		const summary = JSON.parse(result.stdout) as {archive: string};
		expect(summary.archive.startsWith(path.join(base, 'results'))).toBe(true);
		expect(fs.existsSync(summary.archive)).toBe(true);
	});
});

test('fuzz: escape-laden random text in every file the consumer writes, for 200 rounds, never reaches stderr or stdout as a control character', async () => {
	const random = seededRandom(8);
	const {workspace} = await hostileWorkspace();
	const wait = startCli(['wait', workspace, '--json']);
	const write = (file: string, text: string): void => {
		fs.writeFileSync(path.join(workspace, file), text);
	};

	/** A file name needs no "/" or NUL, and fits in 255 bytes. */
	/** The questions last written whole, when the last write was JSON. */
	let lastQuestions: Array<Record<string, unknown>> | undefined;
	const fileName = (): string => fuzzText(random, 3).replaceAll('/', '_').replaceAll('\u0000', '_').slice(0, 150);
	for (let round = 0; round < 200; round++) {
		switch (Math.floor(random() * 5)) {
			case 0: {
				fs.appendFileSync(path.join(workspace, 'shared/progress.txt'), `${random() < 0.5 ? '[2025-01-01 10:00:00] ' : ''}${fuzzText(random)}\n`);
				break;
			}

			case 1: {
				lastQuestions = random() < 0.8 ? [{id: fuzzText(random, 3), text: fuzzText(random), options: [fuzzText(random, 4), fuzzText(random, 4)]}] : undefined;
				write('shared/questions.json', lastQuestions ? JSON.stringify({questions: lastQuestions}) : fuzzText(random));
				break;
			}

			case 2: {
				write('.lock', JSON.stringify({tool: fuzzText(random), host: fuzzText(random), pid: process.pid}));
				break;
			}

			case 3: {
				write(`output/${fileName()}.partial.json`, random() < 0.5 ? JSON.stringify({[fuzzText(random)]: fuzzText(random)}) : fuzzText(random));
				break;
			}

			default: {
				write('output/metadata.json', JSON.stringify({status: 'running', errors: [{type: 'x', message: fuzzText(random), details: fuzzText(random)}]}));
			}
		}

		// Every 20 rounds, let the watcher catch up, so many intermediate states are printed rather than only the last.
		if (round % 20 === 19) {
			fs.appendFileSync(path.join(workspace, 'shared/progress.txt'), `MARK${round}\n`);
			await wait.waitFor(`MARK${round}`);
			// The progress line is printed as soon as it is read, the questions when the workspace is read: a question added to the last ones shows that read happened.
			if (lastQuestions) {
				write('shared/questions.json', JSON.stringify({questions: [...lastQuestions, {id: `SYNC${round}`, text: 'caught up'}]}));
				await wait.waitFor(`question SYNC${round}`);
			}
		}
	}

	write('.error', `${fuzzText(random)}THEEND`);
	const result = await wait.result;
	expect(result.code, result.stderr).toBe(1);
	expect(result.stderr).toContain('THEEND');
	expect(result.stderr.split('\n').filter(line => line.startsWith('question ') && !line.startsWith('question SYNC')).length).toBeGreaterThan(3);
	expectNoControls(result.stderr);
	expectNoControls(result.stdout);
}, 60_000);

describe('other lines a command prints', () => {
	test('an error message quoting a path or a word of the command line (the CLI\'s error line)', async () => {
		const missing = await runCli(['wait', path.join(temporaryDirectory(), hostileText('MISSINGPATH'))]);
		expect(missing.code).toBe(2);
		expect(missing.stderr).toContain('MISSINGPATH');
		expectNoControls(missing.stderr);
		const unknown = await runCli([hostileText('NOSUCHCOMMAND')]);
		expect(unknown.code).toBe(2);
		expect(unknown.stderr).toContain('NOSUCHCOMMAND');
		expectNoControls(unknown.stderr);
	});

	test('handoff answer echoes the question and the answer; ls prints tasks and paths', async () => {
		const {workspace, base} = await hostileWorkspace();
		expect((await runCli(['ask', hostileText('ASKED'), '--id', 'q1', '--workspace', workspace])).code).toBe(0);
		const answered = await runCli(['answer', workspace, 'q1', hostileText('ANSWERTEXT')]);
		expect(answered.code, answered.stderr).toBe(0);
		expect(answered.stderr).toContain('ANSWERTEXT');
		expectNoControls(answered.stderr);
		const unknownId = await runCli(['answer', workspace, hostileText('WRONGID'), 'x']);
		expect(unknownId.code).not.toBe(0);
		expect(unknownId.stderr).toContain('WRONGID');
		expectNoControls(unknownId.stderr);
		const listed = await runCli(['ls', '--dir', base]);
		expect(listed.code, listed.stderr).toBe(0);
		expect(listed.stdout).toContain('TASKNAME');
		expect(listed.stdout).toContain('dir');
		expectNoControls(listed.stdout);
		expectNoControls(listed.stderr);
		// The table's columns line up: every row's PATH column starts where the header's does.
		const [header, row] = listed.stdout.split('\n');
		expect(row!.indexOf(path.dirname(base).slice(0, 12))).toBe(header!.indexOf('PATH'));
		const json = await runCli(['ls', '--dir', base, '--json']);
		expectNoControls(json.stdout);
		expect((JSON.parse(json.stdout) as Array<{task: string}>)[0]!.task).toBe(hostileText('TASKNAME'));
	});
});
