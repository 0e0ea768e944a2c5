#!/bin/bash
# Runs exitstat's test programs, one log each in OUT (build/exitstat):
#   unit.log  C unit tests against the fake hypervisor (ASan+UBSan)
#   cli.log   the command line: JSON/CSV parsed back with python3, exit
#             statuses, the man page, the real static binary on this machine
# A program that dies (a sanitizer report, a crash) adds a "not ok" line.
set -u
out=${1:?usage: run-tests.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)

(cd "$out" && ./unit_tests) >"$out/unit.log" 2>&1
rc=$?
[ $rc -eq 0 ] || echo "not ok unit_tests exited with status $rc" >>"$out/unit.log"

"$here/cli-tests.sh" "$out" >"$out/cli.log" 2>&1
rc=$?
[ $rc -eq 0 ] || echo "not ok cli-tests.sh exited with status $rc" >>"$out/cli.log"
exit 0
