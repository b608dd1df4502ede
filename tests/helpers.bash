# Shared by the bats tests: the binary under test and assertion libraries.
# GANTRY is set by tests/run; running a .bats file directly uses build/.
: "${GANTRY:=$BATS_TEST_DIRNAME/../build/gantry}"
: "${GANTRY_TESTDATA:=$BATS_TEST_DIRNAME/../testdata}"
export GANTRY GANTRY_TESTDATA

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

gantry() { "$GANTRY" "$@"; }

bats_require_minimum_version 1.5.0

# run a command with stdout and stderr kept apart: $output is stdout,
# $stderr is stderr
run_split() {
	run --separate-stderr "$@"
}
