import path from 'node:path';
import {buildPrompt} from '../core/prompt.js';
import {makePrivateDirectory, writeFileAtomic} from '../core/safe-io.js';
import {checkToolVersion, isLaunchTool, launchMatrix, launchTools, planLaunch, planResume, resumePrompt, type LaunchTool} from '../core/launch-matrix.js';
import {isExecutableOnPath, readToolVersion, startLaunchedTool} from '../core/launched-tool.js';
import {canLaunchWithMcp, mcpLaunchArgs, mcpLaunchTools} from '../core/mcp-setup.js';
import {cliCommand} from '../core/instructions.js';
import type {HandoffSession} from '../core/session.js';
import {usageError} from './io.js';

/** A tool that passed the checks before anything is created: on PATH, with a version the matrix can start. */
export type LaunchRequest = {tool: LaunchTool; versionOutput: string; /** Pass handoff's MCP server for this run only (--mcp). */ mcp?: boolean};

/** Checks --launch before anything is created: the tool must be in the launch matrix, on PATH, and at a version whose flags we know. */
export async function checkLaunch(tool: string | undefined, environment: NodeJS.ProcessEnv, mcp = false): Promise<LaunchRequest> {
	if (tool === undefined || !isLaunchTool(tool)) {
		throw usageError(`--launch needs --tool ${launchTools.join(', ')}`);
	}

	if (mcp && !canLaunchWithMcp(tool)) {
		throw usageError(`--launch --mcp: handoff can hand its MCP server to ${mcpLaunchTools.join(', ')} for one run only; ${tool} reads it only from its configuration. Register it once (handoff run --tool ${tool} --mcp shows how) and paste the prompt, or --launch without --mcp`);
	}

	const {binary} = launchMatrix[tool];
	if (!isExecutableOnPath(binary, environment)) {
		throw usageError(`--launch: ${binary} is not on PATH`);
	}

	const versionOutput = await readToolVersion(binary, environment);
	checkToolVersion(tool, versionOutput);
	return {tool, versionOutput, ...(mcp ? {mcp} : {})};
}

/** Starts the checked tool on the hand-off prompt in the workspace, reporting to the session; returns what stops it. */
export async function launchInto(session: HandoffSession, request: LaunchRequest, environment: NodeJS.ProcessEnv): Promise<() => void> {
	const {workspace, manifest} = session;
	const row = launchMatrix[request.tool];
	const mcp = request.mcp && canLaunchWithMcp(request.tool) ? mcpLaunchArgs(request.tool, cliCommand(), workspace) : undefined;
	const prompt = [buildPrompt({workspace, mcp: Boolean(mcp)}), ...(row.promptNote ? [row.promptNote] : [])].join('\n');
	const inputs = Object.entries(manifest.inputs).filter(([key]) => key !== 'instructions' && key !== 'schema').map(([, file]) => file);
	const context = {workspace, node: process.execPath, inputs, ...(mcp ? {mcp} : {})};
	// Settings the tool reads from the folder it runs in (gemini): inside the workspace, so they go with it.
	for (const file of mcp?.files ?? []) {
		const target = path.join(workspace, file.path);
		await makePrivateDirectory(path.dirname(target));
		await writeFileAtomic(target, file.content);
	}

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
