import {PassThrough} from 'node:stream';
import {expect, test, vi} from 'vitest';
import {runHeadless} from '../../source/commands/wait.js';
import {createHandoff} from '../../source/core/create.js';
import {resultSchema, useTempDirectories} from '../core/helpers.js';

const temporaryDirectory = useTempDirectories();

test('a stop that came while the workspace was opened ends the run without launching the tool, its summary interrupted with the exit code of the signal', async () => {
	const {workspace} = await createHandoff({baseDirectory: await temporaryDirectory(), task: 'stopped-early', inputs: [], schemaText: JSON.stringify(resultSchema), resultPath: 'output/analysis.json', command: ['handoff']});
	const launch = vi.fn(async () => () => undefined);
	// Stopped before the run begins, as a pipeline that is ending (or a SIGTERM during the open) stops it.
	const abort = AbortSignal.abort('SIGTERM');
	const summary = await runHeadless(workspace, {}, new PassThrough(), {onStarted: launch, abort});
	expect(launch).not.toHaveBeenCalled();
	expect(summary).toMatchObject({state: 'interrupted', exit_code: 143});
});
