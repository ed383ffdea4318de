import {Box} from 'ink';
import React, {useEffect, useMemo, useReducer, useRef} from 'react';
import type {StageLine} from './core/pipeline-runner.js';
import type {SessionSource} from './core/snapshot.js';
import {answerLineRows} from './ui/components/answer-line.js';
import {DetailView} from './ui/components/detail-view.js';
import {Footer} from './ui/components/footer.js';
import {QuestionsPane} from './ui/components/questions-pane.js';
import {ScrollPane} from './ui/components/scroll-pane.js';
import {StatusPane, statusClock, statusDetail, statusLines} from './ui/components/status-pane.js';
import {Text} from './ui/components/text.js';
import {TooSmall} from './ui/components/too-small.js';
import {helpLines} from './ui/help-lines.js';
import {useNow} from './ui/hooks/use-now.js';
import {useSession} from './ui/hooks/use-session.js';
import {useTerminalSize} from './ui/hooks/use-terminal-size.js';
import type {Intent} from './ui/intents.js';
import {paneChrome, planLayout} from './ui/layout.js';
import {type Line, type ResultView, partialLines, progressLines, promptLines, questionDetailLines, questionLines, resultLines} from './ui/pane-lines.js';
import {useAppInput} from './ui/use-app-input.js';
import {type DetailSource, type Notice, appReducer, initialAppState, modeOf, visibleOffset} from './ui/use-app-state.js';
import {wrapRows, wrapWithStarts} from './ui/wrap.js';

/** One stage of a pipeline run, for the line above the panes. */
export type {StageLine} from './core/pipeline-runner.js';
export type {ResultView} from './ui/pane-lines.js';

const stageMarks: Record<StageLine['state'], string> = {done: '✓', current: '▶', pending: '○', failed: '✘'};

export type AppProps = {
	source: SessionSource;
	stages?: StageLine[];
	onIntent: (intent: Intent) => void;
	/** How the hand-off prompt was delivered, in one line. */
	promptNotice?: string;
	/** The hand-off prompt and where it is saved, shown whole with p. */
	prompt?: {text: string; file?: string};
	/** The validated result once the hand-off completed, shown in place of the partial result. */
	result?: ResultView;
	/** A short piece of feedback from the edge for the footer (the prompt copied again, say); a new `seq` each time. */
	message?: Omit<Notice, 'seq'> & {seq: number};
	/** The last answer the edge refused or could not save (a new `seq` each time): shown under the answer line, the answer kept there. */
	answerRefusal?: AnswerRefusal;
};

export type AnswerRefusal = {id: string; answer: string; error: string; seq: number};

/** No time on screen counts. */
const noClock = (): undefined => undefined;
/** The progress pane's one line before any progress: one array, so the memoized pane is not drawn again for a new one. */
const noProgress: Line[] = [{text: 'No progress reported yet.', dim: true}];

/** How long a notice stays in the footer. */
const noticeMs = 6000;

const clamp = (value: number, low: number, high: number): number => Math.max(low, Math.min(high, value));

const detailTitles: Record<DetailSource, string> = {
	progress: 'Progress',
	partial: 'Partial result',
	questions: 'Questions',
	status: 'Status',
	prompt: 'The hand-off prompt',
	help: 'Keys',
};

