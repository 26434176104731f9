#!/usr/bin/env bash
# Runs every libFuzzer target for a bounded time: no crash, no hang (-timeout), no sanitizer report.
# Usage: scripts/fuzz.sh BUILD_DIR SECONDS_PER_TARGET [TARGET...] (default: every target)
set -euo pipefail
build=$1
seconds=$2
shift 2
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_expr fuzz_model fuzz_cli_args fuzz_run_options)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
for target in "${targets[@]}"; do
  corpus="$build/corpus/$target"
  mkdir -p "$corpus"
  case $target in
    fuzz_expr) cp -n "$here"/fuzz/seeds/expr/* "$corpus"/ ;;
    fuzz_model) for f in "$here"/models/*/*.toml; do cp -n "$f" "$corpus/$(basename "$(dirname "$f")")_$(basename "$f")"; done ;;
    *) cp -n "$here"/fuzz/seeds/"${target#fuzz_}"/* "$corpus"/ ;;
  esac
  # A target may have its own dictionary (fuzz/dict_<name>.txt); the model grammar's otherwise.
  dict="$here/fuzz/dict_${target#fuzz_}.txt"
  [ -f "$dict" ] || dict="$here/fuzz/dict.txt"
  echo "fuzz: $target for ${seconds}s"
  # -timeout: any single input taking over 5 s is a hang; artifacts land in the build dir.
  "$build/$target" "$corpus" -dict="$dict" -max_total_time="$seconds" -timeout=5 \
    -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 -artifact_prefix="$build/$target-" \
    2>"$build/$target.log" || { tail -n 60 "$build/$target.log"; echo "fuzz: $target FAILED"; exit 1; }
  grep -E "^(stat::number_of_executed_units|#[0-9]+ +DONE)" "$build/$target.log" | tail -n 2 || true
done
echo "fuzz: all targets passed"
