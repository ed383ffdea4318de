#!/usr/bin/env bash
# Makes screenshots/*.svg and *.png from scripted `handoff demo` runs in a real terminal (tmux), at 80x24 and 120x40:
# a pending question, the detail view (v) of it, the finished screen with the result, and the result whole (v).
# Needs tmux and rsvg-convert (Debian: tmux, librsvg2-bin); ansi-to-svg comes from npm.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build >/dev/null
out=screenshots
socket="handoff-shots-$$"
tools=$(mktemp -d)
projects=()
trap 'tmux -L "$socket" kill-server 2>/dev/null || true; rm -rf "$tools" "${projects[@]}"' EXIT
npm install --silent --prefix "$tools" ansi-to-svg@1.4.4 >/dev/null

wait_for() {
	for _ in $(seq 1 300); do
		tmux -L "$socket" capture-pane -p -t shot | grep -q -- "$1" && return 0
		sleep 0.1
	done
	echo "timed out waiting for: $1" >&2
	tmux -L "$socket" capture-pane -p -t shot >&2
	return 1
}

shoot() {
	tmux -L "$socket" capture-pane -e -p -t shot > "$out/$1.ansi"
	NODE_PATH="$tools/node_modules" node -e 'const fs = require("fs"); const ansi = fs.readFileSync(process.argv[1], "utf8").replaceAll("\u001B[39m", "\u001B[0m"); /* ansi-to-svg ignores "default colour" */ process.stdout.write(require("ansi-to-svg")(ansi, {paddingTop: 8, paddingBottom: 8, paddingLeft: 8, paddingRight: 8}))' "$out/$1.ansi" > "$out/$1.svg"
	rsvg-convert "$out/$1.svg" -o "$out/$1.png"
	rm "$out/$1.ansi"
	echo "$out/$1.png"
}

# One demo at a size: the question, its detail view, then the answer and the finished screen with the result.
run_at() {
	local columns=$1 rows=$2 size="$1x$2"
	local project
	project=$(mktemp -d)
	projects+=("$project")
	tmux -L "$socket" -f /dev/null new-session -d -s shot -x "$columns" -y "$rows" -c "$project" \
		"env -u CI TERM=xterm-256color HANDOFF_DEMO_PACE=0.7 node $PWD/dist/cli.js demo --no-clipboard --stay"
	wait_for "waiting for an answer"
	wait_for "▸ \[profile_editing\]"
	sleep 0.3
	shoot "handoff-question-$size"
	tmux -L "$socket" send-keys -t shot v
	wait_for "Esc back"
	shoot "handoff-detail-$size"
	tmux -L "$socket" send-keys -t shot Escape
	wait_for "q quit"
	tmux -L "$socket" send-keys -t shot 3
	wait_for 'Enter sends'
	tmux -L "$socket" send-keys -t shot Enter
	wait_for "Complete. Archived"
	wait_for "Result · "
	sleep 0.3
	shoot "handoff-complete-$size"
	tmux -L "$socket" send-keys -t shot v
	wait_for "^Result · "
	shoot "handoff-result-$size"
	tmux -L "$socket" send-keys -t shot Escape
	wait_for "any other key closes"
	tmux -L "$socket" send-keys -t shot q
	tmux -L "$socket" kill-server 2>/dev/null || true
}

run_at 80 24
run_at 120 40
