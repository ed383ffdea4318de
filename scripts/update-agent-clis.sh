#!/usr/bin/env bash
# Installs the newest release of each real agent CLI (test/agents/agent-clis.json) into a folder of its own, not the
# pinned cache, and runs the agent tests against it, so that a flag or format a new release changed turns a test red
# here before a person meets it. Prints the pinned and the newest versions, then the tests' outcome; exits as they do.
# When they pass, pin the new versions in test/agents/agent-clis.json and in the launch matrix (testedEndToEnd).
# Usage: update-agent-clis.sh [folder]   (default: ~/.cache/handoff/agent-clis-latest)
set -euo pipefail
cd "$(dirname "$0")/.."
folder="${1:-${XDG_CACHE_HOME:-$HOME/.cache}/handoff/agent-clis-latest}"
HANDOFF_AGENT_CLIS="$folder" scripts/install-agent-clis.sh --latest >/dev/null
versions() {
	node -e '
const path = require("node:path");
const {spawnSync} = require("node:child_process");
const clis = require("./test/agents/agent-clis.json");
for (const [name, cli] of Object.entries(clis)) {
	if (name === "$comment") continue;
	const binary = path.join(process.argv[1], "node_modules", ".bin", cli.binary);
	const answer = spawnSync(binary, ["--version"], {encoding: "utf8", timeout: 30000});
	const newest = /\d+\.\d+\.\d+/.exec(answer.stdout ?? "")?.[0] ?? `none (${(answer.stderr || String(answer.error)).trim().slice(0, 100)})`;
	console.log(`${cli.package}: pinned ${cli.version}, newest ${newest}${newest === cli.version ? " (the same)" : ""}`);
}
' -- "$folder"
}
versions
# The pinned-version check is left out: the newest release is meant to differ from the pin.
status=0
HANDOFF_AGENT_CLIS="$folder" npm run test:agents -- --exclude test/agents/agent-clis.test.ts || status=$?
echo
versions
if [ "$status" -eq 0 ]; then
	echo "The agent tests pass with the newest releases in $folder."
else
	echo "The agent tests fail with the newest releases in $folder (exit $status): see above before pinning them."
fi
exit "$status"
