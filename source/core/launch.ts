import fs from 'node:fs';
import path from 'node:path';
import {layout} from './paths.js';
import type {PromptTool} from './prompt.js';

/** The tools that have a non-interactive form we can start for the person. Cursor runs inside its editor, so it has none. */
export const launchableTools = ['claude', 'codex', 'gemini', 'aider'] as const;
export type LaunchableTool = (typeof launchableTools)[number];

export function isLaunchable(tool: PromptTool): tool is LaunchableTool {
	return (launchableTools as readonly string[]).includes(tool);
}

/**
The command line that runs `tool` once, without a chat, on the hand-off prompt, allowed to write in the workspace and to run the handoff commands (which start with node's absolute path).
*/
export function launchArguments(tool: LaunchableTool, prompt: string, workspace: string): string[] {
	switch (tool) {
		case 'claude': {
			return ['-p', prompt, '--add-dir', workspace, '--permission-mode', 'acceptEdits', '--allowedTools', `Bash(${process.execPath}:*)`];
		}

		case 'codex': {
			return ['exec', '--full-auto', '--cd', workspace, prompt];
		}

		case 'gemini': {
			return ['-p', prompt, '--yolo', '--include-directories', workspace];
		}

		case 'aider': {
			// Aider only reads files added to its chat.
			return ['--message', prompt, '--yes-always', path.join(workspace, layout.instructions)];
		}
	}
}

/** The executable's path when `name` is on PATH, like `which`. */
export function findOnPath(name: string, environment: NodeJS.ProcessEnv): string | undefined {
	for (const directory of (environment.PATH ?? '').split(path.delimiter).filter(Boolean)) {
		const candidate = path.join(directory, name);
		try {
			fs.accessSync(candidate, fs.constants.X_OK);
			if (fs.statSync(candidate).isFile()) {
				return candidate;
			}
		} catch {}
	}

	return undefined;
}
