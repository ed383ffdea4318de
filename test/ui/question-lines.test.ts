import {describe, expect, test} from 'vitest';
import type {QuestionView} from '../../source/core/snapshot.js';
import {questionLines} from '../../source/ui/pane-lines.js';

function questionsOf(count: number, seed: number): QuestionView[] {
	let state = seed;
	const next = (below: number): number => {
		state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
		return Math.floor(state / 65_536) % below;
	};

	return Array.from({length: count}, (_, index) => ({
		id: `q${index + 1}`,
		text: `Question ${index + 1}?`,
		...(next(2) === 0 ? {options: ['Yes', 'No']} : {}),
		...(next(4) === 0 ? {answer: {id: `q${index + 1}`, answer: 'Yes'}} : {}),
	}));
}

describe('the questions pane makes lines only for the rows asked for', () => {
	test.each([0, 1, 7, 60])('%i questions: every window is the same slice of the whole list, which is as long as it says', count => {
		for (let seed = 1; seed <= 20; seed++) {
			const questions = questionsOf(count, seed);
			const pendingCount = questions.filter(question => !question.answer).length;
			const selected = seed % Math.max(1, pendingCount);
			const refused = questions.find(question => !question.answer && seed % 3 === 0);
			const layout = questionLines(questions, selected, seed % 2 === 0 ? 1 : undefined, seed % 5 !== 0, refused ? {id: refused.id, error: 'no\nreally not'} : undefined);
			const all = layout.lines.slice(0, layout.lines.length);
			expect(all).toHaveLength(layout.lines.length);
			for (let start = 0; start < all.length; start += 3) {
				expect(layout.lines.slice(start, start + 5)).toEqual(all.slice(start, start + 5));
			}

			for (const [index, start] of layout.pendingStarts.entries()) {
				expect(all[start]!.text).toContain(`[${questions.filter(question => !question.answer)[index]!.id}]`);
			}
		}
	});

	test('10,000 questions: a frame reads the text of the questions it shows, not of all of them', () => {
		let reads = 0;
		const questions = questionsOf(10_000, 3).map(question => {
			const {text} = question;
			return Object.defineProperty({...question}, 'text', {
				enumerable: true,
				get() {
					reads++;
					return text;
				},
			});
		});
		const pending = questions.filter(question => !question.answer);
		expect(pending.length).toBeGreaterThan(1000);
		reads = 0;
		const chosen = Math.floor(pending.length / 2);
		const layout = questionLines(questions, chosen, undefined, true);
		const start = layout.pendingStarts[chosen]!;
		const window = layout.lines.slice(start, start + 20);
		expect(window[0]!.text).toContain(`[${pending[chosen]!.id}]`);
		expect(window).toHaveLength(20);
		// The window's questions and the chosen one (made to count its rows).
		expect(reads).toBeLessThanOrEqual(25);
	});
});
