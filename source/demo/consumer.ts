/**
The simulated consumer behind `handoff demo`: a separate process that does only what any consumer does, through the workspace's files. It reads the person's answer from shared/answers.json and puts it into the result.

Usage: node consumer.js <workspace> <scenario>
*/
import path from 'node:path';
import {setTimeout as delay} from 'node:timers/promises';
import {readRejections} from '../core/completion.js';
import {askQuestions, awaitAnswers, claimTask, completeTask, failTask, publishPartial, reportProgress} from '../core/consumer.js';
import {layout} from '../core/paths.js';
import {writeFileAtomic, writeJsonAtomic} from '../core/safe-io.js';
import {isoTimestamp} from '../core/time.js';
import {demoScenarios, type DemoScenario} from './task.js';

const workspace = process.argv[2] ?? '';
const scenarioArgument = process.argv[3] ?? 'happy';
if (workspace === '' || !demoScenarios.includes(scenarioArgument as DemoScenario)) {
	process.stderr.write(`usage: consumer.js <workspace> <${demoScenarios.join('|')}>\n`);
	process.exit(2);
}

const scenario = scenarioArgument as DemoScenario;
/** Seconds between steps; HANDOFF_DEMO_PACE=0 makes tests fast. */
const pace = Number(process.env.HANDOFF_DEMO_PACE ?? 1);
/** How long one wait for the answer lasts before it times out and is run again, as an agent's `await --for` would: a few seconds, so the demo shows it. */
const waitSeconds = Math.max(0.5, 3 * pace);
const step = async (message: string, seconds = 1): Promise<void> => {
	await reportProgress(workspace, message);
	await delay(seconds * pace * 1000);
};

const resultFile = path.join(workspace, 'output/analysis.json');
const ticket = {entity: 'Ticket', field: 'status', states: ['open', 'in_progress', 'resolved', 'closed'], transition_count: 4};

/** The demo's consumer, as it names itself in `.lock` and metadata. Its pid makes its claim judgeable (stale when it dies). */
const demoConsumer = {tool: 'handoff-demo', model: 'simulated', pid: process.pid};

await claimTask(workspace, demoConsumer);
await step('Starting analysis...');
await step('Reading spec (input/SPEC.md)...');

if (scenario === 'fail') {
	await step('The spec has no entities I can analyse.');
	await failTask(workspace, 'The spec is too short to analyse', demoConsumer);
	process.exit(0);
}

if (scenario === 'timeout') {
	for (let i = 1; ; i++) {
		await step(`Still thinking (${i})...`, Math.max(2, 0.5 / Math.max(pace, 0.01)));
	}
}

await step('Extracting state machines...');
await publishPartial(workspace, JSON.stringify({state_machines: []}));
await step('Found 1 state machine (Ticket.status)');
await publishPartial(workspace, JSON.stringify({state_machines: [ticket]}));
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
		await reportProgress(workspace, `No answer to ${asked!.id} yet; waiting again`);
	}
}

await step(`Answer received: ${typeof profileEditing === 'string' ? profileEditing : JSON.stringify(profileEditing)}`);
await publishPartial(workspace, JSON.stringify({state_machines: [ticket], profile_editing: profileEditing}));
await step('Writing output...');

if (scenario === 'invalid') {
	// First attempt forgets a required field and signals without checking, as a plain-file consumer may: the producer sends it back.
	await writeJsonAtomic(resultFile, {state_machines: [ticket]});
	await writeFileAtomic(path.join(workspace, layout.done), `${isoTimestamp()}\n`);
	while ((await readRejections(workspace)).length === 0) {
		await delay(50);
	}

	await step('Result rejected; reading shared/rejection.md and fixing it...');
}

await writeJsonAtomic(resultFile, {state_machines: [ticket], profile_editing: profileEditing});
await reportProgress(workspace, 'Complete!');
const completion = await completeTask(workspace, demoConsumer);
if (!completion.valid) {
	await failTask(workspace, completion.errors.join('\n'), demoConsumer);
}
