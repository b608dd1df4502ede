#!/usr/bin/env bats
# gantry plan against kubesim. Expected diffs are worked out from the
# manifests below: the YAML of the fields the manifests name, keys sorted
# (as kubectl diff prints objects), in GNU diff -u hunks with 3 lines of
# context; line numbers count lines of that YAML. "Live" states are made
# with the machine's kubectl, as a user would.

setup() {
	load helpers
	cd "$BATS_TEST_TMPDIR"
	export XDG_CACHE_HOME=$BATS_TEST_TMPDIR/cache
	unset NO_COLOR
	mkdir -p app
	cat > app/00-namespace.yaml <<'EOF'
apiVersion: v1
kind: Namespace
metadata:
  name: shop
EOF
	cat > app/10-config.yaml <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: shop
data:
  mode: fast
---
apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: shop
stringData:
  password: hunter2
EOF
	cat > app/20-web.yaml <<'EOF'
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  selector:
    app: web
  ports:
  - name: http
    port: 80
    targetPort: 8080
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels:
    app: web
spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: nginx:1.25
        ports:
        - containerPort: 8080
        env:
        - name: MODE
          value: fast
        - name: WORKERS
          value: "4"
EOF
}

teardown() {
	kubesim_stop
}

apply_app() {
	require_kubectl
	run kubectl apply -f app
	assert_success
}

@test "plan: a first plan creates every object, Secret values masked" {
	kubesim_start
	run_split gantry plan app
	assert_success
	assert_equal "$stderr" ""
	assert_output "+ create Namespace/shop
@@ -0,0 +1,4 @@
+apiVersion: v1
+kind: Namespace
+metadata:
+  name: shop

+ create ConfigMap/shop/settings
@@ -0,0 +1,7 @@
+apiVersion: v1
+data:
+  mode: fast
+kind: ConfigMap
+metadata:
+  name: settings
+  namespace: shop

+ create Secret/shop/db
@@ -0,0 +1,7 @@
+apiVersion: v1
+data:
+  password: (sensitive value)
+kind: Secret
+metadata:
+  name: db
+  namespace: shop

+ create Service/shop/web
@@ -0,0 +1,12 @@
+apiVersion: v1
+kind: Service
+metadata:
+  name: web
+  namespace: shop
+spec:
+  ports:
+  - name: http
+    port: 80
+    targetPort: 8080
+  selector:
+    app: web

+ create apps/Deployment/shop/web
@@ -0,0 +1,26 @@
+apiVersion: apps/v1
+kind: Deployment
+metadata:
+  labels:
+    app: web
+  name: web
+  namespace: shop
+spec:
+  selector:
+    matchLabels:
+      app: web
+  template:
+    metadata:
+      labels:
+        app: web
+    spec:
+      containers:
+      - env:
+        - name: MODE
+          value: fast
+        - name: WORKERS
+          value: \"4\"
+        image: nginx:1.25
+        name: web
+        ports:
+        - containerPort: 8080

Plan: 5 to create, 0 to update, 0 to delete, 0 unchanged."
}

@test "plan: after kubectl apply of the same files nothing changes (server defaults do not show)" {
	kubesim_start
	apply_app
	run_split gantry plan --detailed-exitcode app
	assert_success
	assert_equal "$stderr" ""
	assert_output "Plan: 0 to create, 0 to update, 0 to delete, 5 unchanged."
}

@test "plan: a changed image shows exactly that field" {
	kubesim_start
	apply_app
	sed -i 's/nginx:1.25/nginx:1.26/' app/20-web.yaml
	run gantry plan app
	assert_success
	# the image is line 23 of the Deployment's 26 (see the first test)
	assert_output "~ update apps/Deployment/shop/web
@@ -20,7 +20,7 @@
           value: fast
         - name: WORKERS
           value: \"4\"
-        image: nginx:1.25
+        image: nginx:1.26
         name: web
         ports:
         - containerPort: 8080

Plan: 0 to create, 1 to update, 0 to delete, 4 unchanged."
}

@test "plan: an env var that was applied and is removed from the manifest is removed" {
	kubesim_start
	apply_app
	sed -i '/name: WORKERS/,+1d' app/20-web.yaml
	run gantry plan app
	assert_success
	assert_output "~ update apps/Deployment/shop/web
@@ -18,8 +18,6 @@
       - env:
         - name: MODE
           value: fast
-        - name: WORKERS
-          value: \"4\"
         image: nginx:1.25
         name: web
         ports:

Plan: 0 to create, 1 to update, 0 to delete, 4 unchanged."
}

