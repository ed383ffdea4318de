import {buildPrompt} from '../core/prompt.js';
import {checkToolVersion, isLaunchTool, launchMatrix, launchTools, planLaunch, planResume, resumePrompt, type LaunchTool} from '../core/launch-matrix.js';
import {isExecutableOnPath, readToolVersion, startLaunchedTool} from '../core/launched-tool.js';
import type {HandoffSession} from '../core/session.js';
import {usageError} from './io.js';

/** A tool that passed the checks before anything is created: on PATH, with a version the matrix can start. */
export type LaunchRequest = {tool: LaunchTool; versionOutput: string};

/** Checks --launch before anything is created: the tool must be in the launch matrix, on PATH, and at a version whose flags we know. */
export async function checkLaunch(tool: string | undefined, environment: NodeJS.ProcessEnv): Promise<LaunchRequest> {
	if (tool === undefined || !isLaunchTool(tool)) {
		throw usageError(`--launch needs --tool ${launchTools.join(', ')}`);
	}

	const {binary} = launchMatrix[tool];
	if (!isExecutableOnPath(binary, environment)) {
		throw usageError(`--launch: ${binary} is not on PATH`);
	}

	const versionOutput = await readToolVersion(binary, environment);
	checkToolVersion(tool, versionOutput);
	return {tool, versionOutput};
}

/** Starts the checked tool on the hand-off prompt in the workspace, reporting to the session; returns what stops it. */
export async function launchInto(session: HandoffSession, request: LaunchRequest, environment: NodeJS.ProcessEnv): Promise<() => void> {
	const {workspace, manifest} = session;
	const row = launchMatrix[request.tool];
	const prompt = [buildPrompt({workspace}), ...(row.promptNote ? [row.promptNote] : [])].join('\n');
	const inputs = Object.entries(manifest.inputs).filter(([key]) => key !== 'instructions' && key !== 'schema').map(([, file]) => file);
	const context = {workspace, node: process.execPath, inputs};
	const plan = planLaunch(request.tool, request.versionOutput, {...context, prompt});
	let launched = await startLaunchedTool(plan, session, environment);
	// The session decides when (the tool ended while a question is open, and the question got its answer); this is how.
	session.allowResume(async ({sessionId, questionId, answer}) => {
		const resumed = planResume(plan, context, sessionId, resumePrompt(questionId, answer, workspace, prompt));
		if (resumed) {
			launched = await startLaunchedTool(resumed, session, environment);
		}
	}, request.tool);
	return () => {
		launched.stop();
	};
}
