import fs from 'node:fs';
import path from 'node:path';
import {beforeEach, describe, expect, test} from 'vitest';
import {archiveIndexName} from '../../source/core/archive.js';
import {createHandoff} from '../../source/core/create.js';
import {currentProducerHold} from '../../source/core/hold.js';
import {layout} from '../../source/core/paths.js';
import {producerStateDirectory} from '../../source/core/producer-state.js';
import {HandoffSession, type SessionOptions} from '../../source/core/session.js';
import type {Outcome} from '../../source/core/snapshot.js';
import {claimText} from '../../source/core/status.js';
import {resultSchema, useTempDirectories, waitFor} from './helpers.js';

const temporaryDirectory = useTempDirectories();
let base: string;
beforeEach(async () => {
	base = await temporaryDirectory();
});

const missingFieldError = 'output/analysis.json: /state_machines: missing required field "state_machines"';
const validResult = JSON.stringify({state_machines: [{entity: 'Ticket'}]});

type Context = {workspace: string; session: HandoffSession; write: (relativePath: string, content: string) => void; read: (relativePath: string) => string};

/** Creates a workspace as `handoff new` does, opens and starts a session on it, runs `fn`, and always closes the session. */
async function withSession(options: {maxRetries?: number; session?: SessionOptions; before?: (workspace: string) => void}, fn: (context: Context) => Promise<void>): Promise<void> {
	const {workspace} = await createHandoff({
		baseDirectory: base,
		task: 'analyze-spec',
		inputs: [{name: 'spec', file: 'SPEC.md', content: '# Spec\nTicket.status: open -> closed\n'}],
		schemaText: JSON.stringify(resultSchema),
		resultPath: 'output/analysis.json',
		maxRetries: options.maxRetries,
		command: [process.execPath, 'dist/cli.js'],
	});
	options.before?.(workspace);
	const session = await HandoffSession.open(workspace, options.session);
	try {
		await session.start();
		await fn({
			workspace,
			session,
			write: (relativePath, content) => {
				fs.writeFileSync(path.join(workspace, relativePath), content);
			},
			read: relativePath => fs.readFileSync(path.join(workspace, relativePath), 'utf8'),
		});
	} finally {
		await session.close();
	}
}

async function outcomeOf(session: HandoffSession, kind: Outcome['kind'], timeoutMs = 8000): Promise<Outcome> {
	return waitFor(() => {
		const {outcome} = session.getState();
		return outcome?.kind === kind ? outcome : undefined;
	}, timeoutMs, `outcome ${kind} (now ${JSON.stringify(session.getState().outcome)})`);
}

const archiveOf = (workspace: string): string => path.join(base, 'results', path.basename(workspace));

