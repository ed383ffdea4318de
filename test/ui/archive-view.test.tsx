import {render} from 'ink-testing-library';
import {afterEach, expect, test} from 'vitest';
import type {ArchiveRecord} from '../../source/core/archive-record.js';
import {ArchiveView, archiveLines, type ArchiveViewIntent} from '../../source/ui/components/archive-view.js';
import {waitUntil} from '../helpers/cli.js';
import {hostileText, terminalControls} from '../helpers/hostile.js';
import {keys} from './helpers.js';

const mounted: Array<ReturnType<typeof render>> = [];
afterEach(() => {
	for (const instance of mounted.splice(0)) {
		instance.unmount();
	}
});

const longAnswer = `${'Only admins may edit profiles, except that every user may change their own display name and avatar; '.repeat(3)}END`;

function record(patch: Partial<ArchiveRecord> = {}): ArchiveRecord {
	return {
		path: '/h/results/analyze-spec_1',
		task: 'analyze-spec',
		workspace: '/h/workspaces/analyze-spec_1',
		archivedAt: '2026-11-24T10:00:00Z',
		state: 'complete',
		altered: [],
		result: {file: 'output/analysis.json', text: '{\n  "state_machines": []\n}'},
		metadata: {file: 'output/metadata.json', text: '{\n  "status": "complete"\n}'},
		questions: [{id: 'q1', text: 'Who may edit profiles?', answer: {id: 'q1', answer: longAnswer}}],
		progress: [{time: '2026-11-24 09:59:00', message: 'Reading the spec'}],
		problems: [],
		...patch,
	};
}

function mount(value: ArchiveRecord, intents: ArchiveViewIntent[] = [], size = {columns: 80, rows: 24}): ReturnType<typeof render> {
	const instance = render(<ArchiveView record={value} onIntent={intent => intents.push(intent)} />);
	Object.defineProperty(instance.stdout, 'columns', {configurable: true, get: () => size.columns});
	Object.defineProperty(instance.stdout, 'rows', {configurable: true, value: size.rows});
	instance.stdout.emit('resize');
	mounted.push(instance);
	return instance;
}

/** The frame's text without borders and line breaks, so wrapped text reads as one. */
const flat = (frame: string): string => frame.split('\n').map(line => line.replace(/^[│ ]+|[│ ]+$/g, '')).join(' ').replaceAll(/\s+/g, ' ');

test('the record in sections; a long answer wraps and is readable in full at 80 columns; q quits', async () => {
	const intents: ArchiveViewIntent[] = [];
	const instance = mount(record(), intents);
	// Drawn at the terminal's width (the first frame may be at the library's default of 100).
	await waitUntil(() => instance.lastFrame()?.includes('── Answers') && [...instance.lastFrame()!.split('\n')[1]!].length === 80, 5000, 'the view at 80 columns');
	const frame = instance.lastFrame()!;
	expect(frame).toContain('● complete');
	expect(frame).toContain('✓ every file matches archive.json');
	expect(frame).toContain('── Result · output/analysis.json');
	expect(flat(frame)).toContain(`✓ [q1] Who may edit profiles? → ${longAnswer}`.replaceAll(/\s+/g, ' '));
	// Ink draws no row wider than the terminal.
	for (const line of frame.split('\n')) {
		expect([...line].length).toBeLessThanOrEqual(80);
	}

	await waitUntil(() => {
		instance.stdin.write('q');
		return intents.length > 0;
	}, 5000, 'the quit');
	expect(intents[0]).toEqual({type: 'quit'});
});

test('PgDn scrolls to the metadata; the position shows', async () => {
	const instance = mount(record(), [], {columns: 80, rows: 12});
	await waitUntil(() => instance.lastFrame()?.includes('line 1/'), 5000, 'the view');
	expect(instance.lastFrame()).not.toContain('"status": "complete"');
	await waitUntil(() => {
		instance.stdin.write(keys.pageDown);
		return instance.lastFrame()?.includes('"status": "complete"');
	}, 5000, 'the metadata');
});

test('an altered archive says which files, and hostile text in every field reaches the screen without a control character', async () => {
	const hostile = record({
		task: hostileText('TASK'),
		state: hostileText('STATE'),
		altered: [hostileText('ALTERED')],
		problems: [hostileText('PROBLEM')],
		result: {file: hostileText('FILE'), text: hostileText('RESULT')},
		questions: [{id: hostileText('ID'), text: hostileText('QUESTION'), answer: {id: 'x', answer: hostileText('ANSWER')}}],
		progress: [{message: hostileText('PROGRESS')}],
	});
	expect(archiveLines(hostile).map(line => line.text).join('\n')).toContain('! 1 file no longer match archive.json');
	const instance = mount(hostile, [], {columns: 300, rows: 60});
	await waitUntil(() => instance.lastFrame()?.includes('PROGRESS'), 5000, 'the view');
	for (const word of ['TASK', 'STATE', 'ALTERED', 'PROBLEM', 'FILE', 'RESULT', 'QUESTION', 'ANSWER']) {
		expect(instance.lastFrame()).toContain(word);
	}

	for (const frame of instance.frames) {
		expect(frame.replaceAll('\n', '')).not.toMatch(terminalControls);
	}
});
