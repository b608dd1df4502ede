#!/usr/bin/env bats
# Proof of fidelity: the machine's kubectl against kubesim, as against a
# real cluster. Expected outputs are what kubectl prints against
# kube-apiserver 1.32 for these manifests (testdata/kubesim); values that
# differ from run to run (uids, timestamps, resourceVersions, ages) are
# masked with mask() before comparing.

setup() {
	load helpers
	require_kubectl
	DATA="$GANTRY_TESTDATA/kubesim"
	kubesim_start --tls --tick 50ms
}

teardown() {
	kubesim_stop
}

# uids, times, versions and template hashes out of YAML and tables
mask() {
	sed -E -e 's/(uid: ).*/\1UID/' \
		-e 's/(creationTimestamp|lastTransitionTime|lastUpdateTime): "[^"]*"/\1: TIME/' \
		-e 's/(resourceVersion: )"[0-9]+"/\1RV/' \
		-e 's/ +[0-9]+(s|m[0-9]*s?)$/ AGE/' \
		-e 's/(ReplicaSet "[a-z0-9-]+)-[bcdfghjklmnpqrstvwxz2456789]+"/\1-HASH"/'
}

# kubectl ARGS... with the output masked
kubectl_masked() {
	kubectl "$@" | mask
}

apply_shop() {
	run kubectl apply -f "$DATA/shop"
	assert_success
	assert_output "namespace/shop created
serviceaccount/web created
role.rbac.authorization.k8s.io/web created
rolebinding.rbac.authorization.k8s.io/web created
configmap/web created
secret/web created
persistentvolumeclaim/uploads created
deployment.apps/web created
service/web created"
}

@test "kubectl: apply -f a multi-kind manifest set, a CRD and its custom resource" {
	apply_shop
	run kubectl apply -f "$DATA/crd/widgets.yaml"
	assert_output "customresourcedefinition.apiextensions.k8s.io/widgets.example.com created"
	run kubectl wait --for=condition=Established crd/widgets.example.com --timeout=10s
	assert_output "customresourcedefinition.apiextensions.k8s.io/widgets.example.com condition met"
	run kubectl apply -f "$DATA/crd/widget.yaml"
	assert_success
	assert_output "widget.example.com/gear created"
	# the CRD's printer columns (naming any replaces the default Age)
	run kubectl get widgets -n shop
	assert_output "NAME   SIZE
gear   3"
	run kubectl get wd gear -n shop -o jsonpath='{.spec.colour}'
	assert_output "blue"
}

@test "kubectl: get -o yaml shows the server's defaults and metadata" {
	apply_shop
	run kubectl_masked get configmap web -n shop -o yaml
	assert_output 'apiVersion: v1
data:
  mode: production
  workers: "4"
kind: ConfigMap
metadata:
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: |
      {"apiVersion":"v1","data":{"mode":"production","workers":"4"},"kind":"ConfigMap","metadata":{"annotations":{},"labels":{"app":"web"},"name":"web","namespace":"shop"}}
  creationTimestamp: TIME
  labels:
    app: web
  name: web
  namespace: shop
  resourceVersion: RV
  uid: UID'
	run kubectl wait --for=condition=Available deployment/web -n shop --timeout=10s
	run kubectl_masked get deployment web -n shop -o yaml
	# without the last-applied annotation's two lines
	output=$(grep -v -e last-applied-configuration -e '^      {' <<<"$output")
	assert_output 'apiVersion: apps/v1
kind: Deployment
metadata:
  annotations:
    deployment.kubernetes.io/revision: "1"
  creationTimestamp: TIME
  generation: 1
  labels:
    app: web
  name: web
  namespace: shop
  resourceVersion: RV
  uid: UID
spec:
  progressDeadlineSeconds: 600
  replicas: 2
  revisionHistoryLimit: 10
  selector:
    matchLabels:
      app: web
  strategy:
    rollingUpdate:
      maxSurge: 25%
      maxUnavailable: 25%
    type: RollingUpdate
  template:
    metadata:
      creationTimestamp: null
      labels:
        app: web
    spec:
      containers:
      - envFrom:
        - configMapRef:
            name: web
        image: nginx:1.27
        imagePullPolicy: IfNotPresent
        name: web
        ports:
        - containerPort: 80
          name: http
          protocol: TCP
        resources: {}
        terminationMessagePath: /dev/termination-log
        terminationMessagePolicy: File
        volumeMounts:
        - mountPath: /uploads
          name: uploads
      dnsPolicy: ClusterFirst
      restartPolicy: Always
      schedulerName: default-scheduler
      securityContext: {}
      serviceAccount: web
      serviceAccountName: web
      terminationGracePeriodSeconds: 30
      volumes:
      - name: uploads
        persistentVolumeClaim:
          claimName: uploads
status:
  availableReplicas: 2
  conditions:
  - lastTransitionTime: TIME
    lastUpdateTime: TIME
    message: Deployment has minimum availability.
    reason: MinimumReplicasAvailable
    status: "True"
    type: Available
  - lastTransitionTime: TIME
    lastUpdateTime: TIME
    message: ReplicaSet "web-HASH" has successfully progressed.
    reason: NewReplicaSetAvailable
    status: "True"
    type: Progressing
  observedGeneration: 1
  readyReplicas: 2
  replicas: 2
  updatedReplicas: 2'
}