@test "plan: fields other clients set (kubectl scale, annotate, label) are kept and not shown" {
	kubesim_start
	apply_app
	run kubectl scale -n shop deployment/web --replicas=5
	assert_success
	run kubectl annotate -n shop deployment/web team=payments
	assert_success
	run kubectl label -n shop service/web tier=front
	assert_success
	run gantry plan --detailed-exitcode app
	assert_success
	assert_output "Plan: 0 to create, 0 to update, 0 to delete, 5 unchanged."
}

@test "plan: ignoreDifferences keeps a field at its live value" {
	kubesim_start
	# the Deployment names replicas: 2, then someone scales it to 5
	sed -i '/^kind: Deployment/,$ s/^spec:$/spec:\n  replicas: 2/' app/20-web.yaml
	apply_app
	run kubectl scale -n shop deployment/web --replicas=5
	assert_success
	run gantry plan app
	assert_output "~ update apps/Deployment/shop/web
@@ -6,7 +6,7 @@
   name: web
   namespace: shop
 spec:
-  replicas: 5
+  replicas: 2
   selector:
     matchLabels:
       app: web

Plan: 0 to create, 1 to update, 0 to delete, 4 unchanged."
	cat > rules.yaml <<'EOF'
ignoreDifferences:
  - {group: apps, kind: Deployment, name: web, paths: [/spec/replicas]}
EOF
	run gantry plan --diff-rules rules.yaml --detailed-exitcode app
	assert_success
	assert_output "Plan: 0 to create, 0 to update, 0 to delete, 5 unchanged."
	# a rule for another name leaves the change
	sed -i 's/name: web/name: api/' rules.yaml
	run gantry plan --diff-rules rules.yaml app
	assert_line "Plan: 0 to create, 1 to update, 0 to delete, 4 unchanged."
}

@test "plan: Secret values never appear, in text, JSON, -v 8 or errors" {
	kubesim_start
	apply_app
	sed -i 's/hunter2/hunter3/' app/10-config.yaml
	run_split gantry plan -v 8 app
	assert_success
	assert_output "~ update Secret/shop/db
@@ -1,6 +1,6 @@
 apiVersion: v1
 data:
-  password: (sensitive value)
+  password: (sensitive value changed)
 kind: Secret
 metadata:
   name: db

Plan: 0 to create, 1 to update, 0 to delete, 4 unchanged."
	# aHVudGVy starts the base64 of both hunter2 and hunter3
	for text in "$output" "$stderr"; do
		[[ $text != *hunter* && $text != *aHVudGVy* ]] ||
			{ echo "a Secret value was printed: $text"; return 1; }
	done
	[[ $stderr == *"GET $KUBESIM_URL/api/v1/namespaces/shop/secrets/db 200 OK"* ]]
	run_split gantry plan -o json app
	assert_success
	[[ $output != *hunter* && $output != *aHVudGVy* ]]
	run jq -c '.objects[] | select(.kind == "Secret") | .changes' <<<"$output"
	assert_output '[{"path":"/data/password","op":"replace","before":"(sensitive value)","after":"(sensitive value changed)"}]'
}

@test "plan: -o json is the documented schema, version 1" {
	kubesim_start
	apply_app
	sed -i 's/mode: fast/mode: slow/' app/10-config.yaml
	run_split gantry plan -o json app/10-config.yaml
	assert_success
	rv=$(kubectl get -n shop configmap settings -o jsonpath='{.metadata.resourceVersion}')
	srv=$(kubectl get -n shop secret db -o jsonpath='{.metadata.resourceVersion}')
	run jq -S . <<<"$output"
	expected=$(jq -S . <<EOF
{
  "kind": "Plan",
  "version": 1,
  "server": "$KUBESIM_URL",
  "context": "kubesim",
  "namespace": "default",
  "summary": {"create": 0, "update": 1, "delete": 0, "unchanged": 1},
  "objects": [
    {
      "id": "ConfigMap/shop/settings",
      "apiVersion": "v1",
      "kind": "ConfigMap",
      "namespace": "shop",
      "name": "settings",
      "action": "update",
      "source": "app/10-config.yaml:1",
      "resourceVersion": "$rv",
      "changes": [
        {"path": "/data/mode", "op": "replace", "before": "fast", "after": "slow"}
      ],
      "diff": "@@ -1,6 +1,6 @@\n apiVersion: v1\n data:\n-  mode: fast\n+  mode: slow\n kind: ConfigMap\n metadata:\n   name: settings\n"
    },
    {
      "id": "Secret/shop/db",
      "apiVersion": "v1",
      "kind": "Secret",
      "namespace": "shop",
      "name": "db",
      "action": "unchanged",
      "source": "app/10-config.yaml:9",
      "resourceVersion": "$srv",
      "changes": [],
      "diff": null
    }
  ]
}
EOF
)
	assert_output "$expected"
}

