#!/usr/bin/env bats
# gantry render on plain manifests: output format, order, and every error.

setup() {
	load helpers
	cd "$BATS_TEST_TMPDIR"
}

@test "render: a directory is read recursively, files in path order" {
	mkdir -p d/sub
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n' > d/b.yaml
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n' > d/a.yml
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n' > d/sub/c.yaml
	printf '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "j"}}\n' > d/j.json
	run_split gantry render d
	assert_success
	assert_equal "$stderr" ""
	# a.yml < b.yaml < j.json < sub/c.yaml by path
	assert_output "apiVersion: v1
kind: ConfigMap
metadata:
  name: a
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: b
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: j
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: c"
}

@test "render: sorted by the whole path, so a.yaml comes before a/x.yaml" {
	mkdir -p d/a
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: inner}\n' > d/a/x.yaml
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: outer}\n' > d/a.yaml
	run gantry render -o json d
	assert_success
	assert_line --index 5 '      "name": "outer"'
}

@test "render: files that are not manifests and dot-files are skipped" {
	mkdir -p d/.git
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n' > d/a.yaml
	echo 'not: [yaml' > d/README.md
	echo 'not: [yaml' > d/.hidden.yaml
	echo 'not: [yaml' > d/.git/config.yaml
	run gantry render d
	assert_success
	assert_output "apiVersion: v1
kind: ConfigMap
metadata:
  name: a"
}

@test "render: paths given explicitly keep their order and any file name" {
	printf 'apiVersion: v1\nkind: Secret\nmetadata: {name: z}\n' > z.txt
	printf 'apiVersion: v1\nkind: Secret\nmetadata: {name: a}\n' > a.yaml
	run gantry render z.txt a.yaml
	assert_success
	assert_line --index 3 '  name: z'
	assert_line --index 8 '  name: a'
}

@test "render: -o json prints one JSON array" {
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {on: yes, num: "1", f: 1.5}\n' > a.yaml
	run gantry render --output json a.yaml
	assert_success
	assert_output '[
  {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {
      "name": "a"
    },
    "data": {
      "true": true,
      "num": "1",
      "f": 1.5
    }
  }
]'
}

@test "render: YAML 1.1 typing and quoting survive a round trip through render" {
	cat > a.yaml <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata:
  name: typed
  annotations:
    octal: 0755
    quoted-octal: "0755"
    version: "1.0"
    when: 2024-01-02
    empty: ""
    colon: "a: b"
data:
  script: |
    #!/bin/sh
    echo "hi"
YAML
	run gantry render a.yaml
	assert_success
	assert_output 'apiVersion: v1
kind: ConfigMap
metadata:
  name: typed
  annotations:
    octal: 493
    quoted-octal: "0755"
    version: "1.0"
    when: "2024-01-02"
    empty: ""
    colon: '"'"'a: b'"'"'
data:
  script: |
    #!/bin/sh
    echo "hi"'
	# and the output reads back to the same objects
	gantry render a.yaml > out.yaml
	run gantry render out.yaml
	assert_output "$(cat out.yaml)"
}

@test "render: kind List is expanded and each item checked" {
	cat > list.yaml <<'YAML'
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: one}
- apiVersion: v1
  kind: ConfigMap
  metadata: {}
YAML
	run_split gantry render list.yaml
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "error: list.yaml:7: ConfigMap object has no metadata.name"
}

@test "render: '-' reads standard input" {
	run bash -c "printf 'apiVersion: v1\nkind: Namespace\nmetadata: {name: ns}\n' | '$GANTRY' render -"
	assert_success
	assert_output "apiVersion: v1
kind: Namespace
metadata:
  name: ns"
}

@test "render: '--' ends the options" {
	printf 'apiVersion: v1\nkind: Namespace\nmetadata: {name: dash}\n' > -o.yaml
	run gantry render -- -o.yaml
	assert_success
	assert_line --index 3 '  name: dash'
}

@test "render: the example renders as the demo shows it" {
	run gantry render "$GANTRY_TESTDATA/example"
	assert_success
	assert_line --index 0 'apiVersion: v1'
	assert_line 'kind: Deployment'
	assert_line '  FEATURE_CHECKOUT: "on"'
	# four objects: three separators
	[ "$(grep -c '^---$' <<<"$output")" -eq 3 ]
}

@test "render error: a missing path" {
	run_split gantry render nope.yaml
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "error: nope.yaml: No such file or directory"
}

