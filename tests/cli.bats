#!/usr/bin/env bats
# The command line as a whole: help, version, dispatch.

setup() {
	load helpers
}

@test "cli: --help lists the commands" {
	run gantry --help
	assert_success
	assert_line --index 0 'usage: gantry [--help] [--version] COMMAND [ARGS]'
	assert_line --regexp '^  render +print the objects'
	assert_line --regexp '^  version +'
}

@test "cli: no command prints the overview on stderr and fails" {
	run_split gantry
	assert_failure 1
	assert_output ""
	[[ "$stderr" == usage:* ]]
}

@test "cli: help CMD, CMD --help and CMD -h print the same text" {
	for cmd in render version help; do
		a=$(gantry help "$cmd")
		b=$(gantry "$cmd" --help)
		c=$(gantry "$cmd" -h)
		[ -n "$a" ]
		[ "$a" = "$b" ]
		[ "$a" = "$c" ]
		[[ "$a" == "usage: gantry $cmd"* ]]
	done
}

@test "cli: an unknown command" {
	run_split gantry frobnicate
	assert_failure 1
	assert_equal "$stderr" "error: 'frobnicate' is not a gantry command
Run 'gantry --help' for usage."
	run_split gantry help frobnicate
	assert_failure 1
	[[ "$stderr" == "error: 'frobnicate' is not a gantry command"* ]]
}

@test "cli: version and --version" {
	run gantry version
	assert_success
	assert_output --regexp '^gantry [0-9]+\.[0-9]+\.[0-9]+'
	run gantry --version
	assert_success
	assert_output --regexp '^gantry [0-9]+\.[0-9]+\.[0-9]+'
	run gantry version --verbose
	assert_success
	assert_line --regexp '^libyaml 0\.'
	assert_line --regexp '^jansson [0-9]'
	run gantry version extra
	assert_failure 1
}
