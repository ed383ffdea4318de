import {Box} from 'ink';
import React, {useMemo} from 'react';
import type {DerivedState, Outcome, WorkspaceSnapshot} from '../../core/snapshot.js';
import {stateLabels} from '../../core/status.js';
import {formatDuration, formatMinutes} from '../../core/time.js';
import {isWorkspaceGone} from '../../core/workspace-presence.js';
import {nextTurn, useNow, type NextChange} from '../hooks/use-now.js';
import {statusPaneChrome} from '../layout.js';
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

export {statusPaneChrome} from '../layout.js';

function claimLine(snapshot: WorkspaceSnapshot, now: number): string {
	const {claim} = snapshot;
	if (!snapshot.signals.lock) {
		return 'not claimed yet';
	}

	const who = [claim?.tool, claim?.host, claim?.pid === undefined ? undefined : `pid ${claim.pid}`].filter(Boolean).join(', ');
	return `claimed${who ? ` by ${who}` : ''}${snapshot.claimedAt ? ` ${ago(now - snapshot.claimedAt)}` : ''}`;
}

/** "just now" under a minute, else "3m ago": times here change once a minute, and "0m ago" reads like nothing happened. */
function ago(milliseconds: number): string {
	return milliseconds < minuteMs ? 'just now' : `${formatMinutes(milliseconds)} ago`;
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
/**
The time left counts seconds only in the last ten minutes: before, a second-by-second countdown is noise to a person glancing over, and each tick costs a whole frame of Ink's output (about 0.6% of a core while it runs).
*/
const secondsShownWithinMs = 10 * minuteMs;

/**
When the status pane's times next change: the time left each second in its last ten minutes, else once a minute (elapsed and claimed times are in minutes, the time left in hours and minutes), and never once the hand-off has ended. No animation redraws the screen between these moments.
*/
export function statusClock(snapshot: WorkspaceSnapshot | undefined, outcome: Outcome | undefined): NextChange {
	return time => {
		if (!snapshot || (outcome && outcome.kind !== 'retrying')) {
			return undefined;
		}

		const turns = [snapshot.createdAt, snapshot.claimedAt].filter(from => from !== undefined).map(from => nextTurn(time, from, minuteMs));
		if (showsDeadline(snapshot, outcome)) {
			const left = snapshot.deadline! - time;
			turns.push(left <= 0 ? Number.POSITIVE_INFINITY : nextTurn(time, snapshot.deadline!, left <= secondsShownWithinMs ? 1000 : minuteMs));
		}

		const next = Math.min(...turns);
		return Number.isFinite(next) ? next : undefined;
	};
}

/** The time left, while the hand-off can still end by its deadline. */
function leftText(snapshot: WorkspaceSnapshot, outcome: Outcome | undefined, now: number): string | undefined {
	if (!showsDeadline(snapshot, outcome)) {
		return undefined;
	}

	const left = snapshot.deadline! - now;
	return left > 0 ? `${left <= secondsShownWithinMs ? formatDuration(left) : formatMinutes(left)} left` : 'no time left';
}

type Props = {
	snapshot?: WorkspaceSnapshot;
	outcome?: Outcome;
	notice?: string;
	height: number;
	/** One unbordered line (and one detail line) on a short screen. */
	compact?: boolean;
	focused?: boolean;
};

/** The state word and the facts after it on one row: the word never breaks or shrinks (it is what a glance looks for); the facts are cut at the edge. */
function StateRow({snapshot, outcome, now}: {snapshot: WorkspaceSnapshot; outcome?: Outcome; now: number}): React.JSX.Element {
	const {state} = snapshot;
	// Only the time left counts seconds; the rest changes once a minute (see statusClock).
	const elapsed = snapshot.createdAt === undefined ? undefined : now - snapshot.createdAt;
	const left = leftText(snapshot, outcome, now);
	const facts = [
		snapshot.pendingQuestions > 0 ? `${snapshot.pendingQuestions} question${snapshot.pendingQuestions === 1 ? '' : 's'} waiting` : undefined,
		left,
		elapsed === undefined ? undefined : (elapsed < minuteMs ? 'created just now' : `${formatMinutes(elapsed)} since created`),
		snapshot.manifest.task,
	].filter(Boolean).join(' · ');
	return (
		<Box>
			<Box flexShrink={0}>
				<Text color={stateColors[state]} bold wrap="truncate-end">
					●
					{` ${stateLabels[state]}`}
				</Text>
			</Box>
			<Text dimColor wrap="truncate-end">{`   ${facts}`}</Text>
		</Box>
	);
}

/**
The status pane keeps its own clock (see statusClock): in a deadline's last ten minutes the time left changes every second, and only this pane draws again for it, not the screen around it (memo: the props do not change with the time).
*/
export const StatusPane = React.memo(function StatusPane({snapshot, outcome, notice, height, compact = false, focused = false}: Props): React.JSX.Element {
	const now = useNow(useMemo(() => statusClock(snapshot, outcome), [snapshot, outcome]));
	if (!snapshot) {
		return (
			<Box borderStyle={compact ? undefined : 'round'} borderColor="gray" height={height} paddingX={compact ? 0 : 1}>
				<Text wrap="truncate-end">
					Reading the workspace…
				</Text>
			</Box>
		);
	}

	const detail = statusDetail(snapshot, outcome, notice);
	if (compact) {
		return (
			<Box flexDirection="column" height={height}>
				<StateRow snapshot={snapshot} outcome={outcome} now={now} />
				{detail.slice(0, Math.max(0, height - 1)).map((line, index) => (
					<Text key={index} color={line.color} wrap="truncate-end">{line.text}</Text>
				))}
			</Box>
		);
	}

	return (
		<Box flexDirection="column" borderStyle="round" borderColor={focused ? 'cyan' : stateColors[snapshot.state]} height={height} paddingX={1}>
			<StateRow snapshot={snapshot} outcome={outcome} now={now} />
			<Text dimColor wrap="truncate-end">{`${claimLine(snapshot, now)} · ${snapshot.workspace}`}</Text>
			{detail.slice(0, Math.max(0, height - statusPaneChrome)).map((line, index) => (
				<Text key={index} color={line.color} wrap="truncate-end">{line.text}</Text>
			))}
		</Box>
	);
});

/** Everything the status pane knows, for the detail view: the state, the claim, the workspace, and every detail line whole. */
export function statusLines(snapshot: WorkspaceSnapshot | undefined, outcome: Outcome | undefined, notice: string | undefined, now: number): Array<{text: string; color?: string; dim?: boolean}> {
	if (!snapshot) {
		return [{text: 'Reading the workspace…', dim: true}];
	}

	const left = leftText(snapshot, outcome, now);
	return [
		{text: `${stateLabels[snapshot.state]}${left ? ` · ${left}` : ''}`, color: stateColors[snapshot.state]},
		{text: `task ${snapshot.manifest.task}`, dim: true},
		{text: claimLine(snapshot, now), dim: true},
		{text: `workspace ${snapshot.workspace}`, dim: true},
		...(snapshot.errorMessage ? [{text: `.error: ${snapshot.errorMessage}`, color: 'red'}] : []),
		...statusDetail(snapshot, outcome, notice),
	];
}
