import React from 'react';
import type {Line} from '../pane-lines.js';
import type {AnswerDraft} from '../use-app-state.js';
import {AnswerLine, answerLineRows} from './answer-line.js';
import {ScrollPane} from './scroll-pane.js';

type Props = {
	title?: string;
	focused: boolean;
	height: number;
	/** The questions, wrapped to the pane (every word of a long question is on screen, scrolling if need be). */
	rows: Line[];
	offset: number;
	pendingCount: number;
	width: number;
	editing?: AnswerDraft;
};

export const QuestionsPane = React.memo(function QuestionsPane({title, focused, height, rows, offset, pendingCount, width, editing}: Props): React.JSX.Element {
	return (
		<ScrollPane
			title={title ?? (pendingCount > 0 ? `Questions (${pendingCount} waiting)` : 'Questions')}
			focused={focused}
			height={height}
			lines={rows}
			offset={offset}
			mark={pendingCount > 0 && title === undefined ? {text: 'the consumer is waiting for you', color: 'yellow'} : undefined}
			footer={editing ? <AnswerLine editing={editing} width={width} /> : undefined}
			footerLines={answerLineRows(editing)}
		/>
	);
});

export {answerLineRows} from './answer-line.js';
