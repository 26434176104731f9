#!/usr/bin/env bash
# Builds one layer probe (tests/layers/probe.cpp as one layer's target including one header) and
# checks the outcome: "allowed" must compile; "forbidden" must fail because the header is not
# found on that layer's include path (any other failure is a failure of this test).
# Usage: check_probe.sh BUILD_DIR TARGET HEADER allowed|forbidden
set -uo pipefail
build="$1" target="$2" header="$3" expect="$4"
out="$(cmake --build "$build" --target "$target" 2>&1)"
rc=$?
if [[ "$expect" == allowed ]]; then
  if [[ $rc -ne 0 ]]; then
    echo "$target: including $header should compile, but:"
    echo "$out"
    exit 1
  fi
  echo "$target: $header is visible, as it should be"
  exit 0
fi
if [[ $rc -eq 0 ]]; then
  echo "$target: including $header compiled, but this layer must not see it"
  exit 1
fi
if ! grep -q "${header}: No such file or directory" <<<"$out"; then
  echo "$target: the build failed for another reason than the hidden header $header:"
  echo "$out"
  exit 1
fi
echo "$target: $header is hidden, as it should be"
