#!/usr/bin/env bats
# Man pages: every long option of a command's --help is in its man page,
# every option the man page's OPTIONS section lists is in --help, and the
# pages render without warnings.

setup() {
	load helpers
	MAN="$BATS_TEST_DIRNAME/../man"
}

# long options a --help text mentions
help_options() {
	gantry "$@" | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u
}

# long options in a man page (anywhere)
man_options() {
	sed 's/\\-/-/g' "$1" | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u
}

# long options in the tags (.TP lines) of a man page's OPTIONS section
man_option_tags() {
	sed 's/\\-/-/g' "$1" | awk '
		/^\.SH / { in_opts = ($2 == "OPTIONS") ; next }
		in_opts && /^\.TP/ { tag = 1; next }
		in_opts && tag { print; tag = 0 }' |
		grep -oE -- '--[a-z][a-z0-9-]*' | sort -u
}

# check_agreement PAGE HELP-COMMAND...
check_agreement() {
	local page=$1; shift
	local missing
	missing=$(comm -23 <(help_options "$@") <(man_options "$page"))
	[ -z "$missing" ] || { echo "in '$*' but not in $page: $missing"; return 1; }
	missing=$(comm -13 <(help_options "$@") <(man_option_tags "$page"))
	[ -z "$missing" ] || { echo "in $page OPTIONS but not in '$*': $missing"; return 1; }
}

@test "man: gantry.1 and gantry --help agree" {
	check_agreement "$MAN/gantry.1" --help
}

@test "man: the options of version and help are in gantry.1" {
	run comm -23 <(help_options version --help) <(man_options "$MAN/gantry.1")
	assert_output ""
	run comm -23 <(help_options help --help) <(man_options "$MAN/gantry.1")
	assert_output ""
}

@test "man: gantry-render.1 and gantry render --help agree" {
	check_agreement "$MAN/gantry-render.1" render --help
}

@test "man: gantry-plan.1 and gantry plan --help agree" {
	check_agreement "$MAN/gantry-plan.1" plan --help
}

@test "man: gantry-apply.1 and gantry apply --help agree" {
	check_agreement "$MAN/gantry-apply.1" apply --help
}

@test "man: gantry-sync.1 and gantry sync --help agree" {
	check_agreement "$MAN/gantry-sync.1" sync --help
}

@test "man: the agreement check notices a missing option" {
	# the check itself must be able to fail: a page without --output
	sed 's/output/outp/g' "$MAN/gantry-render.1" > "$BATS_TEST_TMPDIR/broken.1"
	run check_agreement "$BATS_TEST_TMPDIR/broken.1" render --help
	assert_failure
	assert_output --partial -- "--output"
}

@test "man: every page renders without groff warnings" {
	command -v groff >/dev/null || skip "groff is not installed"
	for page in "$MAN"/*.[0-9]; do
		run groff -ww -man -Tutf8 "$page"
		assert_success
		[ -z "$(groff -ww -man -Tutf8 "$page" 2>&1 >/dev/null)" ] ||
			{ echo "$page has warnings"; return 1; }
	done
}

@test "man: every command has its page or is described in gantry.1" {
	for cmd in $(gantry --help | awk '/^Commands:/ {c=1; next} c && /^  [a-z]/ {print $1}'); do
		if [ -f "$MAN/gantry-$cmd.1" ]; then continue; fi
		grep -q "^\.B $cmd\$" "$MAN/gantry.1" || { echo "no page for $cmd"; return 1; }
	done
}

@test "man: kubesim.1 and kubesim --help agree" {
	# check_agreement runs gantry; kubesim's help is compared the same way
	gantry() { "$KUBESIM" "$@"; }
	check_agreement "$MAN/kubesim.1" --help
}

@test "man: gantry-apps.1 and gantry apps --help agree" {
	check_agreement "$MAN/gantry-apps.1" apps --help
}

@test "man: gantry-status.1 and gantry status --help agree" {
	check_agreement "$MAN/gantry-status.1" status --help
}

# The fields gantry knows at one place of gantry.yaml or app.yaml: put an
# unknown field "zz" there and read the list its error gives.
known_fields() { # GANTRY_YAML APP_YAML
	local r="$BATS_TEST_TMPDIR/r$RANDOM"
	mkdir -p "$r/apps/a/m"
	printf '%s\n' "$1" > "$r/gantry.yaml"
	printf '%s\n' "$2" > "$r/apps/a/app.yaml"
	gantry apps --repo "$r" 2>&1 | sed -n 's/.*unknown field (known: \(.*\))$/\1/p' |
		tr -d ',' | tr ' ' '\n'
}

@test "man: gantry.yaml.5 documents every field gantry.yaml and app.yaml take" {
	local g='apiVersion: gantry.dev/v1alpha1
kind: Repository
spec: {environments: {dev: {}}}'
	local a='apiVersion: gantry.dev/v1alpha1
kind: App
metadata: {name: a}
spec:
  sources: [{manifests: m}]'
	local fields
	fields=$(
		known_fields "$g
zz: 1" "$a"
		known_fields "${g/spec: \{/spec: \{zz: 1, }" "$a"
		known_fields "${g/dev: \{\}/dev: \{zz: 1\}}" "$a"
		known_fields "${g/spec: \{/spec: \{defaults: \{zz: 1\}, }" "$a"
		known_fields "$g" "$a
zz: 1"
		known_fields "$g" "${a/name: a/name: a, zz: 1}"
		known_fields "$g" "$a
  zz: 1"
		known_fields "$g" "${a/manifests: m/manifests: m, zz: 1}"
		known_fields "$g" "$a
  environments: {dev: {zz: 1}}"
		known_fields "$g" "$a
  health: [{kind: K, field: f, healthy: [x], zz: 1}]"
		known_fields "$g" "$a
  sensitive: [{kind: K, paths: [/x], zz: 1}]"
		known_fields "$g" "$a
  sync: {zz: 1}"
	)
	# twelve places, each with its list
	[ "$(printf '%s\n' "$fields" | grep -c .)" -gt 50 ]
	for f in $(printf '%s\n' "$fields" | sort -u); do
		sed 's/\\-/-/g' "$MAN/gantry.yaml.5" |
			grep -qE "^\.(B|BR|BI|IR|TP)( .*)?[ .]$f( |$|:|\.)|^\.BR? $f" ||
			{ echo "gantry.yaml.5 does not document $f"; return 1; }
	done
}
