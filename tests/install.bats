#!/usr/bin/env bats
# install.sh: help, installing into a prefix (twice), and --deps.

setup() {
	load helpers
	TOP="$BATS_TEST_DIRNAME/.."
}

@test "install.sh --help documents every option" {
	run "$TOP/install.sh" --help
	assert_success
	assert_line --partial -- "--deps"
	assert_line --partial -- "--prefix DIR"
	assert_line --partial -- "--no-build"
}

@test "install.sh: an unknown option fails with the usage" {
	run "$TOP/install.sh" --frobnicate
	assert_failure 1
	assert_line "install.sh: unknown option '--frobnicate'"
}

@test "install.sh --prefix installs the binary, man pages and share tree, twice" {
	prefix="$BATS_TEST_TMPDIR/prefix"
	for round in 1 2; do
		run env BUILD="$BUILD" "$TOP/install.sh" --no-build --prefix "$prefix"
		assert_success
		assert_output "install.sh: installed gantry in $prefix"
	done
	[ -x "$prefix/bin/gantry" ]
	[ -f "$prefix/share/man/man1/gantry.1" ]
	[ -f "$prefix/share/man/man1/gantry-render.1" ]
	[ -x "$prefix/bin/kubesim" ]
	[ -f "$prefix/share/man/man1/kubesim.1" ]
	[ -d "$prefix/share/gantry/templates" ]
	[ -d "$prefix/share/gantry/overlays" ]
	run "$prefix/bin/gantry" version
	assert_success
	# something left in share/gantry by an older install is gone
	touch "$prefix/share/gantry/templates/stale"
	env BUILD="$BUILD" "$TOP/install.sh" --no-build --prefix "$prefix" >/dev/null
	[ ! -e "$prefix/share/gantry/templates/stale" ]
}

@test "install.sh --deps: nothing to do when everything is installed" {
	command -v dpkg-query >/dev/null || skip "not a Debian system"
	run "$TOP/install.sh" --deps
	assert_success
	assert_output "install.sh: every dependency is installed"
}

@test "install.sh --deps without apt-get prints the package list and fails" {
	bin="$BATS_TEST_TMPDIR/bin"
	mkdir -p "$bin"
	for tool in sh id grep env dirname; do ln -s "$(command -v $tool)" "$bin/$tool"; done
	run env PATH="$bin" sh "$TOP/install.sh" --deps
	assert_failure 1
	assert_output --partial "this system has no apt-get"
	assert_output --partial "libgit2-dev libyaml-dev libjansson-dev"
}