@test "kubectl: get prints the server's tables" {
	apply_shop
	run kubectl_masked get namespaces
	assert_output "NAME              STATUS   AGE
default           Active AGE
kube-node-lease   Active AGE
kube-public       Active AGE
kube-system       Active AGE
shop              Active AGE"
	run kubectl_masked get service web -n shop
	assert_output "NAME   TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE
web    ClusterIP   10.96.0.10   <none>        80/TCP AGE"
}

@test "kubectl: re-apply of a changed file configures only what changed; diff shows it" {
	apply_shop
	cp -r "$DATA/shop" "$BATS_TEST_TMPDIR/shop"
	sed -i 's/mode: production/mode: staging/' "$BATS_TEST_TMPDIR/shop/20-config.yaml"
	run kubectl diff -f "$BATS_TEST_TMPDIR/shop"
	assert_failure 1
	run bash -c "kubectl diff -f '$BATS_TEST_TMPDIR/shop' | grep -E '^[-+]' | grep -vE '^(---|\+\+\+) '"
	# kubectl diff merges without updating last-applied-configuration
	assert_output '-  mode: production
+  mode: staging'
	run kubectl apply -f "$BATS_TEST_TMPDIR/shop"
	# a Secret written with stringData is "configured" on every apply,
	# as against a real server: stringData is never stored
	assert_output "namespace/shop unchanged
serviceaccount/web unchanged
role.rbac.authorization.k8s.io/web unchanged
rolebinding.rbac.authorization.k8s.io/web unchanged
configmap/web configured
secret/web configured
persistentvolumeclaim/uploads unchanged
deployment.apps/web unchanged
service/web unchanged"
	run kubectl diff -f "$BATS_TEST_TMPDIR/shop/20-config.yaml"
	assert_success
	assert_output ""
	run kubectl get configmap web -n shop -o jsonpath='{.data.mode}'
	assert_output "staging"
}

@test "kubectl: wait --for=condition=Available deployment/x" {
	apply_shop
	run kubectl wait --for=condition=Available deployment/web -n shop --timeout=10s
	assert_success
	assert_output "deployment.apps/web condition met"
	run kubectl rollout status deployment/web -n shop --timeout=10s
	assert_output 'deployment "web" successfully rolled out'
}

@test "kubectl: a Deployment's ReplicaSets, Pods and revisions" {
	apply_shop
	run kubectl wait --for=condition=Available deployment/web -n shop --timeout=10s
	run kubectl wait --for=condition=Ready pod -l app=web -n shop --timeout=10s
	assert_success
	run kubectl get pods -n shop -l app=web -o name
	[ "${#lines[@]}" -eq 2 ]
	run kubectl set image deployment/web web=nginx:1.28 -n shop
	assert_output "deployment.apps/web image updated"
	run kubectl rollout status deployment/web -n shop --timeout=10s
	assert_output --partial 'deployment "web" successfully rolled out'
	run kubectl rollout history deployment/web -n shop
	assert_output "deployment.apps/web 
REVISION  CHANGE-CAUSE
1         <none>
2         <none>"
	# the old ReplicaSet is kept, scaled to zero
	run kubectl get replicasets -n shop -o jsonpath='{range .items[*]}{.spec.replicas}{" "}{.metadata.annotations.deployment\.kubernetes\.io/revision}{"\n"}{end}'
	assert_output --regexp '^(0 1
2 2|2 2
0 1)$'
}

@test "kubectl: delete" {
	apply_shop
	run kubectl delete configmap web -n shop
	assert_success
	assert_output 'configmap "web" deleted'
	run_split kubectl get configmap web -n shop
	assert_failure 1
	assert_equal "$stderr" 'Error from server (NotFound): configmaps "web" not found'
	run kubectl delete namespace shop --timeout=10s
	assert_output 'namespace "shop" deleted'
	run_split kubectl get deployments -n shop
	assert_equal "$stderr" "No resources found in shop namespace."
}

