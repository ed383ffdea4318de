/**
The simulated consumer behind `handoff demo`: a separate process that does only what any consumer does, through the workspace's files. It reads the person's answer from shared/answers.json and puts it into the result.

Usage: node consumer.js <workspace> <scenario>
*/
import fs from 'node:fs/promises';
import path from 'node:path';
import {setTimeout as delay} from 'node:timers/promises';
import {readRejections} from '../core/completion.js';
import {layout} from '../core/paths.js';
import {appendProgress} from '../core/progress.js';
import {askQuestions, awaitAnswers} from '../core/consumer.js';
import {createExclusive, writeFileAtomic, writeJsonAtomic} from '../core/safe-io.js';
import {writeMetadata} from '../core/metadata.js';
import {claimText, writeStatus} from '../core/status.js';
import {isoTimestamp} from '../core/time.js';
import {demoScenarios, type DemoScenario} from './task.js';

const workspace = process.argv[2] ?? '';
const scenarioArgument = process.argv[3] ?? 'happy';
if (workspace === '' || !demoScenarios.includes(scenarioArgument as DemoScenario)) {
	process.stderr.write(`usage: consumer.js <workspace> <${demoScenarios.join('|')}>\n`);
	process.exit(2);
}

const scenario = scenarioArgument as DemoScenario;
const startedAt = isoTimestamp();
/** Seconds between steps; HANDOFF_DEMO_PACE=0 makes tests fast. */
const pace = Number(process.env.HANDOFF_DEMO_PACE ?? 1);
/** How long one wait for the answer lasts before it times out and is run again, as an agent's `await --for` would: a few seconds, so the demo shows it. */
const waitSeconds = Math.max(0.5, 3 * pace);
const step = async (message: string, seconds = 1): Promise<void> => {
	await appendProgress(workspace, message);
	await delay(seconds * pace * 1000);
};

const resultFile = path.join(workspace, 'output/analysis.json');
const partialFile = path.join(workspace, 'output/analysis.partial.json');
const ticket = {entity: 'Ticket', field: 'status', states: ['open', 'in_progress', 'resolved', 'closed'], transition_count: 4};

async function finish(result: unknown): Promise<void> {
	await writeJsonAtomic(resultFile, result);
	const size = (await fs.stat(resultFile)).size;
	await writeMetadata(workspace, {
		status: 'complete',
		startedAt,
		execution: {tool: 'handoff-demo', version: '1.0', model: 'simulated'},
		result: {output_file: 'output/analysis.json', size_bytes: size, valid: true},
	});
	await writeStatus(workspace, 'COMPLETE');
	await writeFileAtomic(path.join(workspace, layout.done), `${isoTimestamp()}\n`);
}

await createExclusive(path.join(workspace, layout.lock), claimText('handoff-demo', process.pid));
await writeStatus(workspace, 'RUNNING');
await step('Starting analysis...');
await step('Reading spec (input/SPEC.md)...');

if (scenario === 'fail') {
	await step('The spec has no entities I can analyse.');
	await writeMetadata(workspace, {status: 'failed', startedAt, errors: [{type: 'consumer_error', message: 'The spec is too short to analyse'}]});
	await writeFileAtomic(path.join(workspace, layout.error), 'The spec is too short to analyse\n');
	await writeStatus(workspace, 'FAILED');
	process.exit(0);
}

if (scenario === 'timeout') {
	for (let i = 1; ; i++) {
		await step(`Still thinking (${i})...`, Math.max(2, 0.5 / Math.max(pace, 0.01)));
	}
}

await step('Extracting state machines...');
await writeJsonAtomic(partialFile, {state_machines: []});
await step('Found 1 state machine (Ticket.status)');
await writeJsonAtomic(partialFile, {state_machines: [ticket]});
await step('The spec does not say who may edit profiles; asking.');
const question = {
	id: 'profile_editing',
	text: 'Who should be able to edit a user profile?',
	options: ['The user themselves', 'Admins only', 'Both'],
};
let profileEditing: unknown;
// As a real agent under a tool's time limit does: ask, wait a short while, and when the wait runs out ask the same question again (idempotent: nothing is added) and wait again.
for (let round = 1; profileEditing === undefined; round++) {
	const [asked] = await askQuestions(workspace, [question]);
	const outcome = await awaitAnswers(workspace, [asked!.id], {forMs: waitSeconds * 1000});
	if (outcome.kind === 'answered') {
		profileEditing = outcome.answers[0]!.answer;
	} else if (outcome.kind === 'ended') {
		process.exit(0);
	} else if (round % 10 === 1) {
		// The first time-out, then every tenth: enough to show the wait is bounded without burying the other progress.
		await appendProgress(workspace, `No answer to ${asked!.id} yet; waiting again`);
	}
}

await step(`Answer received: ${typeof profileEditing === 'string' ? profileEditing : JSON.stringify(profileEditing)}`);
await writeJsonAtomic(partialFile, {state_machines: [ticket], profile_editing: profileEditing});
await step('Writing output...');

if (scenario === 'invalid') {
	// First attempt forgets a required field; the producer sends it back.
	await finish({state_machines: [ticket]});
	while ((await readRejections(workspace)).length === 0) {
		await delay(50);
	}

	await step('Result rejected; reading shared/rejection.md and fixing it...');
}

await finish({state_machines: [ticket], profile_editing: profileEditing});
await appendProgress(workspace, 'Complete!');
