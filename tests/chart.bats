#!/usr/bin/env bats
# gantry render --chart: helm template's output, the flags, and errors
# (exit 1, a message on stderr, nothing on stdout).

setup() {
	load helpers
	cd "$BATS_TEST_TMPDIR"
	mkdir -p c/templates
	printf 'apiVersion: v2\nname: demo\nversion: 1.0.0\n' > c/Chart.yaml
	printf 'replicas: 1\nimage: {tag: v1}\n' > c/values.yaml
	cat > c/templates/cm.yaml <<'T'
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-cm
  namespace: {{ .Release.Namespace }}
data:
  replicas: {{ .Values.replicas | quote }}
  tag: {{ .Values.image.tag }}
T
	cat > c/templates/deploy.yaml <<'T'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
T
}

@test "chart: helm template's output for a release and namespace" {
	run_split gantry render --chart c --release shop -n prod
	assert_success
	assert_equal "$stderr" ""
	assert_output -- "---
# Source: demo/templates/cm.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: shop-cm
  namespace: prod
data:
  replicas: \"1\"
  tag: v1
---
# Source: demo/templates/deploy.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop"
}

@test "chart: -f files in order, then --set, --set-string, --set-json" {
	printf 'replicas: 2\nimage: {tag: v2}\n' > one.yaml
	printf 'replicas: 3\n' > two.yaml
	run_split gantry render --chart c -f one.yaml --values two.yaml \
		--set image.tag=v9 --set-string replicas=007 \
		--show-only templates/cm.yaml
	assert_success
	assert_line '  replicas: "007"'
	assert_line '  tag: v9'
	printf 'from-file' > tag.txt
	run_split gantry render --chart c --set-json 'image={"tag":"j"}' \
		--set-file image.tag=tag.txt -s templates/cm.yaml
	assert_success
	assert_line '  tag: from-file'
	run_split gantry render --chart c --set-json 'image={"tag":"j"}' \
		-s templates/cm.yaml
	assert_success
	assert_line '  tag: j'
}

@test "chart: -o json gives the objects" {
	run_split gantry render --chart c -o json --set replicas=5
	assert_success
	run jq -c '.[] | [.kind, .metadata.name, .data.replicas]' <<<"$output"
	assert_output '["ConfigMap","release-name-cm","5"]
["Deployment","release-name",null]'
}

@test "chart: an archive renders the same as its directory" {
	tar -czf demo-1.0.0.tgz c
	run_split gantry render --chart c
	local dir=$output
	run_split gantry render --chart demo-1.0.0.tgz
	assert_success
	assert_output "$dir"
}

@test "chart: a template error exits 1 with nothing on stdout" {
	printf 'x: {{ .Values.image.tag.deeper.still }}\n' > c/templates/bad.yaml
	run_split gantry render --chart c
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" 'error: template: demo/templates/bad.yaml:1:13: executing "demo/templates/bad.yaml" at <.Values.image.tag.deeper.still>: can'"'"'t evaluate field deeper in type interface {}'
}

@test "chart: required says where and what" {
	printf 'x: {{ required "set url" .Values.url }}\n' > c/templates/bad.yaml
	run_split gantry render --chart c
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "error: execution error at (demo/templates/bad.yaml:1:6): set url"
}

@test "chart: a --set that does not parse" {
	run_split gantry render --chart c --set 'a[x]=1'
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" 'error: failed parsing --set data: error parsing index: strconv.Atoi: parsing "x": invalid syntax'
}

@test "chart: --kube-version and --api-versions reach .Capabilities" {
	printf 'v: {{ .Capabilities.KubeVersion }} {{ .Capabilities.APIVersions.Has "x.io/v1" }} {{ .Capabilities.APIVersions.Has "y.io/v1" }}\n' > c/templates/caps.yaml
	run_split gantry render --chart c --kube-version 1.30.2 \
		--api-versions x.io/v1 -a y.io/v1 -s templates/caps.yaml
	assert_success
	assert_line 'v: v1.30.2 true true'
}

@test "chart: a missing chart directory" {
	run_split gantry render --chart nowhere
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "error: nowhere: No such file or directory"
}

@test "chart: chart options need --chart, and --chart takes no paths" {
	run_split gantry render --set a=1 x.yaml
	assert_failure
	[[ "$stderr" == "error: chart options need --chart"* ]]
	run_split gantry render --chart c x.yaml
	assert_failure
	[[ "$stderr" == "error: --chart takes no PATH arguments"* ]]
}

@test "chart: every built-in chart renders with its defaults into valid objects" {
	for chart in web-service worker stateful-service cronjob operator; do
		run_split gantry render --chart "$BATS_TEST_DIRNAME/../templates/$chart" -o json --release t
		assert_success
		run jq -r '.[] | .kind' <<<"$output"
		assert_success
		[ -n "$output" ]
	done
}
