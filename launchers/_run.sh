#!/usr/bin/env bash
# Runs one challenge with `deno run`, for tools that want an executable (our harness, a real
# Maelstrom): `launchers/<name>` execs this with the challenge file. It works from any working
# directory, because Maelstrom starts nodes in the temp dir. Uses `deno` from PATH, else `npx deno`.
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
root="$(dirname "$here")"
file="$root/challenges/$1.ts"
shift
if command -v deno >/dev/null 2>&1; then deno=(deno); else deno=(npx --yes deno); fi
exec "${deno[@]}" run --quiet --no-prompt --config "$root/deno.json" \
  --allow-env=GLOMERS_LOG_LEVEL "$file" "$@"
