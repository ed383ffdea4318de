import {spawn} from 'node:child_process';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {createHandoff} from '../core/create.js';
import {resolveBaseDirectory} from '../core/workspace.js';
import {demoInstructions, demoScenarios, demoSchema, demoSpec, type DemoScenario} from '../demo/task.js';
import {printLine, usageError, type CommandContext} from './io.js';
import {showHandoff, type ScreenFlags} from './watch.js';

const consumerScript = fileURLToPath(new URL('../demo/consumer.js', import.meta.url));

/**
`handoff demo`: a complete hand-off against the built-in simulated consumer, a separate process that uses only the workspace files. No LLM, API key or display needed.
*/
export async function demoCommand(context: CommandContext<ScreenFlags & {dir?: string; scenario: string}>, command: string[]): Promise<number> {
	const scenario = context.flags.scenario as DemoScenario;
	if (!demoScenarios.includes(scenario)) {
		throw usageError(`--scenario must be one of ${demoScenarios.join(', ')}`);
	}

	const baseDirectory = resolveBaseDirectory(context.flags.dir, context.environment, context.cwd);
	const {workspace} = await createHandoff({
		baseDirectory,
		task: `demo-${scenario}`,
		inputs: [{name: 'spec', file: 'SPEC.md', content: demoSpec}],
		instructionsText: demoInstructions,
		schemaText: JSON.stringify(demoSchema, null, 2),
		resultPath: 'output/analysis.json',
		timeoutSeconds: scenario === 'timeout' ? 8 : 600,
		maxRetries: scenario === 'invalid' ? 1 : 0,
		command,
		tool: context.flags.tool,
	});
	printLine(context.stderr, `handoff: demo workspace ${path.relative(context.cwd, workspace) || workspace}`);
	const consumer = spawn(process.execPath, [consumerScript, workspace, scenario], {stdio: 'ignore', env: context.environment});
	// Without a listener a failed spawn would throw from the event emitter and take the screen down; the hand-off then simply times out.
	consumer.on('error', error => {
		printLine(context.stderr, `handoff: the simulated consumer could not start: ${error.message}`);
	});
	try {
		// Its consumer goes with it, so watching this workspace again would wait for nobody: a quit suggests a fresh demo, in the same folder from anywhere.
		const again = ['demo', ...(scenario === 'happy' ? [] : ['--scenario', scenario]), ...(context.flags.tool ? ['--tool', context.flags.tool] : []), '--dir', baseDirectory];
		return await showHandoff(workspace, context, {copyPrompt: true, resumeHint: {label: 'run the demo again with', args: again, command}});
	} finally {
		consumer.kill();
	}
}