describe('HandoffSession', () => {
	test('a consumer that claims, reports progress, asks, and signals .done with a valid result: complete and archived', async () => {
		await withSession({}, async ({workspace, session, write, read}) => {
			const streamed: string[] = [];
			session.onProgress(lines => streamed.push(...lines.map(line => line.message)));
			expect(session.getState().snapshot?.state).toBe('not-started');
			expect(await currentProducerHold(workspace)).toMatchObject({pid: process.pid});
			expect((await currentProducerHold(workspace))?.released).toBeUndefined();

			write(layout.lock, claimText('test-consumer', process.pid));
			write(layout.status, 'RUNNING\n');
			fs.appendFileSync(path.join(workspace, layout.progress), '[2025-11-21 23:30:05] Starting analysis...\n');
			fs.appendFileSync(path.join(workspace, layout.progress), '[2025-11-21 23:30:08] Reading spec (12KB)...\n');
			write(layout.questions, JSON.stringify({questions: [{id: 'q1', text: 'Edit own profile?', options: ['Yes', 'No', 'Admin only']}]}));
			await waitFor(() => session.getState().snapshot?.state === 'waiting', 5000, 'waiting');
			expect(session.getState().snapshot?.pendingQuestions).toBe(1);

			await session.answer('q1', '1');
			expect(JSON.parse(read(layout.answers)).answers).toEqual([expect.objectContaining({id: 'q1', answer: 'Yes'})]);
			await waitFor(() => session.getState().snapshot?.state === 'running', 5000, 'running after the answer');

			write('output/analysis.partial.json', '{"state_machines": []}');
			await waitFor(() => session.getState().snapshot?.partial?.valid === true, 5000, 'the partial result');
			fs.appendFileSync(path.join(workspace, layout.progress), '[2025-11-21 23:30:47] Complete!\n');
			write('output/analysis.json', validResult);
			write(layout.done, '');

			const outcome = await session.finished;
			expect(outcome).toEqual({kind: 'complete', archivePath: archiveOf(workspace), resultPath: path.join(archiveOf(workspace), 'output/analysis.json')});
			expect(session.getState().outcome).toEqual(outcome);
			expect(streamed).toEqual(['Starting analysis...', 'Reading spec (12KB)...', 'Complete!']);
			expect(session.getState().progress.map(line => line.message)).toEqual(streamed);

			expect(fs.existsSync(workspace)).toBe(false);
			const archive = archiveOf(workspace);
			const inArchive = (relativePath: string): string => fs.readFileSync(path.join(archive, relativePath), 'utf8');
			expect(inArchive('output/analysis.json')).toBe(validResult);
			expect(inArchive(layout.status)).toBe('COMPLETE\n');
			expect(JSON.parse(inArchive(layout.answers)).answers[0]).toMatchObject({id: 'q1', answer: 'Yes'});
			expect(inArchive(layout.progress).split('\n').filter(Boolean)).toHaveLength(3);
			const metadata = JSON.parse(inArchive(layout.metadata));
			expect(metadata).toMatchObject({status: 'complete', result: {output_file: 'output/analysis.json', size_bytes: validResult.length, valid: true}, errors: []});
			expect(typeof metadata.started_at).toBe('string');
			expect(typeof metadata.completed_at).toBe('string');
			expect(fs.existsSync(path.join(archive, archiveIndexName))).toBe(true);
			// The producer state (record and hold) went with the workspace.
			expect(fs.existsSync(producerStateDirectory(workspace))).toBe(false);
		});
	});

	test('a result that was already signalled before the session started completes at once', async () => {
		await withSession({
			before(workspace) {
				fs.writeFileSync(path.join(workspace, 'output/analysis.json'), validResult);
				fs.writeFileSync(path.join(workspace, layout.done), '');
			},
		}, async ({workspace, session}) => {
			expect(await session.finished).toMatchObject({kind: 'complete', archivePath: archiveOf(workspace)});
		});
	});

	test('an invalid result with max_retries 1 is sent back (retrying, .done withdrawn, shared/rejection.md), and the fixed one completes', async () => {
		await withSession({maxRetries: 1}, async ({workspace, session, write, read}) => {
			write('output/analysis.json', '{"machines": []}');
			write(layout.done, '');
			const retrying = await outcomeOf(session, 'retrying');
			expect(retrying).toEqual({kind: 'retrying', attempt: 1, maxRetries: 1, errors: [missingFieldError]});
			expect(fs.existsSync(path.join(workspace, layout.done))).toBe(false);
			expect(fs.existsSync(path.join(workspace, layout.error))).toBe(false);
			const rejection = read(layout.rejection);
			expect(rejection).toContain('# Result rejected (attempt 1 of 1 retries)');
			expect(rejection).toContain(`- ${missingFieldError}`);
			expect(read(layout.status)).toBe('RUNNING\n');
			expect(read(layout.progress)).toContain('handoff: result rejected (1 error); see shared/rejection.md');
			await waitFor(() => session.getState().snapshot?.state === 'running', 5000, 'running again');

			write('output/analysis.json', validResult);
			write(layout.done, '');
			const outcome = await session.finished;
			expect(outcome.kind).toBe('complete');
			expect(fs.existsSync(workspace)).toBe(false);
			// The rejection is part of the record.
			expect(fs.readFileSync(path.join(archiveOf(workspace), layout.rejection), 'utf8')).toContain(missingFieldError);
			expect(fs.readFileSync(path.join(archiveOf(workspace), 'output/analysis.json'), 'utf8')).toBe(validResult);
		});
	});

	test('with its one retry used, a second invalid result fails', async () => {
		await withSession({maxRetries: 1}, async ({workspace, session, write}) => {
			write('output/analysis.json', '{}');
			write(layout.done, '');
			await outcomeOf(session, 'retrying');
			await waitFor(() => !fs.existsSync(path.join(workspace, layout.done)) && session.getState().snapshot?.state === 'running', 5000, 'the rejection');
			write('output/analysis.json', '{"state_machines": [{"entity": 1}]}');
			write(layout.done, '');
			expect(await session.finished).toEqual({kind: 'failed', errors: ['output/analysis.json: /state_machines/0/entity: must be string']});
			expect(fs.existsSync(workspace)).toBe(true);
		});
	});

	test('with no retries, an invalid result fails with the validator error naming the missing field', async () => {
		await withSession({}, async ({workspace, session, write, read}) => {
			write('output/analysis.json', '{"machines": []}');
			write(layout.done, '');
			const outcome = await session.finished;
			expect(outcome).toEqual({kind: 'failed', errors: [missingFieldError]});
			// Failed the way a seed producer sees it: .error, FAILED, and metadata with the error.
			expect(fs.existsSync(path.join(workspace, layout.done))).toBe(false);
			expect(read(layout.error)).toBe(`${missingFieldError}\n`);
			expect(read(layout.status)).toBe('FAILED\n');
			expect(JSON.parse(read(layout.metadata))).toMatchObject({status: 'failed', errors: [{type: 'validation_error', message: missingFieldError}]});
			expect(typeof JSON.parse(read(layout.metadata)).failed_at).toBe('string');
			expect(fs.existsSync(archiveOf(workspace))).toBe(false);
		});
	});

	test('.done without a result fails, naming the missing file', async () => {
		await withSession({}, async ({session, write}) => {
			write(layout.done, '');
			expect(await session.finished).toEqual({kind: 'failed', errors: ['output/analysis.json: is missing; write the result to this path']});
		});
	});

	test('a result that is a symlink is refused and never archived', async () => {
		await withSession({}, async ({workspace, session, write}) => {
			fs.writeFileSync(path.join(base, 'secret.json'), validResult);
			fs.symlinkSync(path.join(base, 'secret.json'), path.join(workspace, 'output/analysis.json'));
			write(layout.done, '');
			expect(await session.finished).toEqual({kind: 'failed', errors: ['the result path "output/analysis.json" goes through a symlink that leaves the workspace']});
			expect(fs.existsSync(archiveOf(workspace))).toBe(false);
		});
	});

	test('.error fails with its message, and the consumer\'s metadata errors', async () => {
		await withSession({}, async ({workspace, session, write}) => {
			write(layout.metadata, JSON.stringify({status: 'failed', errors: [{type: 'validation_error', message: 'Output JSON does not match schema', details: 'Missing required field: \'state_machines\''}]}));
			write(layout.error, 'Could not parse SPEC.md: unexpected heading\n');
			expect(await session.finished).toEqual({
				kind: 'failed',
				errors: ['Could not parse SPEC.md: unexpected heading', 'Output JSON does not match schema: Missing required field: \'state_machines\''],
			});
			expect(fs.existsSync(workspace)).toBe(true);
		});
	});

	test('.done and .error together fail as an inconsistency and archive nothing', async () => {
		await withSession({}, async ({workspace, session, write}) => {
			write('output/analysis.json', validResult);
			write(layout.error, 'gave up\n');
			write(layout.done, '');
			const outcome = await session.finished;
			expect(outcome.kind).toBe('failed');
			expect((outcome as {errors: string[]}).errors).toEqual(['gave up', expect.stringContaining('.done and .error are both present')]);
			expect(fs.existsSync(archiveOf(workspace))).toBe(false);
		});
	});

	test('options.timeoutSeconds runs out: timed-out, and the workspace is kept', async () => {
		await withSession({session: {timeoutSeconds: 1}}, async ({workspace, session}) => {
			const outcome = await session.finished;
			expect(outcome).toEqual({kind: 'timed-out', errors: ['no result within 1 s (constraints.timeout_seconds); the workspace is kept']});
			expect(session.getState().snapshot?.state).toBe('timed-out');
			expect(fs.existsSync(path.join(workspace, layout.manifest))).toBe(true);
		});
	});

	test('cancel() marks the hand-off CANCELED and settles as canceled', async () => {
		await withSession({}, async ({workspace, session, read}) => {
			await session.cancel();
			expect(await session.finished).toEqual({kind: 'canceled'});
			expect(read(layout.status)).toBe('CANCELED\n');
			expect(fs.existsSync(workspace)).toBe(true);
		});
	});

	test('a progress line is published, and the snapshot read after it: its activity time moves, and a progress.txt swapped for a link is told once in the progress', async () => {
		await withSession({}, async ({workspace, session}) => {
			const progressFile = path.join(workspace, layout.progress);
			fs.appendFileSync(progressFile, '[2026-11-24 22:00:00] Reading the spec\n');
			await waitFor(() => session.getState().progress.some(line => line.message.includes('Reading the spec')), 5000, 'the progress line');
			const written = fs.statSync(progressFile).mtimeMs;
			await waitFor(() => (session.getState().snapshot?.lastActivityAt ?? 0) >= written, 5000, 'the activity time of the line');

			fs.rmSync(progressFile);
			fs.symlinkSync('/etc/hostname', progressFile);
			const refusal = `${layout.progress}: is a symlink; refusing to follow it`;
			await waitFor(() => session.getState().progress.some(line => line.source === 'handoff' && line.message === refusal), 5000, refusal);
			// Another event on the link: the tail is refused again (the snapshot read after it shows it ran), and says nothing new.
			const later = new Date(Date.now() + 60_000);
			fs.lutimesSync(progressFile, later, later);
			const touched = fs.lstatSync(progressFile).mtimeMs;
			await waitFor(() => (session.getState().snapshot?.lastActivityAt ?? 0) >= touched, 5000, 'the snapshot read after the second refusal');
			expect(session.getState().progress.filter(line => line.message === refusal)).toHaveLength(1);
		});
	});

	test('a second session on the same workspace is refused while the first is open; close releases the hold', async () => {
		let workspaceOfFirst = '';
		await withSession({}, async ({workspace}) => {
			workspaceOfFirst = workspace;
			const second = await HandoffSession.open(workspace);
			try {
				await expect(second.start()).rejects.toThrow('is already being watched by handoff');
			} finally {
				await second.close();
			}

			expect(await currentProducerHold(workspace)).toMatchObject({pid: process.pid});
			expect((await currentProducerHold(workspace))?.released).toBeUndefined();
		});
		expect(await currentProducerHold(workspaceOfFirst)).toMatchObject({pid: process.pid, released: true});
	});

	test('open() refuses a workspace made by another producer whose schema is broken, and records nothing', async () => {
		const {workspace} = await createHandoff({baseDirectory: base, task: 't', inputs: [], schemaText: '{"type": "object"}', command: ['handoff']});
		// Another producer (the seed's Python) makes no producer record.
		fs.rmSync(producerStateDirectory(workspace), {recursive: true});
		fs.writeFileSync(path.join(workspace, layout.schema), '{"type": ');
		await expect(HandoffSession.open(workspace)).rejects.toThrow('input/schema.json: is not valid JSON');
		expect(fs.existsSync(producerStateDirectory(workspace))).toBe(false);
	});

	test('a schema broken after creation is the consumer\'s doing: reported, and the recorded schema is used', async () => {
		await withSession({}, async ({workspace, session, write}) => {
			write(layout.schema, '{"type": ');
			await waitFor(() => session.getState().snapshot?.problems.some(problem => problem.file === layout.schema), 5000, 'the schema problem');
			expect(session.getState().snapshot?.problems).toContainEqual({file: layout.schema, message: 'was changed after the hand-off was set up; the change is refused and handoff keeps using the recorded version'});
			write('output/analysis.json', '{}');
			write(layout.done, '');
			expect(await session.finished).toEqual({kind: 'failed', errors: [missingFieldError]});
			expect(fs.existsSync(workspace)).toBe(true);
		});
	});
});
