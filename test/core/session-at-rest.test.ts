import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, test, vi} from 'vitest';
import {createHandoff} from '../../source/core/create.js';
import {processStartTicks} from '../../source/core/hold.js';
import {layout} from '../../source/core/paths.js';
import {ProgressTail} from '../../source/core/progress.js';
import {HandoffSession, type SessionOptions} from '../../source/core/session.js';
import {SnapshotReader} from '../../source/core/snapshot-reader.js';
import {WorkspacePresence} from '../../source/core/workspace-presence.js';
import {exited, resultSchema, settlesWithin, startNode, useTempDirectories, waitFor} from './helpers.js';

const temporaryDirectory = useTempDirectories();
let base: string;
beforeEach(async () => {
	base = await temporaryDirectory();
});

afterEach(() => {
	vi.restoreAllMocks();
});

/** Long enough that nothing in a test is caught by the heartbeat: only file events can show it. */
const never = 60 * 60 * 1000;

async function openSession(workspace: string, options: SessionOptions): Promise<HandoffSession> {
	const session = await HandoffSession.open(workspace, options);
	sessions.push(session);
	await session.start();
	return session;
}

const sessions: HandoffSession[] = [];
afterEach(async () => {
	for (const session of sessions.splice(0)) {
		await session.close();
	}
});

async function newWorkspace(baseDirectory = base): Promise<string> {
	const {workspace} = await createHandoff({baseDirectory, task: 'quiet', inputs: [], schemaText: JSON.stringify(resultSchema), resultPath: 'output/analysis.json', command: ['handoff']});
	return workspace;
}

/** A `.lock` as `handoff claim` writes it for a consumer process `pid` of this host. */
function claimFor(workspace: string, pid: number): void {
	fs.writeFileSync(path.join(workspace, layout.lock), JSON.stringify({claimed_at: new Date().toISOString(), host: os.hostname(), pid, pid_start: processStartTicks(pid), tool: 'test'}));
}

const progressOf = (session: HandoffSession): string[] => session.getState().progress.map(line => line.message);

describe('a session at rest', () => {
	test('reads neither the workspace nor progress.txt between events: its heartbeat only looks at what sends no event', async () => {
		const workspace = await newWorkspace();
		const consumer = await startNode('setInterval(() => {}, 1000)');
		claimFor(workspace, consumer.pid!);
		const reads = vi.spyOn(SnapshotReader.prototype, 'read');
		const tails = vi.spyOn(ProgressTail.prototype, 'read');
		const looks = vi.spyOn(WorkspacePresence.prototype, 'check');
		const session = await openSession(workspace, {heartbeatMs: 10});
		await waitFor(() => session.getState().snapshot?.claim?.stale === false, 5000, 'the live claim');
		// Start-up work done (a read may still be settling): count from here.
		await waitFor(() => looks.mock.calls.length >= 3, 5000, 'the first heartbeats');
		const readsBefore = reads.mock.calls.length;
		const tailsBefore = tails.mock.calls.length;
		const looksBefore = looks.mock.calls.length;
		await waitFor(() => looks.mock.calls.length >= looksBefore + 30, 10_000, 'thirty heartbeats');
		expect(reads.mock.calls.length).toBe(readsBefore);
		expect(tails.mock.calls.length).toBe(tailsBefore);

		// The spies do see reads: a progress line is read, and shown, at once.
		fs.appendFileSync(path.join(workspace, layout.progress), '[2026-01-01 00:00:00] Reading the spec\n');
		await waitFor(() => progressOf(session).includes('Reading the spec'), 5000, 'the progress line');
		expect(reads.mock.calls.length).toBeGreaterThan(readsBefore);
		expect(tails.mock.calls.length).toBeGreaterThan(tailsBefore);
	});

	test('a claimant whose process ends while nothing else changes is reported stale at the next heartbeat', async () => {
		const workspace = await newWorkspace();
		const consumer = await startNode('setInterval(() => {}, 1000)');
		claimFor(workspace, consumer.pid!);
		const session = await openSession(workspace, {heartbeatMs: 50});
		await waitFor(() => session.getState().snapshot?.claim?.stale === false, 5000, 'the live claim');
		consumer.kill('SIGKILL');
		await exited(consumer);
		const snapshot = await waitFor(() => (session.getState().snapshot?.claim?.stale ? session.getState().snapshot : undefined), 5000, 'the stale claim');
		expect(snapshot.problems).toEqual([{file: layout.lock, message: `stale: the claimant (pid ${consumer.pid}) is no longer running; it may have crashed`}]);
		expect(session.getState().outcome).toBeUndefined();
	});

	test('a workspace whose parent folder is renamed (no event in the workspace) ends the session, naming where it went', async () => {
		const parent = path.join(base, 'project');
		const workspace = await newWorkspace(parent);
		const session = await openSession(workspace, {heartbeatMs: 50});
		fs.renameSync(parent, `${parent}-moved`);
		const outcome = await settlesWithin(session.finished, 5000, 'the session');
		expect(outcome).toEqual({kind: 'failed', errors: [`the workspace was moved or renamed to ${workspace.replace(parent, `${parent}-moved`)} (it was ${workspace})`]});
	});
});

