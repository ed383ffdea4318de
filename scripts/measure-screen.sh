#!/usr/bin/env bash
# Idle cost of the full screen, measured from outside: CPU of the watch process, bytes it sends to the terminal (tmux pipe-pane), RSS.
# Usage: scripts/measure-screen.sh [seconds=60] [columns=120] [rows=40] [setup: quiet|partial|questions|deadline|countdown]
set -euo pipefail
seconds=${1:-60}; columns=${2:-120}; rows=${3:-40}; setup=${4:-quiet}
root=$(cd "$(dirname "$0")/.." && pwd)
cli="${HANDOFF_CLI:-$root/dist/cli.js}"
base=$(mktemp -d /tmp/handoff-measure-XXXXXX)
socket="$base/tmux.sock"
timeout=()
[ "$setup" = deadline ] && timeout=(--timeout 7200)
# The last hour of a deadline: the time left counts seconds, so the screen changes every second.
[ "$setup" = countdown ] && timeout=(--timeout 1800)
ws=$(node "$cli" new --task idle --dir "$base" "${timeout[@]}")
HANDOFF_WORKSPACE="$ws" node "$cli" claim --tool measure >/dev/null
HANDOFF_WORKSPACE="$ws" node "$cli" progress "claimed; working quietly" >/dev/null
case "$setup" in
	partial) node -e '
		const items = []; let size = 0; let i = 0;
		while (size < 9.5 * 1024 * 1024) { const item = {id: i, name: "item " + i, tags: ["a", "b", "c"], nested: {value: i * 3, text: "x".repeat(40)}}; size += JSON.stringify(item).length + 1; items.push(item); i++; }
		require("fs").writeFileSync(process.argv[1] + "/output/result.partial.json", JSON.stringify({items}));' "$ws" ;;
	questions) node -e '
		const questions = Array.from({length: 10000}, (_, i) => ({id: "q" + (i + 1), text: "Question number " + (i + 1) + "?", options: ["Yes", "No"]}));
		require("fs").writeFileSync(process.argv[1] + "/shared/questions.json", JSON.stringify({questions}));' "$ws" ;;
esac
tmux -S "$socket" -f /dev/null new-session -d -x "$columns" -y "$rows" "exec node $cli watch $ws"
tmux -S "$socket" pipe-pane -o "cat >> $base/bytes"
pid=$(tmux -S "$socket" list-panes -F '#{pane_pid}')
sleep 8
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
t0=$(ticks); b0=$(stat -c %s "$base/bytes" 2>/dev/null || echo 0); s0=$(date +%s.%N)
sleep "$seconds"
t1=$(ticks); b1=$(stat -c %s "$base/bytes"); s1=$(date +%s.%N)
rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
hz=$(getconf CLK_TCK)
awk -v t0="$t0" -v t1="$t1" -v b0="$b0" -v b1="$b1" -v s0="$s0" -v s1="$s1" -v hz="$hz" -v rss="$rss" -v setup="$setup" -v size="${columns}x${rows}" 'BEGIN {
	wall = s1 - s0
	printf "%s %s over %.0f s: CPU %.2f%% of a core, %.1f bytes/s to the terminal, RSS %.1f MB\n", setup, size, wall, 100 * (t1 - t0) / hz / wall, (b1 - b0) / wall, rss / 1024
}'
tmux -S "$socket" capture-pane -p | head -"$rows" > "$base/screen.txt"
tmux -S "$socket" kill-server
echo "screen: $base/screen.txt"
