#!/usr/bin/env bash
# The suite under load: N rounds, each running the full suite (`npm run test:unit`) in two clones of HEAD at once,
# so each is "another npm test" beside the other. A round passes when both pass. Per round it prints each side's
# result, the names of the tests that failed, and any database or BullMQ key a side left behind.
#
#   scripts/soak.sh [ROUNDS]        (default 5; about 2 × the suite's CPU: do not run it on a shared machine)
#
# The two sides never share a name on the shared Postgres and Redis: each runs with its own TEST_RUN_TAG
# (tests/support/names.ts), so its databases are paperboy_test_<tag>_… and its BullMQ prefixes pbtest-<tag>-….
# The clones use this checkout's node_modules (a link: nothing is installed). What is tested is HEAD: commit first.
# Logs: test-artifacts/soak/round-<n>-<side>.log. Exits 0 only when every round passed. SOAK_COMMAND replaces
# the suite (e.g. "node --import tsx --test tests/taste.test.ts" to try the script itself in seconds).
set -uo pipefail
cd "$(dirname "$0")/.."

rounds=${1:-5}
command=${SOAK_COMMAND:-npm run --silent test:unit}
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "usage: scripts/soak.sh [ROUNDS]" >&2; exit 2; }
[[ -d node_modules ]] || { echo "soak: no node_modules here; run npm ci first" >&2; exit 2; }

repo=$(pwd -P)
modules=$(cd node_modules && pwd -P)
commit=$(git rev-parse HEAD)
logs="$repo/test-artifacts/soak"
work=$(mktemp -d "${TMPDIR:-/tmp}/paperboy-soak.XXXXXX")
sides=(soaka soakb)
mkdir -p "$logs"
trap 'rm -rf "$work"' EXIT

git diff --quiet HEAD -- || echo "soak: uncommitted changes are not tested (HEAD is $commit)"
for side in "${sides[@]}"; do
  git clone --quiet --shared --no-checkout "$repo" "$work/$side" && git -C "$work/$side" checkout --quiet --detach "$commit" || exit 1
  ln -s "$modules" "$work/$side/node_modules"
done

admin_url=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
redis_url=${TEST_REDIS_URL:-redis://127.0.0.1:6379}

# What a side left on the shared services after its suite ended (every test file promises to remove its own).
leftovers() {
  local tag=$1 databases keys
  databases=$(psql "$admin_url" -Atc "SELECT count(*) FROM pg_database WHERE datname LIKE 'paperboy\_test\_${tag}\_%'" 2>/dev/null || echo '?')
  keys=$(redis-cli -u "$redis_url" --scan --pattern "pbtest-${tag}-*" 2>/dev/null | wc -l)
  [[ $databases == 0 && $keys == 0 ]] || echo "left behind: $databases databases, $keys BullMQ keys"
}

# The failing tests of a node:test TAP log (Node 20 writes TAP when stdout is not a terminal), as "test > subtest";
# a test that failed only because a subtest did is not named again.
failures() {
  awk '
    function depth() { return (match($0, /[^ ]/) - 1) / 4 }
    /^ *# Subtest: / { d = depth(); name[d] = substr($0, index($0, "# Subtest: ") + 11); below[d] = 0 }
    /^ *not ok [0-9]+ - / {
      d = depth()
      if (!below[d]) { line = name[0]; for (i = 1; i <= d; i++) line = line " > " name[i]; print "  " line }
      for (i = 0; i < d; i++) below[i] = 1
    }
  ' "$1"
}

passed_rounds=0
for ((round = 1; round <= rounds; round++)); do
  declare -A pid=() code=() seconds=()
  start=$(date +%s)
  for side in "${sides[@]}"; do
    (cd "$work/$side" && TEST_RUN_TAG=$side exec $command) \
      >"$logs/round-$round-$side.log" 2>&1 &
    pid[$side]=$!
  done
  for side in "${sides[@]}"; do
    wait "${pid[$side]}"
    code[$side]=$?
    seconds[$side]=$(($(date +%s) - start))
  done
  round_ok=1
  for side in "${sides[@]}"; do
    log="$logs/round-$round-$side.log"
    summary=$(grep -E '^# (pass|fail|cancelled) ' "$log" | tr -d '#' | tr '\n' ' ' | tr -s ' ')
    if ((code[$side] == 0)); then verdict=pass; else verdict=FAIL; round_ok=0; fi
    echo "round $round/$rounds $side: $verdict in ${seconds[$side]} s (${summary:-no summary}) $(leftovers "$side")"
    ((code[$side] == 0)) || failures "$log"
  done
  ((round_ok)) && passed_rounds=$((passed_rounds + 1))
  unset pid code seconds
done

echo "soak: $passed_rounds of $rounds rounds passed on both sides (commit ${commit:0:7}; logs in test-artifacts/soak/)"
((passed_rounds == rounds))
