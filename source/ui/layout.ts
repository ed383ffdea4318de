/**
Where everything goes on a screen of a given size, as a pure function (tested without rendering). Designed for 80x24 first: the panes sit side by side from 80 columns; below that they stack while there are rows for it, and on a short screen only the focused pane is shown (Tab moves on). Below the minimum the screen only says what it needs.
*/

export const minimumSize = {columns: 40, rows: 12};

/** Rows a bordered pane spends on its border and title. */
export const paneChrome = 3;

/** Rows the bordered status pane spends besides its detail lines: border, state line, claim line. */
export const statusPaneChrome = 4;

/** Below this many rows of frame, the status is one unbordered line and the title row goes. */
const compactBelow = 16;

export type PaneBox = {height: number; width?: number};

export type ScreenPlan =
	| {kind: 'too-small'; minimum: typeof minimumSize}
	| {
		kind: 'screen';
		/** The frame's rows: one short of the terminal (Ink 6 redraws the whole screen when the frame is as tall as the terminal). */
		height: number;
		/** The title row above the status. */
		title: boolean;
		status: {height: number; compact: boolean; detailLines: number};
		arrangement: 'side-by-side' | 'stacked' | 'single';
		/** Present for the panes on screen. */
		progress?: PaneBox;
		partial?: PaneBox;
		questions?: PaneBox;
		/** Rows the detail view has for its text (a title row and the footer take the rest). */
		detailRows: number;
	};

export type LayoutInput = {
	columns: number;
	rows: number;
	/** A pipeline's stage line above the panes. */
	stages: boolean;
	/** Lines under the state in the status pane (outcome, warnings, notices). */
	statusLines: number;
	/** Rows the questions pane's content takes at full width, the answer line included. */
	questionRows: number;
	pendingQuestions: boolean;
	/** The pane shown when there is room for one only (the status pane is always on screen, so its focus shows the progress). */
	focus: 'progress' | 'partial' | 'questions' | 'status';
};

const clamp = (value: number, low: number, high: number): number => Math.max(low, Math.min(high, value));

export function planLayout(input: LayoutInput): ScreenPlan {
	const {columns, rows} = input;
	if (columns < minimumSize.columns || rows < minimumSize.rows) {
		return {kind: 'too-small', minimum: minimumSize};
	}

	const height = rows - 1;
	const compact = height < compactBelow;
	const status = compact
		? {height: input.statusLines > 0 ? 2 : 1, compact, detailLines: input.statusLines > 0 ? 1 : 0}
		: (() => {
			const detailLines = clamp(input.statusLines, 0, Math.max(1, Math.floor(height / 6)));
			return {height: statusPaneChrome + detailLines, compact, detailLines};
		})();
	const title = !compact;
	const footer = 1;
	const body = height - (title ? 1 : 0) - (input.stages ? 1 : 0) - status.height - footer;
	const detailRows = height - 2;
	const base = {kind: 'screen' as const, height, title, status, detailRows};
	const wanted = input.questionRows + paneChrome;

	if (columns >= 80 && body >= 12) {
		// A waiting question may take all but one row of progress; otherwise the questions pane stays small.
		const questions = clamp(wanted, 4, input.pendingQuestions ? body - 4 : Math.max(4, Math.floor(body * 0.4)));
		const progressWidth = Math.floor(columns * (columns >= 100 ? 0.55 : 0.5));
		return {
			...base,
			arrangement: 'side-by-side',
			progress: {height: body - questions, width: progressWidth},
			partial: {height: body - questions, width: columns - progressWidth},
			questions: {height: questions},
		};
	}

	if (body >= 16) {
		const questions = clamp(wanted, 4, input.pendingQuestions ? body - 8 : Math.max(4, Math.floor(body * 0.4)));
		const middle = body - questions;
		const progress = Math.ceil(middle / 2);
		return {...base, arrangement: 'stacked', progress: {height: progress}, partial: {height: middle - progress}, questions: {height: questions}};
	}

	const shown = input.focus === 'status' ? 'progress' : input.focus;
	return {...base, arrangement: 'single', [shown]: {height: body}};
}
