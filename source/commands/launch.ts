import {spawn} from 'node:child_process';
import readline from 'node:readline';
import {findOnPath, isLaunchable, launchArguments, launchableTools, type LaunchableTool} from '../core/launch.js';
import type {PromptTool} from '../core/prompt.js';
import type {HandoffSession} from '../core/session.js';
import {usageError} from './io.js';

/** Checks --launch before anything is created: the tool must have a non-interactive form and be on PATH. */
export function checkLaunch(tool: PromptTool, environment: NodeJS.ProcessEnv): LaunchableTool {
	if (!isLaunchable(tool)) {
		throw usageError(`--launch needs --tool ${launchableTools.join(', ')}${tool === 'cursor' ? ' (Cursor runs in its editor: paste the prompt there)' : ''}`);
	}

	if (!findOnPath(tool, environment)) {
		throw usageError(`--launch: ${tool} is not on PATH`);
	}

	return tool;
}

/**
Starts the tool on the prompt in the project folder and shows what it prints among the progress lines. Returns a function that stops it, for when the hand-off ends or the person quits.
*/
export function startLaunchedTool(options: {tool: LaunchableTool; prompt: string; workspace: string; cwd: string; environment: NodeJS.ProcessEnv; session: HandoffSession}): () => void {
	const {tool, session} = options;
	const child = spawn(tool, launchArguments(tool, options.prompt, options.workspace), {cwd: options.cwd, env: options.environment, stdio: ['ignore', 'pipe', 'pipe']});
	const show = (message: string): void => {
		session.addOutput([{message, source: tool}]);
	};

	for (const stream of [child.stdout, child.stderr]) {
		readline.createInterface({input: stream}).on('line', show);
	}

	child.on('error', error => {
		show(`could not start: ${error.message}`);
	});
	child.on('exit', (code, signal) => {
		show(signal ? `stopped (${signal})` : `exited with code ${code}`);
	});
	return () => {
		if (child.exitCode === null && child.signalCode === null) {
			child.kill();
		}
	};
}
