import {Box} from 'ink';
import React from 'react';
import type {DerivedState, Outcome, WorkspaceSnapshot} from '../../core/snapshot.js';
import {stateLabels} from '../../core/status.js';
import {formatDuration, formatMinutes} from '../../core/time.js';
import {isWorkspaceGone} from '../../core/workspace-presence.js';
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

/**
How often the status pane's times change, and from when: every second on the deadline while the time left is shown, else every minute (elapsed and claimed times are in minutes), and never once the hand-off has ended. No animation redraws the screen between these ticks.
*/
export function screenClock(snapshot: WorkspaceSnapshot | undefined, outcome: Outcome | undefined): {intervalMs: number | false; phaseMs: number} {
	if (!snapshot || (outcome && outcome.kind !== 'retrying')) {
		return {intervalMs: false, phaseMs: 0};
	}

	return showsDeadline(snapshot, outcome) ? {intervalMs: 1000, phaseMs: snapshot.deadline! % 1000} : {intervalMs: 60_000, phaseMs: (snapshot.createdAt ?? 0) % 60_000};
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
	// Only the time left counts seconds; the rest changes once a minute (see screenClock).
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
