import {render} from 'ink-testing-library';
import {afterEach, describe, expect, test} from 'vitest';
import {App, type StageLine} from '../../source/app.js';
import type {ListEntry} from '../../source/core/listing.js';
import type {Outcome, SessionState} from '../../source/core/snapshot.js';
import {Text} from '../../source/ui/components/text.js';
import {ListApp} from '../../source/ui/list-app.js';
import {fuzzText, hostile, hostileText, seededRandom, terminalControls} from '../helpers/hostile.js';
import {waitUntil} from '../helpers/cli.js';
import {FakeSession, formattedLines, keys, makeSnapshot} from './helpers.js';

type Rendered = ReturnType<typeof render>;
const mounted: Rendered[] = [];
afterEach(() => {
	for (const instance of mounted.splice(0)) {
		instance.unmount();
	}
});

/** Renders until every word is on screen; returns the frame. */
async function frameShowing(instance: Rendered, words: string[]): Promise<string> {
	const frame = (): string => instance.lastFrame() ?? '';
	const missing = (): string[] => words.filter(word => !frame().includes(word));
	await waitUntil(() => missing().length === 0, 5000, 'the words on screen').catch((error: Error) => {
		throw new Error(`${error.message}; missing: ${missing().join(', ')}\n--- frame ---\n${frame()}`);
	});
	return frame();
}

/** No byte of any payload reached the screen: the frames (ink-testing-library has no colours) hold no control character at all. */
function expectNoControls(instance: Rendered): void {
	for (const frame of instance.frames) {
		expect(frame.replaceAll('\n', '')).not.toMatch(terminalControls);
	}
}

function mountApp(state: Partial<SessionState>, extra: {promptNotice?: string; stages?: StageLine[]} = {}): Rendered {
	const instance = render(<App source={new FakeSession(state)} onIntent={() => undefined} {...extra} />);
	Object.defineProperty(instance.stdout, 'columns', {configurable: true, get: () => 300});
	Object.defineProperty(instance.stdout, 'rows', {configurable: true, value: 60});
	instance.stdout.emit('resize');
	mounted.push(instance);
	return instance;
}

/** Everything the consumer (or a path, or a name) puts in a snapshot, each field hostile. */
function hostileState(outcome?: Outcome): Partial<SessionState> {
	return {
		snapshot: makeSnapshot({
			workspace: `/tmp/${hostileText('WSPATH')}`,
			name: hostileText('WSNAME'),
			manifest: {...makeSnapshot().manifest, task: hostileText('TASKNAME')},
			claim: {tool: hostileText('LOCKTOOL'), host: hostileText('LOCKHOST')},
			inconsistencies: [hostileText('INCONSISTENT')],
			problems: [{file: `output/${hostileText('PROBLEMFILE')}.partial.json`, message: hostileText('PROBLEMMSG')}],
			questions: [
				{id: hostileText('QID'), text: hostileText('QTEXT'), options: [hostileText('OPTA'), hostileText('OPTB')]},
				{id: hostileText('ANSWEREDID'), text: hostileText('ANSWEREDTEXT'), answer: {id: 'x', answer: hostileText('ANSWERTEXT')}},
			],
			partial: {
				file: `output/${hostileText('PARTIALFILE')}.partial.json`,
				// JSON.stringify escapes C0 controls itself (shown as the text "\u001b"), but not C1 or bidi controls.
				...formattedLines({[`${hostile.csi8bit}${hostile.bidi}PARTIALKEY`]: `${hostile.osc8bit}${hostile.bidi}PARTIALVALUE`, other: hostileText('PARTIALLONG')}),
				valid: false,
				errorCount: 1,
				errors: [{pointer: `/${hostileText('POINTER')}`, message: hostileText('SCHEMAMSG')}],
				updatedAt: Date.now(),
			},
		}),
		progress: [
			{time: '2025-01-01 10:00:00', message: hostileText('PROGRESSLINE')},
			{message: hostileText('UNSTAMPED')},
			{source: hostileText('LAUNCHSRC'), message: hostileText('LAUNCHOUT')},
		],
		outcome,
	};
}

