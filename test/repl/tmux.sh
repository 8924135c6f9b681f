#!/usr/bin/env bash
# Drives `stark repl` on a real terminal through tmux: prompts, a multi-line input, a value, an
# E0382 across inputs, Ctrl-C dropping a half-typed input and stopping running programs (keys
# typed meanwhile kept), history saved, Ctrl-D leaving.
# Needs the built CLI (dist/). Exit 0 = pass; prints SKIP and exits 0 without tmux.
set -euo pipefail
if ! command -v tmux >/dev/null; then echo "SKIP: tmux not installed"; exit 0; fi
root="$(cd "$(dirname "$0")/../.." && pwd)"
home="$(mktemp -d)"
sock="stark-repl-test-$$"
session="repl"
cleanup() { tmux -L "$sock" kill-server 2>/dev/null || true; rm -rf "$home"; }
trap cleanup EXIT

tmux -L "$sock" new-session -d -s "$session" -x 120 -y 40 \
  "env HOME=$home NO_COLOR=1 node $root/bin/stark.js repl; echo REPL-EXITED; sleep 5"

wait_for() { # text, seconds
  for _ in $(seq 1 $(( $2 * 10 ))); do
    if tmux -L "$sock" capture-pane -p -t "$session" | grep -qF -- "$1"; then return 0; fi
    sleep 0.1
  done
  echo "FAIL: did not see '$1'"; tmux -L "$sock" capture-pane -p -t "$session"; exit 1
}
send() { tmux -L "$sock" send-keys -t "$session" "$@"; }
# A `;` ending an argument separates tmux commands, so it is escaped.
line() {
  local text="$1"
  [[ "$text" == *";" ]] && text="${text%;}\\;"
  tmux -L "$sock" send-keys -t "$session" -l -- "$text"
  tmux -L "$sock" send-keys -t "$session" Enter
}

wait_for "STARK REPL" 20
line 'let v = vec![1, 2, 3];'
line 'fn twice(x: i32) -> i32 {' 
wait_for ".." 5
line '  x * 2'
line '}'
line 'twice(21)' 
wait_for "42" 10
line 'let w = v;'
line 'v.len()'
wait_for "error[E0382]" 10
wait_for "<repl:4>:1:9" 5
line 'let half = (1,'
wait_for ".." 5
send C-c
wait_for "^C" 5
line ':vars'
wait_for "moved at input 4" 10
line 'let mut spins = 0; loop { spins += 1; }'
sleep 1
send C-c
wait_for "interrupted" 10
line '20 + 22 == 42'
wait_for "true" 10
# Keys typed while a program runs are kept: they reach the prompt once Ctrl-C has stopped it.
line 'let mut more = 0; while true { more += 1; }'
sleep 1
send -l '6 * 1111'
sleep 0.3
send C-c
sleep 1
send Enter
wait_for "6666" 10
send C-d
wait_for "REPL-EXITED" 10
grep -qF "twice(21)" "$home/.stark_history" || { echo "FAIL: history not saved"; cat "$home/.stark_history"; exit 1; }
echo "PASS: tmux REPL session"
