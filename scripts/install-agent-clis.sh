#!/usr/bin/env bash
# Installs the real agent CLIs the agent tests drive (test/agents/agent-clis.json), at their pinned versions, into a
# cache folder outside node_modules so a user's `npm install` stays small. Usage: install-agent-clis.sh [--latest]
# With --latest it installs each CLI's newest release instead (scripts/update-agent-clis.sh uses that).
set -euo pipefail
cd "$(dirname "$0")/.."
folder="${HANDOFF_AGENT_CLIS:-${XDG_CACHE_HOME:-$HOME/.cache}/handoff/agent-clis}"
mkdir -p "$folder"
specs=$(node -e '
const clis = require("./test/agents/agent-clis.json");
const latest = process.argv[1] === "--latest";
for (const [name, cli] of Object.entries(clis)) if (name !== "$comment") console.log(`${cli.package}@${latest ? "latest" : cli.version}`);
' -- "${1:-}")
# shellcheck disable=SC2086 # one package spec per word
npm install --prefix "$folder" --no-audit --no-fund --no-save --loglevel=error $specs >&2
echo "$folder"