@test "kubectl: api-resources lists every built-in resource as the server does" {
	run kubectl api-resources
	assert_success
	assert_output "NAME                        SHORTNAMES   APIVERSION                     NAMESPACED   KIND
configmaps                  cm           v1                             true         ConfigMap
endpoints                   ep           v1                             true         Endpoints
events                      ev           v1                             true         Event
limitranges                 limits       v1                             true         LimitRange
namespaces                  ns           v1                             false        Namespace
nodes                       no           v1                             false        Node
persistentvolumeclaims      pvc          v1                             true         PersistentVolumeClaim
persistentvolumes           pv           v1                             false        PersistentVolume
pods                        po           v1                             true         Pod
resourcequotas              quota        v1                             true         ResourceQuota
secrets                                  v1                             true         Secret
serviceaccounts             sa           v1                             true         ServiceAccount
services                    svc          v1                             true         Service
customresourcedefinitions   crd,crds     apiextensions.k8s.io/v1        false        CustomResourceDefinition
apiservices                              apiregistration.k8s.io/v1      false        APIService
daemonsets                  ds           apps/v1                        true         DaemonSet
deployments                 deploy       apps/v1                        true         Deployment
replicasets                 rs           apps/v1                        true         ReplicaSet
statefulsets                sts          apps/v1                        true         StatefulSet
horizontalpodautoscalers    hpa          autoscaling/v2                 true         HorizontalPodAutoscaler
cronjobs                    cj           batch/v1                       true         CronJob
jobs                                     batch/v1                       true         Job
leases                                   coordination.k8s.io/v1         true         Lease
ingressclasses                           networking.k8s.io/v1           false        IngressClass
ingresses                   ing          networking.k8s.io/v1           true         Ingress
networkpolicies             netpol       networking.k8s.io/v1           true         NetworkPolicy
poddisruptionbudgets        pdb          policy/v1                      true         PodDisruptionBudget
clusterrolebindings                      rbac.authorization.k8s.io/v1   false        ClusterRoleBinding
clusterroles                             rbac.authorization.k8s.io/v1   false        ClusterRole
rolebindings                             rbac.authorization.k8s.io/v1   true         RoleBinding
roles                                    rbac.authorization.k8s.io/v1   true         Role
priorityclasses             pc           scheduling.k8s.io/v1           false        PriorityClass
storageclasses              sc           storage.k8s.io/v1              false        StorageClass"
}

@test "kubectl: a wrong token is Unauthorized; a read-only token is Forbidden to write" {
	kubesim_stop
	kubesim_start --tls --token right --readonly-token viewer
	run_split kubectl --token=wrong get namespaces
	assert_failure 1
	# kubectl 1.32's words for a 401 (after its discovery retries)
	assert_equal "$(tail -n 1 <<<"$stderr")" "error: You must be logged in to the server (the server has asked for the client to provide credentials)"
	run kubectl --token=viewer get namespace default -o name
	assert_output "namespace/default"
	run_split kubectl --token=viewer apply -f "$DATA/shop/00-namespace.yaml"
	assert_failure 1
	assert_equal "$stderr" "Error from server (Forbidden): error when creating \"$DATA/shop/00-namespace.yaml\": namespaces is forbidden: User \"kubesim-readonly\" cannot create resource \"namespaces\" in API group \"\" at the cluster scope"
}

@test "kubectl: --dry-run=server validates and stores nothing" {
	apply_shop
	run kubectl apply -f "$DATA/crd/widgets.yaml" --dry-run=server
	assert_output "customresourcedefinition.apiextensions.k8s.io/widgets.example.com created (server dry run)"
	run_split kubectl get crd widgets.example.com
	assert_equal "$stderr" 'Error from server (NotFound): customresourcedefinitions.apiextensions.k8s.io "widgets.example.com" not found'
	sed 's/replicas: 2/replicas: -1/' "$DATA/shop/40-web.yaml" >"$BATS_TEST_TMPDIR/bad.yaml"
	run_split kubectl apply -f "$BATS_TEST_TMPDIR/bad.yaml" --dry-run=server
	assert_failure 1
	assert_equal "$stderr" "The Deployment \"web\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0"
}

@test "kubectl: apply --server-side and scale" {
	run kubectl apply --server-side -f "$DATA/shop/00-namespace.yaml" -f "$DATA/shop/20-config.yaml"
	assert_success
	assert_output "namespace/shop serverside-applied
configmap/web serverside-applied
secret/web serverside-applied"
	run kubectl apply -f "$DATA/shop/40-web.yaml"
	run kubectl scale deployment web -n shop --replicas=3
	assert_output "deployment.apps/web scaled"
	run kubectl get deployment web -n shop -o jsonpath='{.spec.replicas}'
	assert_output "3"
}

@test "kubectl: create namespace, configmap, secret, deployment (protobuf bodies); get nodes" {
	run kubectl create namespace shop
	assert_output "namespace/shop created"
	run kubectl create configmap web -n shop --from-literal=mode=prod
	assert_output "configmap/web created"
	run kubectl create secret generic db -n shop --from-literal=password=not-a-real-one
	assert_output "secret/db created"
	run kubectl create deployment web -n shop --image=nginx:1.27 --replicas=2
	assert_output "deployment.apps/web created"
	run kubectl get configmap web -n shop -o jsonpath='{.data.mode}'
	assert_output "prod"
	run kubectl get deployment web -n shop -o jsonpath='{.spec.replicas} {.spec.template.spec.containers[0].image}'
	assert_output "2 nginx:1.27"
	run kubectl get nodes
	assert_line --index 0 "NAME           STATUS   ROLES           AGE   VERSION"
	assert_line --index 1 --regexp '^kubesim-node   Ready    control-plane   [0-9]+s +v1\.32\.0$'
	[ "${#lines[@]}" -eq 2 ]
}
