import {Box} from 'ink';
import React from 'react';
import type {DerivedState, Outcome, WorkspaceSnapshot} from '../../core/snapshot.js';
import {stateLabels} from '../../core/status.js';
import {formatDuration, formatMinutes} from '../../core/time.js';
import {isWorkspaceGone} from '../../core/workspace-presence.js';
import type {NextChange} from '../hooks/use-now.js';
import {Text} from './text.js';

const stateColors: Record<DerivedState, string> = {
	'not-started': 'gray',
	running: 'cyan',
	waiting: 'yellow',
	stalled: 'magenta',
	complete: 'green',
	failed: 'red',
	'timed-out': 'red',
	canceled: 'gray',
};

/** Rows the status pane spends besides its detail lines: border, state line, claim line. */
export const statusPaneChrome = 4;

function claimLine(snapshot: WorkspaceSnapshot, now: number): string {
	const {claim} = snapshot;
	if (!snapshot.signals.lock) {
		return 'not claimed yet';
	}

	const who = [claim?.tool, claim?.host, claim?.pid === undefined ? undefined : `pid ${claim.pid}`].filter(Boolean).join(', ');
	return `claimed${who ? ` by ${who}` : ''}${snapshot.claimedAt ? ` ${formatMinutes(now - snapshot.claimedAt)} ago` : ''}`;
}

function outcomeLines(outcome: Outcome): Array<{text: string; color: string}> {
	switch (outcome.kind) {
		case 'complete': {
			return [{text: `✔ Complete. Archived to ${outcome.archivePath}`, color: 'green'}, ...(outcome.warnings ?? []).map(warning => ({text: `  ${warning}`, color: 'yellow'}))];
		}

		case 'retrying': {
			return [
				{text: `↻ Result rejected (retry ${outcome.attempt} of ${outcome.maxRetries}); the consumer was told why in shared/rejection.md`, color: 'yellow'},
				...outcome.errors.map(error => ({text: `  ${error}`, color: 'yellow'})),
			];
		}

		case 'failed':
		case 'timed-out': {
			return [
				{text: `✘ ${outcome.kind === 'failed' ? 'Failed.' : 'Timed out.'}${isWorkspaceGone(outcome.errors) ? '' : ' The workspace is kept.'}`, color: 'red'},
				...outcome.errors.map(error => ({text: `  ${error}`, color: 'red'})),
			];
		}

		case 'canceled': {
			return [{text: 'Canceled. The workspace is kept.', color: 'gray'}, ...(outcome.errors ?? []).map(error => ({text: `  ${error}`, color: 'yellow'}))];
		}

		case 'internal-error': {
			return [
				{text: '✘ Stopped by an internal error in handoff. The workspace is as it was.', color: 'red'},
				...outcome.errors.map(error => ({text: `  ${error}`, color: 'red'})),
			];
		}
	}
}

/** The lines under the state: the outcome, warnings about files, and how the prompt was delivered. */
export function statusDetail(snapshot: WorkspaceSnapshot | undefined, outcome: Outcome | undefined, notice: string | undefined): Array<{text: string; color: string}> {
	if (outcome && outcome.kind !== 'retrying') {
		return outcomeLines(outcome);
	}

	const warnings = snapshot ? [...snapshot.inconsistencies, ...snapshot.problems.map(problem => `${problem.file}: ${problem.message}`)] : [];
	return [
		...(outcome ? outcomeLines(outcome) : []),
		...warnings.map(text => ({text: `! ${text}`, color: 'yellow'})),
		...(notice ? [{text: notice, color: 'gray'}] : []),
	];
}

function showsDeadline(snapshot: WorkspaceSnapshot, outcome: Outcome | undefined): boolean {
	return snapshot.deadline !== undefined && (!outcome || outcome.kind === 'retrying');
}

const minuteMs = 60_000;
const hourMs = 60 * minuteMs;

/** The next moment after `time` when a duration counted from `from` turns over a whole `unitMs`. */
const nextTurn = (time: number, from: number, unitMs: number): number => time + unitMs - ((((time - from) % unitMs) + unitMs) % unitMs);

/**
When the status pane's times next change: the time left each second in its last hour (formatDuration shows seconds only then), else once a minute (elapsed and claimed times are in minutes, the time left in hours and minutes), and never once the hand-off has ended. No animation redraws the screen between these moments.
*/
export function statusClock(snapshot: WorkspaceSnapshot | undefined, outcome: Outcome | undefined): NextChange {
	return time => {
		if (!snapshot || (outcome && outcome.kind !== 'retrying')) {
			return undefined;
		}

		const turns = [snapshot.createdAt, snapshot.claimedAt].filter(from => from !== undefined).map(from => nextTurn(time, from, minuteMs));
		if (showsDeadline(snapshot, outcome)) {
			const left = snapshot.deadline! - time;
			turns.push(left <= 0 ? Number.POSITIVE_INFINITY : nextTurn(time, snapshot.deadline!, left <= hourMs + minuteMs ? 1000 : minuteMs));
		}

		const next = Math.min(...turns);
		return Number.isFinite(next) ? next : undefined;
	};
}

type Props = {snapshot?: WorkspaceSnapshot; outcome?: Outcome; now: number; notice?: string; height: number};

export function StatusPane({snapshot, outcome, now, notice, height}: Props): React.JSX.Element {
	if (!snapshot) {
		return (
			<Box borderStyle="round" borderColor="gray" height={height} paddingX={1}>
				<Text>
					Reading the workspace…
				</Text>
			</Box>
		);
	}

	const {state} = snapshot;
	// Only the time left counts seconds; the rest changes once a minute (see statusClock).
	const elapsed = snapshot.createdAt === undefined ? undefined : formatMinutes(now - snapshot.createdAt);
	const left = showsDeadline(snapshot, outcome) ? (snapshot.deadline! > now ? `${formatDuration(snapshot.deadline! - now)} left` : 'no time left') : undefined;
	const detail = statusDetail(snapshot, outcome, notice);
	return (
		<Box flexDirection="column" borderStyle="round" borderColor={stateColors[state]} height={height} paddingX={1}>
			<Box>
				<Text color={stateColors[state]} bold>
					● {stateLabels[state]}
				</Text>
				<Text dimColor wrap="truncate-end">
					{`   ${snapshot.manifest.task}${elapsed ? ` · ${elapsed} since created` : ''}${left ? ` · ${left}` : ''}${snapshot.pendingQuestions > 0 ? ` · ${snapshot.pendingQuestions} question${snapshot.pendingQuestions === 1 ? '' : 's'} waiting` : ''}`}
				</Text>
			</Box>
			<Text dimColor wrap="truncate-end">{`${claimLine(snapshot, now)} · ${snapshot.workspace}`}</Text>
			{detail.slice(0, Math.max(0, height - statusPaneChrome)).map((line, index) => (
				<Text key={index} color={line.color} wrap="truncate-end">{line.text}</Text>
			))}
		</Box>
	);
}