export function App({source, onIntent, promptNotice, prompt, result, message, stages, answerRefusal}: AppProps): React.JSX.Element {
	const {snapshot, progress, outcome} = useSession(source);
	const {columns, rows} = useTerminalSize();
	const [state, dispatch] = useReducer(appReducer, initialAppState);
	// The status pane runs its own clock; here the time counts only while the status detail view shows it.
	const statusOpen = state.detail?.source === 'status';
	const now = useNow(useMemo(() => (statusOpen ? statusClock(snapshot, outcome) : noClock), [statusOpen, snapshot, outcome]));
	const pending = useMemo(() => snapshot?.questions.filter(question => !question.answer) ?? [], [snapshot]);
	const selected = clamp(state.selected, 0, Math.max(0, pending.length - 1));
	const finished = outcome !== undefined && outcome.kind !== 'retrying';
	const mode = modeOf(state, finished);

	// A question nobody has seen yet takes the focus and rings the bell.
	useEffect(() => {
		const fresh = pending.filter(question => !state.seenQuestions.includes(question.id));
		if (fresh.length > 0) {
			dispatch({type: 'questionsArrived', ids: fresh.map(question => question.id), firstNewIndex: pending.indexOf(fresh[0]!)});
			onIntent({type: 'bell'});
		}
	}, [pending, state.seenQuestions, onIntent]);

	// A refused answer opens the answer line again with the answer as it was and the reason.
	useEffect(() => {
		if (answerRefusal) {
			dispatch({type: 'answerRefused', id: answerRefusal.id, text: answerRefusal.answer, error: answerRefusal.error});
		}
	}, [answerRefusal]);

	// A sent draft is done once its question shows answered (the files say so, not the edge).
	const editingAnswered = state.editing?.sending === true && snapshot?.questions.some(question => question.id === state.editing?.id && question.answer !== undefined);
	useEffect(() => {
		if (editingAnswered && state.editing) {
			dispatch({type: 'answerSaved', id: state.editing.id});
		}
	}, [editingAnswered, state.editing]);

	// Feedback in the footer: an answer that the files now show (from here or from `handoff answer`), a file problem that appeared.
	const known = useRef<{answered?: Set<string>; problems?: Set<string>}>({});
	useEffect(() => {
		if (!snapshot) {
			return;
		}

		const answered = snapshot.questions.filter(question => question.answer);
		const problems = snapshot.problems.map(problem => `${problem.file}: ${problem.message}`);
		const before = known.current;
		if (before.answered) {
			for (const question of answered.filter(question => !before.answered!.has(question.id))) {
				dispatch({type: 'notify', text: `Answer to ${question.id} saved: ${question.answer!.answer}`});
				dispatch({type: 'answerSaved', id: question.id});
			}
		}

		if (before.problems) {
			for (const problem of problems.filter(problem => !before.problems!.has(problem))) {
				dispatch({type: 'notify', text: `! ${problem}`, tone: 'warning'});
			}
		}

		known.current = {answered: new Set(answered.map(question => question.id)), problems: new Set(problems)};
	}, [snapshot]);

	useEffect(() => {
		if (message) {
			dispatch({type: 'notify', text: message.text, tone: message.tone});
		}
	}, [message]);

	const noticeSeq = state.notice?.seq;
	useEffect(() => {
		if (noticeSeq === undefined) {
			return;
		}

		const timer = setTimeout(() => {
			dispatch({type: 'clearNotice', seq: noticeSeq});
		}, noticeMs);
		return () => {
			clearTimeout(timer);
		};
	}, [noticeSeq]);

	// The result, once there, is what the person came for: it takes the focus, so v shows it whole.
	const hasResult = result !== undefined;
	useEffect(() => {
		if (hasResult) {
			dispatch({type: 'focusPane', pane: 'partial'});
		}
	}, [hasResult]);

	// What each pane holds, whole.
	const questionsFocused = state.focus === 'questions';
	const questionWidth = Math.max(1, columns - 4);
	// Kept while the questions and the choice stay as they are: a progress line does not wrap them again, and the questions pane (memo) is not drawn again.
	const questionRows = useMemo(() => {
		const questions = questionLines(snapshot?.questions ?? [], selected, state.picked, questionsFocused && !finished, state.pickRefused);
		return wrapWithStarts(questions.lines, questions.pendingStarts, questionWidth);
	}, [snapshot?.questions, selected, state.picked, questionsFocused, finished, state.pickRefused, questionWidth]);
	const progressContent = useMemo(() => progressLines(progress), [progress]);
	const partialContent = useMemo(() => (result ? resultLines(result) : partialLines(snapshot?.partial)), [result, snapshot?.partial]);
	const detail = statusDetail(snapshot, outcome, promptNotice);

	const plan = planLayout({
		columns,
		rows,
		stages: stages !== undefined,
		statusLines: detail.length,
		questionRows: questionRows.rows.length + answerLineRows(state.editing),
		pendingQuestions: pending.length > 0,
		focus: state.focus,
	});

	const paneRows = (height: number | undefined, footer = 0): number => Math.max(0, (height ?? 0) - paneChrome - footer);
	const screen = plan.kind === 'screen' ? plan : undefined;
	// While a question is chosen, the questions pane scrolls from its first row (a long question scrolls; ↑ ↓ choose another).
	const choosing = questionsFocused && pending.length > 0 && !finished;
	const selectedStart = choosing ? questionRows.starts[selected] ?? 0 : 0;
	const geometry = {
		progress: {contentLines: progressContent.length, visibleLines: paneRows(screen?.progress?.height)},
		partial: {contentLines: partialContent.length, visibleLines: paneRows(screen?.partial?.height)},
		questions: {contentLines: questionRows.rows.length - selectedStart, visibleLines: paneRows(screen?.questions?.height, answerLineRows(state.editing))},
		status: {contentLines: 0, visibleLines: 0},
	};

	const detailContent = useMemo((): Line[] => {
		switch (state.detail?.source) {
			case undefined: {
				return [];
			}

			case 'progress': {
				return progressContent.length > 0 ? progressContent : noProgress;
			}

			case 'partial': {
				return partialContent;
			}

			case 'questions': {
				return questionDetailLines(snapshot?.questions ?? []);
			}

			case 'status': {
				return statusLines(snapshot, outcome, promptNotice, now);
			}

			case 'prompt': {
				return promptLines(prompt);
			}

			case 'help': {
				return helpLines();
			}
		}
	}, [state.detail?.source, progressContent, partialContent, snapshot, outcome, promptNotice, now, prompt]);
	const detailRows = useMemo(() => wrapRows(detailContent, columns), [detailContent, columns]);
	const detailExtent = {contentLines: detailRows.length, visibleLines: screen?.detailRows ?? 1};

	const keyContext = {pending, geometry, detail: detailExtent, finished};
	useAppInput({state: {...state, selected}, dispatch, context: keyContext, onIntent});

	if (!screen) {
		return <TooSmall columns={columns} rows={rows} minimum={plan.kind === 'too-small' ? plan.minimum : {columns, rows}} />;
	}

	const footer = <Footer mode={mode} width={columns} notice={state.notice} />;
	if (state.detail) {
		const offset = visibleOffset(state.detail.scroll, detailRows.length, screen.detailRows);
		const source = state.detail.source;
		const title = source === 'partial' && result ? `Result · ${result.file}` : source === 'partial' && snapshot?.partial ? `Partial result · ${snapshot.partial.file}` : detailTitles[source];
		return (
			<Box flexDirection="column" width={columns} height={screen.height}>
				<DetailView title={title} rows={detailRows} offset={offset} height={screen.detailRows} width={columns} />
				{footer}
			</Box>
		);
	}

	const single = screen.arrangement === 'single';
	const moreHint = single ? ' · Tab: more' : '';
	const offsetOf = (pane: 'progress' | 'partial' | 'questions'): number => visibleOffset(state.scroll[pane], geometry[pane].contentLines, geometry[pane].visibleLines);
	// From the chosen question's first row, as far as the rows go (a short list stays at the top).
	const questionsOffset = clamp(selectedStart + offsetOf('questions'), 0, Math.max(0, questionRows.rows.length - geometry.questions.visibleLines));

	const partialTitle = result ? `Result · ${result.file}` : snapshot?.partial ? `Partial result · ${snapshot.partial.file}` : 'Partial result';
	return (
		<Box flexDirection="column" width={columns} height={screen.height}>
			{screen.title ? (
				<Text wrap="truncate-end">
					<Text bold color="cyan">handoff</Text>
					<Text dimColor>{` · ${snapshot?.manifest.task ?? ''} · ${snapshot?.name ?? ''}`}</Text>
				</Text>
			) : null}
			{stages ? (
				<Text wrap="truncate-end">
					{stages.map((stage, index) => (
						<Text key={stage.name} bold={stage.state === 'current'} dimColor={stage.state === 'pending'} color={stage.state === 'failed' ? 'red' : stage.state === 'done' ? 'green' : undefined}>
							{`${index > 0 ? '  ›  ' : ''}${stageMarks[stage.state]} ${stage.name}${stage.time ? ` (${stage.time})` : ''}`}
						</Text>
					))}
				</Text>
			) : null}
			<StatusPane snapshot={snapshot} outcome={outcome} notice={promptNotice} height={screen.status.height} compact={screen.status.compact} focused={state.focus === 'status'} />
			{screen.progress || screen.partial ? (
				<Box flexDirection={screen.arrangement === 'side-by-side' ? 'row' : 'column'}>
					{screen.progress ? (
						<ScrollPane
							title={`Progress${moreHint}`}
							focused={state.focus === 'progress' || (single && state.focus === 'status')}
							height={screen.progress.height}
							width={screen.progress.width}
							lines={progressContent.length > 0 ? progressContent : noProgress}
							offset={offsetOf('progress')}
						/>
					) : null}
					{screen.partial ? (
						<ScrollPane
							title={`${partialTitle}${moreHint}`}
							focused={state.focus === 'partial'}
							height={screen.partial.height}
							width={screen.partial.width}
							lines={partialContent}
							offset={offsetOf('partial')}
						/>
					) : null}
				</Box>
			) : null}
			{screen.questions ? (
				<QuestionsPane
					title={single ? `${pending.length > 0 ? `Questions (${pending.length} waiting)` : 'Questions'}${moreHint}` : undefined}
					focused={questionsFocused}
					height={screen.questions.height}
					rows={questionRows.rows}
					offset={questionsOffset}
					pendingCount={pending.length}
					width={questionWidth}
					editing={finished ? undefined : state.editing}
				/>
			) : null}
			<Box flexGrow={1} />
			{footer}
		</Box>
	);
}
