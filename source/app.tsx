import {Box} from 'ink';
import React, {useEffect, useMemo, useReducer} from 'react';
import type {StageLine} from './core/pipeline-runner.js';
import type {SessionSource} from './core/snapshot.js';
import {Footer} from './ui/components/footer.js';
import {HelpOverlay} from './ui/components/help-overlay.js';
import {QuestionsPane, answerLineRows} from './ui/components/questions-pane.js';
import {ScrollPane, paneChrome} from './ui/components/scroll-pane.js';
import {StatusPane, statusClock, statusDetail, statusPaneChrome} from './ui/components/status-pane.js';
import {useNow} from './ui/hooks/use-now.js';
import {Text} from './ui/components/text.js';
import {useSession} from './ui/hooks/use-session.js';
import {useTerminalSize} from './ui/hooks/use-terminal-size.js';
import type {Intent} from './ui/intents.js';
import {partialLines, progressLines, questionLines} from './ui/pane-lines.js';
import {useAppInput} from './ui/use-app-input.js';
import {appReducer, initialAppState, visibleOffset} from './ui/use-app-state.js';

/** One stage of a pipeline run, for the line above the panes. */
export type {StageLine} from './core/pipeline-runner.js';

const stageMarks: Record<StageLine['state'], string> = {done: '✓', current: '▶', pending: '○', failed: '✘'};

export type AppProps = {
	source: SessionSource;
	stages?: StageLine[];
	onIntent: (intent: Intent) => void;
	/** How the hand-off prompt was delivered, in one line. */
	promptNotice?: string;
	/** The last answer the edge refused or could not save (a new `seq` each time): shown under the answer line, the answer kept there. */
	answerRefusal?: AnswerRefusal;
};

export type AnswerRefusal = {id: string; answer: string; error: string; seq: number};

const clamp = (value: number, low: number, high: number): number => Math.max(low, Math.min(high, value));

export function App({source, onIntent, promptNotice, stages, answerRefusal}: AppProps): React.JSX.Element {
	const {snapshot, progress, outcome} = useSession(source);
	const {columns, rows} = useTerminalSize();
	const [state, dispatch] = useReducer(appReducer, initialAppState);
	const now = useNow(useMemo(() => statusClock(snapshot, outcome), [snapshot, outcome]));
	const pending = useMemo(() => snapshot?.questions.filter(question => !question.answer) ?? [], [snapshot]);
	const selected = clamp(state.selected, 0, Math.max(0, pending.length - 1));

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

	// Ink 6 redraws the whole screen when the frame is as tall as the terminal: stay one row short.
	const height = Math.max(10, rows - 1);
	const detail = statusDetail(snapshot, outcome, promptNotice);
	const statusHeight = statusPaneChrome + clamp(detail.length, 1, Math.max(1, Math.floor(height / 4)));
	const remaining = height - statusHeight - 2 - (stages ? 1 : 0);
	const questionsFocused = state.focus === 'questions';
	const questions = questionLines(snapshot?.questions ?? [], selected, state.picked, questionsFocused, state.pickRefused);
	const questionsHeight = clamp(questions.lines.length + paneChrome + answerLineRows(state.editing), 5, Math.max(5, Math.floor(remaining * 0.45)));
	const middle = Math.max(4, remaining - questionsHeight);
	const wide = columns >= 100;
	const progressHeight = wide ? middle : Math.ceil(middle / 2);
	const partialHeight = wide ? middle : middle - progressHeight;

	const progressContent = progressLines(progress);
	const partialContent = partialLines(snapshot?.partial);
	const geometry = {
		progress: {contentLines: progressContent.length, visibleLines: progressHeight - paneChrome},
		partial: {contentLines: partialContent.length, visibleLines: partialHeight - paneChrome},
		questions: {contentLines: questions.lines.length, visibleLines: questionsHeight - paneChrome},
	};
	const offsetOf = (pane: keyof typeof geometry): number => visibleOffset(state.scroll[pane], geometry[pane].contentLines, geometry[pane].visibleLines);
	// Keep the chosen question in view.
	const selectedStart = questions.pendingStarts[selected] ?? 0;
	const questionsOffset = questionsFocused && pending.length > 0 ? clamp(selectedStart, 0, Math.max(0, questions.lines.length - geometry.questions.visibleLines)) : offsetOf('questions');

	const finished = outcome !== undefined && outcome.kind !== 'retrying';
	useAppInput({state: {...state, selected}, dispatch, pending, geometry, onIntent, finished});

	const progressPane = (
		<ScrollPane
			title="Progress"
			focused={state.focus === 'progress'}
			height={progressHeight}
			width={wide ? Math.floor(columns * 0.55) : undefined}
			lines={progressContent.length > 0 ? progressContent : [{text: 'No progress reported yet.', dim: true}]}
			offset={offsetOf('progress')}
		/>
	);
	const partialPane = (
		<ScrollPane
			title={snapshot?.partial ? `Partial result · ${snapshot.partial.file}` : 'Partial result'}
			focused={state.focus === 'partial'}
			height={partialHeight}
			lines={partialContent}
			offset={offsetOf('partial')}
		/>
	);

	return (
		<Box flexDirection="column" width={columns} height={height}>
			<Text wrap="truncate-end">
				<Text bold color="cyan">handoff</Text>
				<Text dimColor>{` · ${snapshot?.manifest.task ?? ''} · ${snapshot?.name ?? ''}`}</Text>
			</Text>
			{stages ? (
				<Text wrap="truncate-end">
					{stages.map((stage, index) => (
						<Text key={stage.name} bold={stage.state === 'current'} dimColor={stage.state === 'pending'} color={stage.state === 'failed' ? 'red' : stage.state === 'done' ? 'green' : undefined}>
							{`${index > 0 ? '  ›  ' : ''}${stageMarks[stage.state]} ${stage.name}${stage.time ? ` (${stage.time})` : ''}`}
						</Text>
					))}
				</Text>
			) : null}
			<StatusPane snapshot={snapshot} outcome={outcome} now={now} notice={promptNotice} height={statusHeight} />
			{state.help ? (
				<HelpOverlay height={remaining} />
			) : (
				<>
					<Box flexDirection={wide ? 'row' : 'column'} height={middle}>
						{progressPane}
						{partialPane}
					</Box>
					<QuestionsPane
						focused={questionsFocused}
						height={questionsHeight}
						lines={questions.lines}
						offset={questionsOffset}
						pendingCount={pending.length}
						editing={state.editing}
						onEdit={text => {
							dispatch({type: 'edit', text});
						}}
						onSubmit={text => {
							// One send at a time: the draft stays until the question shows answered or the answer is refused.
							if (state.editing && !state.editing.sending && text.trim() !== '') {
								onIntent({type: 'answer', id: state.editing.id, answer: text.trim()});
								dispatch({type: 'sendDraft'});
							}
						}}
					/>
				</>
			)}
			<Footer confirmingCancel={state.confirmingCancel} editing={state.editing !== undefined} finished={finished} />
		</Box>
	);
}
