import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pinned from './agent-clis.json' with {type: 'json'};

export type AgentCliName = 'codex' | 'gemini';

/** Where scripts/install-agent-clis.sh puts the real CLIs (keep the two in step). */
export const agentClisFolder = process.env.HANDOFF_AGENT_CLIS ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'handoff', 'agent-clis');

export type AgentCli = {
	name: AgentCliName;
	/** The binary's absolute path, when it is installed and answers --version. */
	binary?: string;
	/** Its version as it prints it. */
	version?: string;
	/** Why the tests that need it are skipped, when it is missing. */
	missing?: string;
};

/** Finds the installed CLI and reads its version; a test that needs it skips with `missing` as the reason. */
export function findAgentCli(name: AgentCliName): AgentCli {
	const {binary: binaryName, version: pinnedVersion, package: packageName} = pinned[name];
	const binary = path.join(agentClisFolder, 'node_modules', '.bin', binaryName);
	if (!fs.existsSync(binary)) {
		return {name, missing: `${packageName}@${pinnedVersion} is not installed in ${agentClisFolder}: run scripts/install-agent-clis.sh`};
	}

	const answer = spawnSync(binary, ['--version'], {encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe']});
	const version = /\d+\.\d+\.\d+/.exec(answer.stdout)?.[0];
	if (answer.status !== 0 || !version) {
		return {name, missing: `${binary} --version failed (${answer.status ?? answer.signal}): ${answer.stderr.trim().slice(0, 200)}`};
	}

	return {name, binary, version};
}