describe('the app shows hostile workspace text readably and emits none of its control bytes', () => {
	test('every field of a running hand-off: title, status, claim, problems, questions, options, answers, progress, partial, notice, stages, retry errors', async () => {
		const instance = mountApp(hostileState({kind: 'retrying', attempt: 1, maxRetries: 2, errors: [hostileText('RETRYERR')]}), {
			promptNotice: hostileText('NOTICE'),
			stages: [{name: hostileText('STAGE'), state: 'current'}],
		});
		const frame = await frameShowing(instance, [
			'TASKNAME', 'WSNAME', 'WSPATH', 'LOCKTOOL', 'LOCKHOST', 'INCONSISTENT', 'PROBLEMFILE', 'PROBLEMMSG',
			'QID', 'QTEXT', 'OPTA', 'OPTB', 'ANSWEREDID', 'ANSWEREDTEXT', 'ANSWERTEXT',
			'PROGRESSLINE', 'UNSTAMPED', 'LAUNCHSRC', 'LAUNCHOUT', 'PARTIALFILE', 'PARTIALKEY', 'PARTIALVALUE', 'POINTER', 'SCHEMAMSG',
			'RETRYERR', 'NOTICE', 'STAGE',
		]);
		expectNoControls(instance);
		// What is left of each payload is visible and harmless: the backspaces and the 8-bit OSC are shown, the bidi override is replaced.
		expect(frame).toContain('evil␈␈␈␈good');
		expect(frame).toContain('admin\uFFFDnigeb\uFFFD');
	});

	test.each([
		['failed (.error text, metadata errors, a result key in a validation error)', {kind: 'failed', errors: [hostileText('ERRORFILE'), hostileText('METADATAERR'), `output/analysis.json: /${hostileText('RESULTKEY')}: unexpected field "${hostileText('RESULTKEY')}"`]}, ['ERRORFILE', 'METADATAERR', 'RESULTKEY']],
		['timed out', {kind: 'timed-out', errors: [hostileText('TIMEOUTERR')]}, ['TIMEOUTERR']],
		['complete (the archive path)', {kind: 'complete', archivePath: `/tmp/${hostileText('ARCHIVEPATH')}`, resultPath: '/tmp/r.json'}, ['ARCHIVEPATH']],
	] as Array<[string, Outcome, string[]]>)('the outcome when %s', async (_, outcome, words) => {
		const instance = mountApp(hostileState(outcome));
		await frameShowing(instance, words);
		expectNoControls(instance);
	});

	test('the answer line names the question by its id', async () => {
		const instance = mountApp({snapshot: makeSnapshot({questions: [{id: hostileText('FREEID'), text: 'Name?'}]})});
		// The question has the focus once its hint shows (Enter on another pane would open that pane whole).
		await frameShowing(instance, ['Enter to type an answer', '▸ [']);
		// Ink listens for keys a moment after the first frame: press until the answer line opens (Enter on an empty line sends nothing).
		await waitUntil(() => {
			instance.stdin.write(keys.enter);
			return instance.lastFrame()?.includes('› ');
		}, 5000, 'the answer line');
		expect(instance.lastFrame()).toMatch(/answer \S*FREEID\S* › /);
		expectNoControls(instance);
	});

	test('the list for ls: directory, states, tasks and names', async () => {
		const entries: ListEntry[] = [
			{kind: 'workspace', name: hostileText('LISTNAME'), path: `/h/${hostileText('LISTPATH')}`, state: 'invalid', pendingQuestions: 0, error: hostileText('LISTERROR')},
			{kind: 'archive', name: 'b', path: '/h/b', task: hostileText('LISTTASK'), state: 'archived', time: Date.now(), pendingQuestions: 0},
			// A state that is not one of ours is shown as it is.
			{kind: 'pipeline', name: 'c', path: '/h/c', task: 'p', state: hostileText('LISTSTATE') as ListEntry['state'], time: Date.now(), pendingQuestions: 0},
		];
		const instance = render(<ListApp entries={entries} directory={`/h/${hostileText('LISTDIR')}`} onIntent={() => undefined} />);
		mounted.push(instance);
		// Cells cut to fit the width are shown in full for the chosen entry, under the table.
		await frameShowing(instance, ['LISTNAME', 'LISTDIR', 'LISTPATH', 'LISTERROR']);
		expectNoControls(instance);
		await waitUntil(() => {
			instance.stdin.write(keys.down);
			return instance.lastFrame()?.includes('LISTTASK');
		}, 5000, 'the second entry chosen');
		await waitUntil(() => {
			instance.stdin.write(keys.down);
			return instance.lastFrame()?.includes('LISTSTATE');
		}, 5000, 'the third entry chosen');
		expectNoControls(instance);
	});

	test('the safe Text keeps strings written beside elements, in arrays and in fragments safe too', async () => {
		const instance = render(
			<Text>
				{hostile.oscTitle}
				{'A'}
				<Text bold>{[hostile.clear, 'B', hostile.csi8bit]}</Text>
				<>{hostile.osc52}C{[hostile.bel, 'D']}</>
				{7}
			</Text>,
		);
		mounted.push(instance);
		expect(await frameShowing(instance, ['A', 'B', 'C', 'D', '7'])).toContain('AB');
		expectNoControls(instance);
	});

	test('fuzz: 80 snapshots with escape-laden random text in every field, each drawn, never put a control character on the screen', async () => {
		const random = seededRandom(7);
		const session = new FakeSession();
		const instance = render(<App source={session} onIntent={() => undefined} promptNotice={fuzzText(random)} stages={[{name: fuzzText(random), state: 'current'}]} />);
		mounted.push(instance);
		const outcomes = (): Outcome | undefined => [
			undefined,
			{kind: 'retrying', attempt: 1, maxRetries: 2, errors: [fuzzText(random)]},
			{kind: 'failed', errors: [fuzzText(random), fuzzText(random)]},
			{kind: 'complete', archivePath: fuzzText(random), resultPath: fuzzText(random)},
		][Math.floor(random() * 4)] as Outcome | undefined;
		for (let round = 0; round < 80; round++) {
			const marker = `ROUND${round}:`;
			session.set({
				...hostileState(outcomes()),
				snapshot: makeSnapshot({
					manifest: {...makeSnapshot().manifest, task: `${marker}${fuzzText(random)}`},
					name: fuzzText(random),
					workspace: fuzzText(random),
					claim: {tool: fuzzText(random), host: fuzzText(random)},
					inconsistencies: [fuzzText(random)],
					problems: [{file: fuzzText(random), message: fuzzText(random)}],
					questions: [{id: fuzzText(random, 3), text: fuzzText(random), options: [fuzzText(random, 4)]}, {id: fuzzText(random, 3), text: fuzzText(random), answer: {id: 'x', answer: fuzzText(random)}}],
					partial: {file: fuzzText(random), ...formattedLines({[fuzzText(random)]: [fuzzText(random)]}), valid: false, errorCount: 1, errors: [{pointer: fuzzText(random), message: fuzzText(random)}], updatedAt: Date.now()},
				}),
				progress: [{time: '2025-01-01 10:00:00', message: fuzzText(random)}, {message: fuzzText(random)}, {source: fuzzText(random, 2), message: fuzzText(random)}],
			});
			await frameShowing(instance, [marker]);
		}

		expect(instance.frames.length).toBeGreaterThan(80);
		expectNoControls(instance);
	});

	test('a line megabytes long, full of sequences, is drawn at once and safely (only what fits a row is made safe)', async () => {
		const huge = `HUGESTART${hostileText('x').repeat(20_000)}`;
		expect(huge.length).toBeGreaterThan(2_000_000);
		const started = performance.now();
		const instance = mountApp({snapshot: makeSnapshot(), progress: [{message: huge}, {message: 'AFTERHUGE'}]});
		await frameShowing(instance, ['HUGESTART', 'AFTERHUGE']);
		expect(performance.now() - started).toBeLessThan(2000);
		expectNoControls(instance);
	});
});
