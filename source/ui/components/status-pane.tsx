import {Box} from 'ink';
import Spinner from 'ink-spinner';
import React from 'react';
import type {DerivedState, Outcome, WorkspaceSnapshot} from '../../core/snapshot.js';
import {stateLabels} from '../../core/status.js';
import {formatDuration} from '../../core/time.js';
import {isWorkspaceGone} from '../../core/workspace-presence.js';
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

const activeStates = new Set<DerivedState>(['not-started', 'running', 'waiting', 'stalled']);

export {statusPaneChrome} from '../layout.js';

function claimLine(snapshot: WorkspaceSnapshot): string {
	const {claim} = snapshot;
	if (!snapshot.signals.lock) {
		return 'not claimed yet';
	}

	const who = [claim?.tool, claim?.host, claim?.pid === undefined ? undefined : `pid ${claim.pid}`].filter(Boolean).join(', ');
	return `claimed${who ? ` by ${who}` : ''}${snapshot.claimedAt ? ` ${formatDuration(Date.now() - snapshot.claimedAt)} ago` : ''}`;
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

type Props = {
	snapshot?: WorkspaceSnapshot;
	outcome?: Outcome;
	now: number;
	notice?: string;
	height: number;
	/** One unbordered line (and one detail line) on a short screen. */
	compact?: boolean;
	focused?: boolean;
};

/** The state word and the facts after it on one row: the word never breaks or shrinks (it is what a glance looks for); the facts are cut at the edge. */
function StateRow({snapshot, outcome, now}: {snapshot: WorkspaceSnapshot; outcome?: Outcome; now: number}): React.JSX.Element {
	const {state} = snapshot;
	const elapsed = snapshot.createdAt === undefined ? undefined : formatDuration(now - snapshot.createdAt);
	const left = snapshot.deadline === undefined || (outcome && outcome.kind !== 'retrying') ? undefined : snapshot.deadline > now ? `${formatDuration(snapshot.deadline - now)} left` : 'no time left';
	const facts = [
		snapshot.pendingQuestions > 0 ? `${snapshot.pendingQuestions} question${snapshot.pendingQuestions === 1 ? '' : 's'} waiting` : undefined,
		left,
		elapsed ? `${elapsed} since created` : undefined,
		snapshot.manifest.task,
	].filter(Boolean).join(' · ');
	return (
		<Box>
			<Box flexShrink={0}>
				<Text color={stateColors[state]} bold wrap="truncate-end">
					{activeStates.has(state) && !outcome ? <Spinner type="dots" /> : '●'}
					{` ${stateLabels[state]}`}
				</Text>
			</Box>
			<Text dimColor wrap="truncate-end">{`   ${facts}`}</Text>
		</Box>
	);
}

export function StatusPane({snapshot, outcome, now, notice, height, compact = false, focused = false}: Props): React.JSX.Element {
	if (!snapshot) {
		return (
			<Box borderStyle={compact ? undefined : 'round'} borderColor="gray" height={height} paddingX={compact ? 0 : 1}>
				<Text wrap="truncate-end">
					<Spinner /> Reading the workspace…
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
			<Text dimColor wrap="truncate-end">{`${claimLine(snapshot)} · ${snapshot.workspace}`}</Text>
			{detail.slice(0, Math.max(0, height - statusPaneChrome)).map((line, index) => (
				<Text key={index} color={line.color} wrap="truncate-end">{line.text}</Text>
			))}
		</Box>
	);
}

/** Everything the status pane knows, for the detail view: the state, the claim, the workspace, and every detail line whole. */
export function statusLines(snapshot: WorkspaceSnapshot | undefined, outcome: Outcome | undefined, notice: string | undefined, now: number): Array<{text: string; color?: string; dim?: boolean}> {
	if (!snapshot) {
		return [{text: 'Reading the workspace…', dim: true}];
	}

	const left = snapshot.deadline === undefined || (outcome && outcome.kind !== 'retrying') ? undefined : snapshot.deadline > now ? `${formatDuration(snapshot.deadline - now)} left` : 'no time left';
	return [
		{text: `${stateLabels[snapshot.state]}${left ? ` · ${left}` : ''}`, color: stateColors[snapshot.state]},
		{text: `task ${snapshot.manifest.task}`, dim: true},
		{text: claimLine(snapshot), dim: true},
		{text: `workspace ${snapshot.workspace}`, dim: true},
		...(snapshot.errorMessage ? [{text: `.error: ${snapshot.errorMessage}`, color: 'red'}] : []),
		...statusDetail(snapshot, outcome, notice),
	];
}
