#!/usr/bin/env bash
# How fast the screen catches up: a 100,000-line burst appended at once, and a 1 GB progress.txt opened (its last line on screen), through tmux.
# Usage: scripts/measure-burst.sh [columns=120] [rows=40]
set -euo pipefail
columns=${1:-120}; rows=${2:-40}
root=$(cd "$(dirname "$0")/.." && pwd)
cli="${HANDOFF_CLI:-$root/dist/cli.js}"
base=$(mktemp -d /tmp/handoff-burst-XXXXXX)
socket="$base/tmux.sock"
now() { date +%s%N; }
# Polls the pane until it shows $1; prints the milliseconds since $2 (nanoseconds).
until_shown() {
	while ! tmux -S "$socket" capture-pane -p | grep -q -- "$1"; do sleep 0.005; done
	echo $(( ($(now) - $2) / 1000000 ))
}

ws=$(node "$cli" new --task burst --dir "$base")
HANDOFF_WORKSPACE="$ws" node "$cli" claim --tool measure >/dev/null
start=$(now)
tmux -S "$socket" -f /dev/null new-session -d -x "$columns" -y "$rows" "exec node $cli watch $ws"
echo "first frame (not claimed → claimed screen): $(until_shown 'claimed by measure' "$start") ms"
node -e 'const lines = []; for (let i = 1; i <= 100000; i++) lines.push(`[2026-01-01 00:00:00] burst line ${i}`); require("fs").writeFileSync(process.argv[1], lines.join("\n") + "\n")' "$base/burst.txt"
start=$(now)
cat "$base/burst.txt" >> "$ws/shared/progress.txt"
echo "100,000-line burst, last line on screen: $(until_shown 'burst line 100000' "$start") ms"
start=$(now)
tmux -S "$socket" send-keys '?'
echo "a key (?) after the burst, the help on screen: $(until_shown 'Press ? or Esc to close' "$start") ms"
tmux -S "$socket" kill-server

ws=$(node "$cli" new --task biglog --dir "$base")
HANDOFF_WORKSPACE="$ws" node "$cli" claim --tool measure >/dev/null
truncate -s 1G "$ws/shared/progress.txt"
printf '\n[2026-01-01 00:00:00] the very last line\n' >> "$ws/shared/progress.txt"
start=$(now)
tmux -S "$socket" -f /dev/null new-session -d -x "$columns" -y "$rows" "exec node $cli watch $ws"
echo "1 GB progress.txt: start to its last line on screen: $(until_shown 'the very last line' "$start") ms"
tmux -S "$socket" kill-server
rm -rf "$base"