@test "plan: --detailed-exitcode exits 2 with changes, 0 without; --out saves the plan" {
	# no controllers: status updates would move the resourceVersions
	kubesim_start --tick 0
	run gantry plan --detailed-exitcode --out plan.json app
	assert_failure 2
	assert_line "Plan: 5 to create, 0 to update, 0 to delete, 0 unchanged."
	# holds Secret data like the manifests: only the owner may read it
	run stat -c %a plan.json
	assert_output 600
	run jq -r '.kind, .version, (.objects[] | "\(.action) \(.id) \(.resourceVersion)")' plan.json
	assert_output "SavedPlan
1
create Namespace/shop null
create ConfigMap/shop/settings null
create Secret/shop/db null
create Service/shop/web null
create apps/Deployment/shop/web null"
	apply_app
	sed -i 's/nginx:1.25/nginx:1.26/' app/20-web.yaml
	run gantry plan --out plan.json --no-color app
	assert_success
	# the resourceVersions the plan was computed against, for apply
	want=$(for o in namespace/shop configmap/settings secret/db service/web deployment/web; do
		ns=-nshop; [ "$o" = namespace/shop ] && ns=
		kubectl get $ns "$o" -o jsonpath='{.metadata.resourceVersion}'; echo
	done)
	run jq -r '.objects[].resourceVersion' plan.json
	assert_output "$want"
	run jq -S -c '.objects[4] | [.action, .patchType, .patch, .desired.spec.template.spec.containers[0].image]' plan.json
	assert_output '["update","application/strategic-merge-patch+json",{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"}],"containers":[{"image":"nginx:1.26","name":"web"}]}}}},"nginx:1.26"]'
}

@test "plan: -n and the context's namespace fill in objects without one" {
	require_kubectl
	kubesim_start
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: loose}\n' > loose.yaml
	printf 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r, namespace: ignored}\n' > role.yaml
	run gantry plan loose.yaml role.yaml
	assert_success
	assert_line "+ create ConfigMap/default/loose"
	# a cluster-scoped object has no namespace
	assert_line "+ create rbac.authorization.k8s.io/ClusterRole/r"
	run gantry plan -n shop loose.yaml
	assert_line "+ create ConfigMap/shop/loose"
	assert_line "+  namespace: shop"
	kubectl config set-context kubesim --namespace=team >/dev/null
	run gantry plan loose.yaml
	assert_line "+ create ConfigMap/team/loose"
	# the same object twice once the namespace is filled in
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: loose, namespace: team}\n' > twin.yaml
	run_split gantry plan loose.yaml twin.yaml
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "error: duplicate object ConfigMap/team/loose: defined at loose.yaml:1 and again at twin.yaml:1 (once the default namespace is filled in)"
}

@test "plan: a custom resource whose CRD is in the input is a create without a GET" {
	kubesim_start
	cat > crd.yaml <<'EOF'
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
EOF
	printf 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: gear}\nspec: {size: 3}\n' > widget.yaml
	run_split gantry plan -v 6 crd.yaml widget.yaml
	assert_success
	run grep -E '^(\+ create|~ update|- delete) |^Plan' <<<"$output"
	assert_output "+ create apiextensions.k8s.io/CustomResourceDefinition/widgets.example.com
+ create example.com/Widget/default/gear
Plan: 2 to create, 0 to update, 0 to delete, 0 unchanged."
	[[ $stderr == *"GET $KUBESIM_URL/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com 404 Not Found"* ]]
	[[ $stderr != *widgets/gear* && $stderr != */widgets\ * ]]
	# once the CRD is installed the Widget is looked up like any object
	require_kubectl
	run kubectl apply -f crd.yaml
	assert_success
	run kubectl wait --for=condition=Established crd/widgets.example.com --timeout=10s
	assert_success
	run kubectl apply -f widget.yaml
	assert_success
	run_split gantry plan -v 6 crd.yaml widget.yaml
	assert_success
	assert_output "Plan: 0 to create, 0 to update, 0 to delete, 2 unchanged."
	[[ $stderr == *"GET $KUBESIM_URL/apis/example.com/v1/namespaces/default/widgets/gear 200 OK"* ]]
}

