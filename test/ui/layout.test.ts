import {describe, expect, test} from 'vitest';
import wrapAnsi from 'wrap-ansi';
import {type LayoutInput, minimumSize, planLayout, type ScreenPlan} from '../../source/ui/layout.js';
import {wrapRows} from '../../source/ui/wrap.js';

const input = (patch: Partial<LayoutInput>): LayoutInput => ({columns: 80, rows: 24, stages: false, statusLines: 1, questionRows: 1, pendingQuestions: false, focus: 'progress', ...patch});

/** Every row the plan hands out, which must add up to no more than the frame. */
function usedRows(plan: Extract<ScreenPlan, {kind: 'screen'}>, stages: boolean): number {
	const middle = plan.arrangement === 'side-by-side' ? Math.max(plan.progress!.height, plan.partial!.height) : (plan.progress?.height ?? 0) + (plan.partial?.height ?? 0);
	return (plan.title ? 1 : 0) + (stages ? 1 : 0) + plan.status.height + middle + (plan.questions?.height ?? 0) + 1;
}

describe('planLayout', () => {
	test('below the minimum there is only the message', () => {
		expect(planLayout(input({columns: minimumSize.columns - 1}))).toEqual({kind: 'too-small', minimum: minimumSize});
		expect(planLayout(input({rows: minimumSize.rows - 1}))).toEqual({kind: 'too-small', minimum: minimumSize});
		expect(planLayout(input({columns: minimumSize.columns, rows: minimumSize.rows})).kind).toBe('screen');
	});

	test.each([
		[120, 40, 'side-by-side'],
		[80, 24, 'side-by-side'],
		[79, 40, 'stacked'],
		[60, 20, 'single'],
		[40, 12, 'single'],
	] as const)('%ix%i: %s, and every row fits in the frame, with or without a waiting question, stages or a long status', (columns, rows, arrangement) => {
		for (const pendingQuestions of [false, true]) {
			for (const stages of [false, true]) {
				for (const statusLines of [0, 1, 20]) {
					for (const questionRows of [1, 9, 200]) {
						const plan = planLayout(input({columns, rows, pendingQuestions, stages, statusLines, questionRows}));
						expect(plan.kind).toBe('screen');
						if (plan.kind !== 'screen') {
							continue;
						}

						if (!stages) {
							expect(plan.arrangement).toBe(arrangement);
						}

						expect(usedRows(plan, stages)).toBeLessThanOrEqual(rows - 1);
						for (const pane of [plan.progress, plan.partial, plan.questions]) {
							// A bordered pane shows at least one line.
							expect(pane === undefined || pane.height >= 4).toBe(true);
						}
					}
				}
			}
		}
	});

	test('a waiting question takes the room it needs at 80x24, leaving the progress a line', () => {
		const plan = planLayout(input({pendingQuestions: true, questionRows: 9}));
		expect(plan.kind === 'screen' && plan.questions?.height).toBe(12);
		const long = planLayout(input({pendingQuestions: true, questionRows: 100}));
		expect(long.kind === 'screen' && long.progress?.height).toBe(4);
	});

	test('on a short screen only the focused pane is shown; the status focus shows the progress', () => {
		const questions = planLayout(input({columns: 60, rows: 20, focus: 'questions'}));
		expect(questions.kind === 'screen' && [questions.progress, questions.partial, questions.questions !== undefined]).toEqual([undefined, undefined, true]);
		const status = planLayout(input({columns: 60, rows: 20, focus: 'status'}));
		expect(status.kind === 'screen' && status.progress !== undefined).toBe(true);
	});

	test('below 17 rows the status is one line and the title row goes', () => {
		const plan = planLayout(input({columns: 40, rows: 12, statusLines: 3}));
		expect(plan.kind === 'screen' && [plan.title, plan.status]).toEqual([false, {height: 2, compact: true, detailLines: 1}]);
	});
});

describe('wrapRows', () => {
	test('wraps at spaces, hard inside a long word, never past the width, keeping the style', () => {
		const rows = wrapRows([{text: 'alpha bravo charlie supercalifragilistic', color: 'yellow'}], 10);
		expect(rows.map(row => row.text)).toEqual(['alpha', 'bravo', 'charlie', 'supercalif', 'ragilistic']);
		expect(rows.every(row => row.color === 'yellow')).toBe(true);
	});

	test('every word of a 300-character question is kept, in order', () => {
		const words = Array.from({length: 40}, (_, index) => `word${index}`);
		const text = words.join(' ');
		for (const width of [36, 56, 76]) {
			const rows = wrapRows([{text}], width);
			expect(rows.every(row => row.text.length <= width)).toBe(true);
			expect(rows.map(row => row.text.trim()).join(' ')).toBe(text);
		}
	});

	test('control characters are made visible before measuring, so they cannot break a row', () => {
		const rows = wrapRows([{text: 'a\u001B[2Jb\nc'}], 80);
		expect(rows).toEqual([{text: 'ab␊c'}]);
	});

	test('a hanging line starts its later rows under its text', () => {
		const rows = wrapRows([{text: 'Enter  send the picked option or type an answer', hang: 7}], 20);
		expect(rows.map(row => row.text)).toEqual(['Enter  send the', '       picked option', '       or type an', '       answer']);
	});

	test('an empty line stays one row', () => {
		expect(wrapRows([{text: ''}], 10)).toEqual([{text: ''}]);
	});

	test('a line that fits is one row, exactly as wrap-ansi cuts it (the shortcut that skips wrap-ansi agrees with it)', () => {
		const alphabet = 'ab cd ▸●·→✓✗…│~';
		let state = 7;
		const next = (below: number): number => {
			state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
			return Math.floor(state / 65_536) % below;
		};

		for (let trial = 0; trial < 2000; trial++) {
			const width = 1 + next(12);
			const text = Array.from({length: next(width + 3)}, () => alphabet[next(alphabet.length)]).join('');
			const expected = wrapAnsi(text, width, {hard: true, trim: false}).split('\n').map((row, index) => (index === 0 ? row.trimEnd() : row.trim()));
			expect(wrapRows([{text}], width).map(row => row.text)).toEqual(expected);
		}
	});

	test('10,000 questions wrap in well under a second', () => {
		const lines = Array.from({length: 20_000}, (_, index) => ({text: index % 2 === 0 ? `? [q${index}] Question number ${index}? · asked` : '     1) Yes    2) No'}));
		const start = performance.now();
		expect(wrapRows(lines, 76)).toHaveLength(20_000);
		expect(performance.now() - start).toBeLessThan(500);
	});
});