describe('the watches follow the folders, with no heartbeat to catch what they miss', () => {
	test('a folder the system will not watch (no inotify watches left): the heartbeat reads it, so its questions still show', async () => {
		const workspace = await newWorkspace();
		const shared = path.join(workspace, layout.shared);
		const watch = fs.watch.bind(fs);
		// The fault injected: fs.watch refuses shared/ as it does when max_user_watches is reached.
		vi.spyOn(fs, 'watch').mockImplementation(((folder: fs.PathLike, ...rest: unknown[]) => {
			if (String(folder) === shared) {
				throw Object.assign(new Error('ENOSPC: System limit for number of file watchers reached'), {code: 'ENOSPC'});
			}

			return (watch as (...args: unknown[]) => fs.FSWatcher)(folder, ...rest);
		}));
		const session = await openSession(workspace, {heartbeatMs: 50});
		// Written in place (no rename at the root): no event reaches us for it.
		fs.writeFileSync(path.join(workspace, layout.questions), JSON.stringify({questions: [{id: 'q1', text: 'Unwatched?'}]}));
		await waitFor(() => session.getState().snapshot?.questions.some(question => question.id === 'q1'), 5000, 'the question in the unwatched shared/');
		expect(session.getState().snapshot?.questions.map(question => question.text)).toEqual(['Unwatched?']);
	});

	test('a folder the system would not watch is watched again once it can be: then the heartbeat reads nothing more', async () => {
		const workspace = await newWorkspace();
		const shared = path.join(workspace, layout.shared);
		const watch = fs.watch.bind(fs);
		let refusing = true;
		vi.spyOn(fs, 'watch').mockImplementation(((folder: fs.PathLike, ...rest: unknown[]) => {
			if (refusing && String(folder) === shared) {
				throw Object.assign(new Error('ENOSPC: System limit for number of file watchers reached'), {code: 'ENOSPC'});
			}

			return (watch as (...args: unknown[]) => fs.FSWatcher)(folder, ...rest);
		}));
		const session = await openSession(workspace, {heartbeatMs: 50});
		const reads = vi.spyOn(SnapshotReader.prototype, 'read');
		await waitFor(() => reads.mock.calls.length > 0, 5000, 'a heartbeat read while shared/ has no watch');
		// Watches free again: the next heartbeat puts one on shared/, and from then on reads only on events.
		refusing = false;
		await waitFor(async () => {
			const before = reads.mock.calls.length;
			await new Promise(resolve => {
				setTimeout(resolve, 200);
			});
			return reads.mock.calls.length === before;
		}, 5000, 'the heartbeat to stop reading');
		fs.appendFileSync(path.join(workspace, layout.progress), '[2026-01-01 00:00:00] Seen by the new watch\n');
		await waitFor(() => progressOf(session).includes('Seen by the new watch'), 5000, 'a line through the new watch on shared/');
		expect(fs.watch).toHaveBeenCalledWith(shared, expect.any(Function));
	});

	test('shared/ replaced by a new folder: its progress and questions are followed', async () => {
		const workspace = await newWorkspace();
		const session = await openSession(workspace, {heartbeatMs: never});
		const shared = path.join(workspace, layout.shared);
		fs.renameSync(shared, `${shared}-old`);
		fs.mkdirSync(shared);
		fs.writeFileSync(path.join(workspace, layout.progress), '[2026-01-01 00:00:00] In the new folder\n');
		await waitFor(() => progressOf(session).includes('In the new folder'), 5000, 'the progress line in the new shared/');
		// A later change, with nothing at the root to wake the watch: only a watch on the new shared/ sees it.
		fs.writeFileSync(path.join(workspace, `${layout.questions}.tmp`), JSON.stringify({questions: [{id: 'q1', text: 'Which region?'}]}));
		fs.renameSync(path.join(workspace, `${layout.questions}.tmp`), path.join(workspace, layout.questions));
		await waitFor(() => session.getState().snapshot?.questions.some(question => question.id === 'q1'), 5000, 'the question in the new shared/');
		fs.appendFileSync(path.join(workspace, layout.progress), '[2026-01-01 00:00:01] Still there\n');
		await waitFor(() => progressOf(session).includes('Still there'), 5000, 'a second progress line');
		// The old folder is nobody's any more: a write there shows nothing.
		fs.appendFileSync(path.join(`${shared}-old`, 'progress.txt'), '[2026-01-01 00:00:02] In the old folder\n');
		fs.appendFileSync(path.join(workspace, layout.progress), '[2026-01-01 00:00:03] After the old one\n');
		await waitFor(() => progressOf(session).includes('After the old one'), 5000, 'the line after');
		expect(progressOf(session)).not.toContain('In the old folder');
	});

	// The new folder's first file may be written before its watch begins, or after: either way it is read.
	const trials = process.env.HANDOFF_SLOW_TESTS === '1' ? 300 : 40;
	test(`shared/ replaced and written at once, ${trials} trials: the line in the new folder is always shown`, async () => {
		for (let trial = 0; trial < trials; trial++) {
			const workspace = await newWorkspace(path.join(base, `trial-${trial}`));
			const session = await openSession(workspace, {heartbeatMs: never});
			const shared = path.join(workspace, layout.shared);
			fs.renameSync(shared, `${shared}-old`);
			fs.mkdirSync(shared);
			fs.appendFileSync(path.join(workspace, layout.progress), `[2026-01-01 00:00:00] Trial ${trial}\n`);
			await waitFor(() => progressOf(session).includes(`Trial ${trial}`), 5000, `the line of trial ${trial}`);
			expect(progressOf(session)).toEqual([`Trial ${trial}`]);
			await session.close();
		}
	}, 120_000);

	test('output/ made after the session started: a partial result there is shown', async () => {
		const workspace = await newWorkspace();
		fs.rmSync(path.join(workspace, layout.output), {recursive: true});
		const session = await openSession(workspace, {heartbeatMs: never});
		fs.mkdirSync(path.join(workspace, layout.output));
		fs.writeFileSync(path.join(workspace, 'output/analysis.partial.json'), JSON.stringify({state_machines: []}));
		const partial = await waitFor(() => session.getState().snapshot?.partial, 5000, 'the partial result');
		expect(partial.file).toBe('output/analysis.partial.json');
	});

	test('shared/ swapped for a link to a folder elsewhere: reported, and what is written there is not shown', async () => {
		const workspace = await newWorkspace();
		const elsewhere = path.join(base, 'elsewhere');
		fs.mkdirSync(elsewhere);
		const reads = vi.spyOn(SnapshotReader.prototype, 'read');
		const session = await openSession(workspace, {heartbeatMs: never});
		const shared = path.join(workspace, layout.shared);
		fs.rmSync(shared, {recursive: true});
		fs.symlinkSync(elsewhere, shared);
		await waitFor(() => session.getState().snapshot?.problems.some(problem => problem.file === 'shared/'), 5000, 'the link reported');
		const readsBefore = reads.mock.calls.length;
		for (let line = 0; line < 20; line++) {
			fs.appendFileSync(path.join(elsewhere, 'progress.txt'), `[2026-01-01 00:00:00] Elsewhere ${line}\n`);
		}

		// An event at the root afterwards: everything before it has been seen by then.
		fs.writeFileSync(path.join(workspace, 'marker'), '');
		await waitFor(() => reads.mock.calls.length > readsBefore, 5000, 'the read for the root event');
		expect(progressOf(session).filter(line => line.startsWith('Elsewhere'))).toEqual([]);
	});

	test('a seed manifest whose schema is outside input/: a change to it is reported when it happens', async () => {
		const workspace = path.join(base, 'workspaces', 'foreign_20250101_000000_1');
		for (const folder of ['input', 'output', 'shared', 'contract']) {
			fs.mkdirSync(path.join(workspace, folder), {recursive: true});
		}

		fs.writeFileSync(path.join(workspace, layout.manifest), JSON.stringify({task: 'foreign', inputs: {schema: 'contract/schema.json'}, outputs: {analysis: 'output/analysis.json', required: true}}));
		fs.writeFileSync(path.join(workspace, 'contract/schema.json'), JSON.stringify(resultSchema));
		const session = await openSession(workspace, {heartbeatMs: never});
		await waitFor(() => session.getState().snapshot, 5000, 'the first snapshot');
		expect(session.getState().snapshot?.problems).toEqual([]);
		fs.writeFileSync(path.join(workspace, 'contract/schema.json'), JSON.stringify({type: 'object'}));
		const problems = await waitFor(() => {
			const found = session.getState().snapshot?.problems ?? [];
			return found.length > 0 ? found : undefined;
		}, 5000, 'the changed schema reported');
		expect(problems).toEqual([{file: 'contract/schema.json', message: expect.stringContaining('was changed after the hand-off was set up')}]);
	});
});
