#!/usr/bin/env bash
# Proves the user surfaces (the command line, the Python bindings, the benchmarks) use only the
# public API (DESIGN: cli/python see only include/dynlib/). Every #include in src/cli, python/src
# and bench must be one of:
#   "dynlib/NAME"   a header that exists in include/dynlib/
#   "cli/NAME"      only inside src/cli (the command line's own headers)
#   "NAME"          a header next to the including file (python/src/common.hpp, bench/baselines.hpp)
#   <NAME>          a system or third-party header, unless it names a private layer (<dsl/...>)
# The public headers themselves (include/dynlib) are held to the same rule, so that including one
# never pulls in a private header. Lists every offender and fails if there is one.
# Usage: surfaces_public_only.sh [SOURCE_DIR]
set -euo pipefail
src="${1:-$(cd "$(dirname "$0")/../.." && pwd)}"

# The private layers are the folders of src/; cli is private to everything but src/cli.
private_layers=()
for d in "$src"/src/*/; do private_layers+=("$(basename "$d")"); done

offenders=0
check_file() {
  local surface="$1" file="$2" dir line text target layer
  dir="$(dirname "$file")"
  while IFS= read -r line; do
    text="${line#*:}"
    target=""
    local ok=1
    if [[ "$text" =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*\"([^\"]*)\" ]]; then
      target="${BASH_REMATCH[1]}"
      ok=0
      if [[ "$target" == *..* ]]; then
        ok=0
      elif [[ "$target" == dynlib/* && -f "$src/include/$target" ]]; then
        ok=1
      elif [[ "$surface" == src/cli && "$target" == cli/* ]]; then
        ok=1
      elif [[ "$surface" != include/dynlib && "$target" != */* && -f "$dir/$target" ]]; then
        ok=1
      fi
    elif [[ "$text" =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*\<([^\>]*)\> ]]; then
      target="${BASH_REMATCH[1]}"
      layer="${target%%/*}"
      if [[ "$target" == */* ]]; then
        for p in "${private_layers[@]}"; do
          if [[ "$layer" == "$p" && ! ("$surface" == src/cli && "$layer" == cli) ]]; then ok=0; fi
        done
      fi
    fi
    if [[ $ok -eq 0 ]]; then
      echo "${file#"$src"/}:${line%%:*}: ${text}"
      offenders=$((offenders + 1))
    fi
  done < <(grep -nE '^[[:space:]]*#[[:space:]]*include' "$file" || true)
}

for surface in src/cli python/src bench include/dynlib; do
  [ -d "$src/$surface" ] || continue
  while IFS= read -r -d '' file; do
    check_file "$surface" "$file"
  done < <(find "$src/$surface" -type f \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' \
    -o -name '*.cc' -o -name '*.hh' -o -name '*.inl' \) -print0 | sort -z)
done

if [[ $offenders -gt 0 ]]; then
  echo "FAIL: $offenders include(s) above reach past include/dynlib/ (the public API)" >&2
  exit 1
fi
echo "ok: src/cli, python/src, bench and include/dynlib include only the public API"