@test "render error: a path through a file" {
	printf 'a: 1\n' > f.yaml
	run_split gantry render f.yaml/x.yaml
	assert_failure 1
	assert_equal "$stderr" "error: f.yaml/x.yaml: Not a directory"
}

@test "render error: an unreadable directory inside the tree" {
	mkdir -p d
	ln -s /nonexistent-gantry-target d/dangling.yaml
	run_split gantry render d
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "error: d/dangling.yaml: No such file or directory"
}

@test "render error: invalid YAML names file, line and column" {
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n labels: x\n' > bad.yaml
	run_split gantry render bad.yaml
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "error: bad.yaml:5:2: invalid YAML: did not find expected key (while parsing a block mapping at line 1)"
}

@test "render error: nothing is printed when a later file is bad" {
	printf 'apiVersion: v1\nkind: Namespace\nmetadata: {name: good}\n' > 1.yaml
	printf 'apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\nname: [\n' > 2.yaml
	run_split gantry render 1.yaml 2.yaml
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "error: 2.yaml:5:1: invalid YAML: did not find expected node content (while parsing a flow node at line 5)"
}

@test "render error: a duplicate key" {
	printf 'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\nkind: Secret\n' > dup.yaml
	run_split gantry render dup.yaml
	assert_failure 1
	assert_equal "$stderr" 'error: dup.yaml:4:1: duplicate key "kind" in one mapping (first at line 2, column 1)'
}

@test "render error: an alias to an unknown anchor" {
	printf 'apiVersion: v1\nkind: Namespace\nmetadata: *meta\n' > alias.yaml
	run_split gantry render alias.yaml
	assert_failure 1
	assert_equal "$stderr" 'error: alias.yaml:3:11: alias *meta refers to an unknown anchor'
}

@test "render error: a document that is not a mapping" {
	printf -- '- apiVersion: v1\n' > seq.yaml
	run_split gantry render seq.yaml
	assert_failure 1
	assert_equal "$stderr" 'error: seq.yaml:1:1: a Kubernetes manifest must be a mapping, but this document is a list'
}

@test "render error: missing apiVersion, kind or name, with the document's line" {
	printf 'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\nkind: Namespace\nmetadata: {name: b}\n' > m1.yaml
	run_split gantry render m1.yaml
	assert_failure 1
	assert_equal "$stderr" 'error: m1.yaml:5: object has no apiVersion'
	printf -- '---\napiVersion: v1\nmetadata: {name: b}\n' > m2.yaml
	run_split gantry render m2.yaml
	assert_equal "$stderr" 'error: m2.yaml:2: object (apiVersion v1) has no kind'
	printf 'apiVersion: v1\nkind: Namespace\nmetadata:\n  labels: {a: b}\n' > m3.yaml
	run_split gantry render m3.yaml
	assert_equal "$stderr" 'error: m3.yaml:1: Namespace object has no metadata.name'
}

@test "render error: two objects with one identity name both places" {
	mkdir d
	printf 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\n' > d/a.yaml
	printf -- '---\n# again\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\n' > d/b.yaml
	run_split gantry render d
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" 'error: duplicate object apps/Deployment/shop/web: defined at d/a.yaml:1 and again at d/b.yaml:4'
}

@test "render error: .inf cannot be represented" {
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {x: .inf}\n' > inf.yaml
	run_split gantry render inf.yaml
	assert_failure 1
	assert_equal "$stderr" 'error: inf.yaml:4:11: .inf is a YAML float that JSON, and so Kubernetes, cannot represent; quote it to keep it as a string'
}

@test "render usage: no paths, a bad format, an unknown option" {
	run_split gantry render
	assert_failure 1
	assert_equal "$stderr" "error: no input: give app names (in a repository with a gantry.yaml), or manifest files or directories
Run 'gantry render --help' for usage."
	run_split gantry render -o xml x
	assert_failure 1
	assert_equal "$stderr" "error: unknown output format 'xml' (use yaml or json)
Run 'gantry render --help' for usage."
	run_split gantry render --bogus x
	assert_failure 1
	[[ "$stderr" == *"unrecognized option '--bogus'"* ]]
}

@test "render: a closed stdout is an error, not a crash" {
	run bash -c "'$GANTRY' render '$GANTRY_TESTDATA/example' >&-"
	assert_failure 1
	assert_output --partial "error: writing output: Bad file descriptor"
}
