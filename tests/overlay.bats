#!/usr/bin/env bats
# gantry render on kustomization directories: output, the load restrictor
# and the repository root, warnings and errors.

setup() {
	load helpers
	cd "$BATS_TEST_TMPDIR"
	CASES="$GANTRY_TESTDATA/overlay"
}

@test "overlay: a kustomization renders as kubectl kustomize printed it" {
	cd "$CASES/generator-merge"
	run_split gantry render overlay
	assert_success
	assert_equal "$stderr" ""
	assert_output "$(cat expected.yaml)"
}

@test "overlay: -o json prints the same objects as a JSON array, keys sorted" {
	cd "$CASES/replicas"
	run gantry render -o json .
	assert_success
	assert_line --index 0 '['
	assert_line --index 2 '    "apiVersion": "apps/v1",'
	assert_line --index 3 '    "kind": "Deployment",'
}

@test "overlay: a kustomization and plain manifests in one render" {
	mkdir k plain
	printf 'resources:\n- cm.yaml\nnamePrefix: k-\n' > k/kustomization.yaml
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n' > k/cm.yaml
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n' > plain/b.yaml
	run gantry render k plain
	assert_success
	assert_output "apiVersion: v1
kind: ConfigMap
metadata:
  name: k-a
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: b"
}

@test "overlay: a patch target that matches nothing is a warning, not an error" {
	cd "$CASES/warn-patch-target-nothing"
	run_split gantry render .
	assert_success
	assert_output "$(cat expected.yaml)"
	assert_equal "$stderr" "warning: $(cat expected.warnings)"
}

@test "overlay error: a bad kustomization prints nothing and exits 1" {
	cd "$CASES/err-unknown-field"
	run_split gantry render .
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "error: $(cat expected.error)"
}

@test "overlay: kustomize's load restrictor, and --load-restrictor none" {
	mkdir -p repo/app
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\n' > repo/shared.yaml
	printf 'resources:\n- ../shared.yaml\n' > repo/app/kustomization.yaml
	cd repo
	run_split gantry render app
	assert_failure 1
	assert_equal "$stderr" "error: app/kustomization.yaml:2:3: shared.yaml is not in or below app (kustomize's load restrictor; --load-restrictor none lifts it)"
	run_split gantry render --load-restrictor none app
	assert_success
	assert_line '  name: shared'
	run_split gantry render --load-restrictor LoadRestrictionsNone app
	assert_success
	run_split gantry render --load-restrictor LoadRestrictionsRootOnly app
	assert_failure 1
}

@test "overlay: nothing outside the git work tree unless --load-restrictor none" {
	mkdir -p outside/base repo/app
	git -C repo init -q
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: far\n' > outside/base/cm.yaml
	printf 'resources:\n- cm.yaml\n' > outside/base/kustomization.yaml
	printf 'resources:\n- ../../outside/base\n' > repo/app/kustomization.yaml
	run_split gantry render repo/app
	assert_failure 1
	assert_equal "$stderr" "error: repo/app/kustomization.yaml:2:3: outside/base is outside the repository root $BATS_TEST_TMPDIR/repo (--load-restrictor none lifts this)"
	run_split gantry render --load-restrictor none repo/app
	assert_success
	assert_line '  name: far'
}

@test "overlay: a symbolic link out of the kustomization is refused" {
	mkdir app
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: s\n' > secret.yaml
	ln -s ../secret.yaml app/link.yaml
	printf 'resources:\n- link.yaml\n' > app/kustomization.yaml
	run_split gantry render app
	assert_failure 1
	assert_equal "$stderr" "error: app/kustomization.yaml:2:3: app/link.yaml is not in or below app (kustomize's load restrictor; --load-restrictor none lifts it)"
}

@test "overlay usage: a kustomization file instead of its directory" {
	mkdir k
	printf 'resources: []\n' > k/kustomization.yaml
	run_split gantry render k/kustomization.yaml
	assert_failure 1
	assert_equal "$stderr" "error: k/kustomization.yaml is a kustomization file: give its directory, as to kubectl kustomize
Run 'gantry render --help' for usage."
}

@test "overlay usage: an unknown load restrictor" {
	run_split gantry render --load-restrictor sometimes .
	assert_failure 1
	assert_equal "$stderr" "error: unknown load restrictor 'sometimes' (use rootOnly or none)
Run 'gantry render --help' for usage."
}

@test "overlay: a kustomization uses a built-in component by path" {
	mkdir app
	cp -r "$BATS_TEST_DIRNAME/../overlays" .
	cat > app/kustomization.yaml <<'YAML'
resources:
- deploy.yaml
components:
- ../overlays/high-availability
- ../overlays/restricted-security
YAML
	cat > app/deploy.yaml <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx}]
YAML
	run_split gantry render app
	assert_success
	assert_line '  replicas: 2'
	assert_line 'kind: PodDisruptionBudget'
	assert_line '          allowPrivilegeEscalation: false'
}

@test "overlay error: a built-in component's check names the object" {
	mkdir app
	cp -r "$BATS_TEST_DIRNAME/../overlays" .
	printf 'resources:\n- pod.yaml\ncomponents:\n- ../overlays/restricted-security\n' > app/kustomization.yaml
	printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: x\n    securityContext: {runAsUser: 0}\n' > app/pod.yaml
	run_split gantry render app
	assert_failure 1
	assert_equal "$stderr" "error: overlays/restricted-security/restricted-security.yaml:1: RestrictedSecurity: container c of Pod/p runs as user 0, which the restricted profile forbids"
}