@test "plan: an unknown kind is an error before any object is read" {
	kubesim_start
	printf 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n' > w.yaml
	run_split gantry plan -v 6 app w.yaml
	assert_failure 1
	assert_output ""
	last=$(tail -n 1 <<<"$stderr")
	assert_equal "$last" "error: w.yaml:1: example.com/Widget/w: no kind \"Widget\" is served in version \"example.com/v1\" by $KUBESIM_URL (is its CustomResourceDefinition installed?)"
	# only discovery was asked: /api, /api/v1, /apis and its groups
	run grep -cvE "^GET $KUBESIM_URL/(api|api/v1|apis|apis/[a-z0-9.]+/v[0-9a-z]+) 200 OK|^discovery cache|^kind Widget not in discovery|^error: " <<<"$stderr"
	assert_output 0
}

@test "plan: bad input stops before any request" {
	kubesim_start
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a\n' > bad.yaml
	run_split gantry plan -v 6 app bad.yaml
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "error: bad.yaml:4:1: invalid YAML: did not find expected ',' or '}' (while parsing a flow mapping at line 3)"
	printf 'apiVersion: v1\nkind: ConfigMap\n' > noname.yaml
	run_split gantry plan -v 6 noname.yaml
	assert_failure 1
	assert_equal "$stderr" "error: noname.yaml:1: ConfigMap object has no metadata.name"
	printf 'ignoreDifferences: [{kind: Deployment, paths: [spec/replicas]}]\n' > rules.yaml
	run_split gantry plan -v 6 --diff-rules rules.yaml app
	assert_failure 1
	assert_equal "$stderr" "error: rules.yaml: ignoreDifferences[0]: paths[0]: path \"spec/replicas\" is not a JSON pointer (it must start with '/', as /spec/replicas)"
}

@test "plan: bad options" {
	run_split gantry plan -o yaml app
	assert_failure 1
	assert_equal "$stderr" "error: unknown output format 'yaml' (use text or json)
Run 'gantry plan --help' for usage."
	run_split gantry plan --concurrency 0 app
	assert_failure 1
	assert_equal "$stderr" "error: --concurrency needs a number of at least 1, not '0'
Run 'gantry plan --help' for usage."
	run_split gantry plan --request-timeout soon app
	assert_failure 1
	[[ $stderr == "error: --request-timeout: "*"soon"* ]]
	# no gantry.yaml here: neither apps nor paths
	run_split gantry plan
	assert_failure 1
	assert_equal "$stderr" "error: no input: give app names (in a repository with a gantry.yaml), or manifest files or directories
Run 'gantry plan --help' for usage."
}

@test "plan: color only on a terminal, never with --no-color or NO_COLOR" {
	command -v script >/dev/null || skip "script(1) is not installed"
	kubesim_start
	esc=$'\033'
	run gantry plan app/00-namespace.yaml
	[[ $output != *"$esc"* ]]
	# script(1) gives gantry a terminal
	run script -qec "$GANTRY plan app/00-namespace.yaml" /dev/null
	assert_success
	[[ $output == *"$esc[1m$esc[32m+ create$esc[0m Namespace/shop"* ]]
	[[ $output == *"$esc[36m@@ -0,0 +1,4 @@$esc[0m"* ]]
	run script -qec "$GANTRY plan --no-color app/00-namespace.yaml" /dev/null
	[[ $output != *"$esc"* ]]
	NO_COLOR=1 run script -qec "$GANTRY plan app/00-namespace.yaml" /dev/null
	[[ $output != *"$esc"* ]]
}

# --- authentication and the errors of the client

@test "plan: a bearer token; a wrong one is a 401 naming user and context, never the token" {
	kubesim_start --token s3cr3t-token
	run_split gantry plan -v 9 app
	assert_success
	assert_line "Plan: 5 to create, 0 to update, 0 to delete, 0 unchanged."
	[[ $stderr != *s3cr3t* ]]
	sed -i 's/token: s3cr3t-token/token: wr0ng-token/' "$KUBECONFIG"
	run_split gantry plan -v 9 app
	assert_failure 1
	assert_output ""
	[[ $stderr != *wr0ng* && $stderr != *s3cr3t* ]]
	# discovery is in the cache since the first plan: the first GET fails
	assert_equal "$(tail -n 1 <<<"$stderr")" "error: app/00-namespace.yaml:1: Namespace/shop: GET /api/v1/namespaces/shop: 401 Unauthorized: the server rejected the credentials of user \"kubesim\" in context \"kubesim\" (authentication: token)"
}

