import fs from 'node:fs';
import path from 'node:path';
import {render} from 'ink-testing-library';
import {afterEach, expect, test} from 'vitest';
import {App} from '../../source/app.js';
import {createHandoff} from '../../source/core/create.js';
import {SnapshotReader} from '../../source/core/snapshot-reader.js';
import {partialDisplayLimits} from '../../source/core/validation.js';
import {partialLines} from '../../source/ui/pane-lines.js';
import {resultSchema, useTempDirectories as temporaryDirectories, waitFor} from '../core/helpers.js';
import {FakeSession, keys, makeSnapshot} from './helpers.js';

const temporaryDirectory = temporaryDirectories();
const mounted: Array<ReturnType<typeof render>> = [];
afterEach(() => {
	for (const instance of mounted.splice(0)) {
		instance.unmount();
	}
});

/** A partial result of about 5 MB that matches the schema: about 400,000 lines pretty-printed. */
function bigPartial(): string {
	const machines = Array.from({length: 40_000}, (_, index) => ({entity: `Entity${index}`, states: ['open', 'in_progress', 'review', 'closed'], transitions: [{from: 'open', to: 'closed', by: 'admin'}]}));
	return JSON.stringify({state_machines: machines});
}

test('a 5 MB partial result: the app draws it and answers keys within bounded time and memory', async () => {
	const {workspace, manifest} = await createHandoff({
		baseDirectory: await temporaryDirectory(),
		task: 'big-partial',
		inputs: [],
		schemaText: JSON.stringify(resultSchema),
		resultPath: 'output/analysis.json',
		command: ['handoff'],
	});
	const text = bigPartial();
	expect(text.length).toBeGreaterThan(5_000_000);
	fs.writeFileSync(path.join(workspace, 'output/analysis.partial.json'), text);
	const heapBefore = process.memoryUsage().heapUsed;

	// Parsed, validated and formatted once, in the worker; the main thread gets the first lines only.
	const reader = new SnapshotReader(workspace, manifest);
	await reader.read();
	await reader.partialChecked();
	const {partial} = await reader.read();
	expect(partial).toMatchObject({file: 'output/analysis.partial.json', valid: true, errors: []});
	expect(partial!.lines).toHaveLength(partialDisplayLimits.maxLines);
	expect(partial!.totalLines).toBeGreaterThan(300_000);
	const lines = partialLines(partial);
	expect(lines.at(-1)).toEqual({text: `… ${partial!.totalLines - partialDisplayLimits.maxLines} more lines (truncated; see output/analysis.partial.json)`, dim: true});

	const session = new FakeSession({snapshot: makeSnapshot({partial})});
	const instance = render(<App source={session} onIntent={() => undefined} />);
	mounted.push(instance);
	// Wide enough for the pane title and its scroll position.
	Object.defineProperty(instance.stdout, 'columns', {configurable: true, get: () => 200});
	Object.defineProperty(instance.stdout, 'rows', {configurable: true, value: 40});
	instance.stdout.emit('resize');
	const frame = (): string => instance.lastFrame() ?? '';
	// The pane says how far it has scrolled in the lines it holds: the capped count plus the mark and the truncation line.
	const total = partialDisplayLimits.maxLines + 2;
	await waitFor(() => frame().includes('"Entity0"') && frame().includes(`/${total}`), 5000, 'the first lines of the partial, and the scroll position');

	const started = performance.now();
	const before = frame();
	instance.stdin.write(keys.tab);
	await waitFor(() => frame() !== before, 5000, 'focus on the partial pane');
	for (let page = 0; page < 20; page++) {
		const previous = frame();
		instance.stdin.write(keys.pageDown);
		await waitFor(() => frame() !== previous, 5000, `page ${page + 1} drawn`);
	}

	const perKeyMs = (performance.now() - started) / 21;
	expect(frame()).not.toContain('"Entity0"');
	// Generous bounds (the benchmarks measure the real numbers): before, each key took about a second and the app held about 1 GB.
	expect(perKeyMs).toBeLessThan(500);
	expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(200 * 1024 * 1024);
});
