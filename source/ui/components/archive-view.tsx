import {Box, useInput} from 'ink';
import React, {useMemo, useState} from 'react';
import type {ArchiveRecord, ArchivedText} from '../../core/archive-record.js';
import type {Line} from '../pane-lines.js';
import {useTerminalSize} from '../hooks/use-terminal-size.js';
import {Text} from './text.js';

export type ArchiveViewIntent = {type: 'quit'} | {type: 'suspend'};

const stateColors: Record<string, string> = {complete: 'green', failed: 'red', canceled: 'gray'};

function fileLines(part: ArchivedText | undefined, missing: string): Line[] {
	if (!part) {
		return [{text: missing, dim: true}];
	}

	if (part.text === undefined) {
		return [{text: `${part.file}: ${part.error ?? 'not readable'}`, color: 'yellow'}];
	}

	return part.text.split('\n').map(text => ({text}));
}

/** The record as lines, section by section: what the view scrolls through, and what `watch` prints without a terminal. */
export function archiveLines(record: ArchiveRecord): Line[] {
	const section = (title: string): Line => ({text: `── ${title}`, bold: true, color: 'cyan'});
	const answered = record.questions.map(question => question.answer
		? {text: `✓ [${question.id}] ${question.text} → ${String(question.answer.answer)}`}
		: {text: `? [${question.id}] ${question.text} · never answered`, dim: true});
	return [
		{text: `● ${record.state ?? 'state unknown'}`, bold: true, color: stateColors[record.state ?? ''] ?? 'yellow'},
		{text: `archived ${record.archivedAt ?? '(time unknown)'} to ${record.path}`, dim: true},
		...(record.workspace ? [{text: `from ${record.workspace}`, dim: true}] : []),
		record.altered.length === 0
			? {text: '✓ every file matches archive.json', color: 'green'}
			: {text: `! ${record.altered.length} file${record.altered.length === 1 ? '' : 's'} no longer match archive.json: ${record.altered.join(', ')}`, color: 'red'},
		...record.problems.map(problem => ({text: `! ${problem}`, color: 'yellow'})),
		{text: ''},
		section(`Result${record.result ? ` · ${record.result.file}` : ''}`),
		...fileLines(record.result, 'No result file is named by the archived manifest.'),
		{text: ''},
		section('Answers'),
		...(answered.length > 0 ? answered : [{text: 'No questions were asked.', dim: true}]),
		{text: ''},
		section('Progress'),
		...(record.progress.length > 0 ? record.progress.map(line => ({text: line.time ? `${line.time}  ${line.message}` : line.message})) : [{text: 'No progress was reported.', dim: true}]),
		{text: ''},
		section('Metadata · output/metadata.json'),
		...fileLines(record.metadata, 'No metadata.json in the archive.'),
	];
}

/**
`watch` on an archive: the record, read only. It scrolls by line (long lines wrap, so nothing is cut), and nothing the keys do writes anything.
*/
export function ArchiveView({record, onIntent}: {record: ArchiveRecord; onIntent: (intent: ArchiveViewIntent) => void}): React.JSX.Element {
	const {columns, rows} = useTerminalSize();
	// A result can be megabytes: split once, not on every key.
	const lines = useMemo(() => archiveLines(record), [record]);
	// Ink 6 redraws the whole screen when the frame is as tall as the terminal: stay one row short.
	const height = Math.max(3, rows - 1);
	// Rows for lines: all but the title, the footer and the border's two.
	const page = Math.max(1, height - 4);
	const [offset, setOffset] = useState(0);
	// The last page stays full: scrolling stops where the last line is at the bottom (a wrapped line takes more rows; then it is nearer the top).
	const scrollTo = (next: number): void => {
		setOffset(Math.max(0, Math.min(lines.length - page, next)));
	};

	useInput((input, key) => {
		if (key.upArrow) {
			scrollTo(offset - 1);
		} else if (key.downArrow) {
			scrollTo(offset + 1);
		} else if (key.pageUp) {
			scrollTo(offset - page);
		} else if (key.pageDown || input === ' ') {
			scrollTo(offset + page);
		} else if (key.home) {
			scrollTo(0);
		} else if (key.end) {
			scrollTo(lines.length - page);
		} else if (key.ctrl && input === 'z') {
			onIntent({type: 'suspend'});
		} else if (input === 'q' || key.escape || (key.ctrl && input === 'c')) {
			onIntent({type: 'quit'});
		}
	});

	return (
		<Box flexDirection="column" width={columns} height={height}>
			<Text wrap="truncate-end">
				<Text bold color="cyan">handoff</Text>
				<Text dimColor>{` · archive (read only) · ${record.task} · ${record.path}`}</Text>
			</Text>
			<Box flexDirection="column" flexGrow={1} overflowY="hidden" borderStyle="round" borderColor="gray" paddingX={1}>
				{/* Rows that do not fit are cut at the bottom, never squeezed into each other. */}
				{lines.slice(offset, offset + height).map((line, index) => (
					<Box key={offset + index} flexShrink={0}>
						<Text wrap="wrap" color={line.color} dimColor={line.dim} bold={line.bold}>
							{line.text === '' ? ' ' : line.text}
						</Text>
					</Box>
				))}
			</Box>
			<Text dimColor wrap="truncate-end">{`q quit · ↑↓ PgUp PgDn scroll · line ${Math.min(offset + 1, lines.length)}/${lines.length}`}</Text>
		</Box>
	);
}