@test "plan: an exec credential plugin" {
	kubesim_start --token pl4gin-token
	cat > cred.sh <<'EOF'
#!/bin/sh
echo '{"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential", "status": {"token": "pl4gin-token"}}'
EOF
	chmod +x cred.sh
	cat > kc-exec <<EOF
apiVersion: v1
kind: Config
clusters:
- name: sim
  cluster: {server: "$KUBESIM_URL"}
users:
- name: plugin
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ./cred.sh
      interactiveMode: Never
contexts:
- name: sim
  context: {cluster: sim, user: plugin}
current-context: sim
EOF
	run_split gantry plan --kubeconfig kc-exec -v 9 app
	assert_success
	assert_line "Plan: 5 to create, 0 to update, 0 to delete, 0 unchanged."
	[[ $stderr != *pl4gin* ]]
	# a plugin that fails
	printf '#!/bin/sh\necho "no session" >&2\nexit 3\n' > cred.sh
	run_split gantry plan --kubeconfig kc-exec app
	assert_failure 1
	assert_output ""
	# the plugin's own stderr reaches the user, as with kubectl; discovery
	# is cached since the first plan, so reading the first object fails
	assert_equal "$stderr" "no session
error: app/00-namespace.yaml:1: Namespace/shop: getting credentials for user \"plugin\" (context \"sim\") from exec plugin \"$BATS_TEST_TMPDIR/cred.sh\": it exited with status 3"
}

@test "plan: a client certificate over TLS" {
	require_kubectl
	# kubesim serves TLS but does not ask for client certificates (see
	# kubesim(1)): this proves gantry loads and offers the certificate and
	# key a kubeconfig names, and reports a key that does not match.
	kubesim_start --tls
	openssl req -x509 -newkey rsa:2048 -nodes -keyout client.key -out client.crt \
		-subj /CN=jane/O=devs -days 1 2>/dev/null
	openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other.crt \
		-subj /CN=other -days 1 2>/dev/null
	kubectl config set-credentials kubesim --token= --client-certificate=client.crt \
		--client-key=client.key >/dev/null
	run_split gantry plan app
	assert_success
	assert_line "Plan: 5 to create, 0 to update, 0 to delete, 0 unchanged."
	kubectl config set-credentials kubesim --client-key=other.key >/dev/null
	run_split gantry plan app
	assert_failure 1
	assert_output ""
	[[ $stderr == "error: "* ]]
}

@test "plan: TLS failure names the certificate problem" {
	require_kubectl
	kubesim_start --tls
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt \
		-subj /CN=another-ca -days 1 2>/dev/null
	kubectl config set-cluster kubesim --certificate-authority=ca.crt --embed-certs >/dev/null
	run_split gantry plan app
	assert_failure 1
	assert_output ""
	# discovery asks for /api and /apis at once: either fails first
	[[ $stderr =~ ^"error: discovery: TLS failure talking to $KUBESIM_URL (GET /api"s?"): the server's certificate is not trusted: unable to get local issuer certificate; the CA used was certificate-authority-data of cluster \"kubesim\""$ ]]
}

@test "plan: an unreachable server" {
	kubesim_start
	kubesim_stop
	run_split gantry plan --request-timeout 2s app
	assert_failure 1
	assert_output ""
	# discovery asks for /api and /apis at once: either fails first
	[[ $stderr =~ ^"error: discovery: after 6 attempts: cannot reach the Kubernetes API server at $KUBESIM_URL (GET /api"s?"): Failed to connect to 127.0.0.1 port ${KUBESIM_URL##*:} after "[0-9]+" ms: Couldn't connect to server"$ ]]
}

@test "plan: 403 on reading an object names the verb, resource and object" {
	kubesim_start
	# discovery is cached by a first plan; then every request is refused
	run gantry plan app
	assert_success
	run curl -sS -X POST --data 'rate=1,codes=403' "$KUBESIM_URL/kubesim/faults"
	assert_success
	run_split gantry plan app/00-namespace.yaml
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "error: app/00-namespace.yaml:1: Namespace/shop: GET /api/v1/namespaces/shop: 403 Forbidden: user \"kubesim\" in context \"kubesim\" may not get namespaces \"shop\": an error on the server (\"kubesim fault\") has prevented the request from succeeding"
}
