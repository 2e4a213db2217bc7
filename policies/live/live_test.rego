package builtin.live_test

import rego.v1

import data.builtin.live

# Constants, not functions of a namespace: rego-cpp 1.5.2 emits invalid JSON when a
# string literal passed as a function argument is formatted with sprintf.
labelled := {
	"group": "apps", "kind": "Deployment", "namespace": "production", "name": "my-api", "status": "Synced",
	"unmanaged": [{"path": "metadata.labels.hotfix", "manager": "kubectl-label", "time": "2025-01-01T00:00:00Z"}],
}

labelled_web := json.patch(labelled, [{"op": "replace", "path": "/namespace", "value": "web"}])

labelled_staging := json.patch(labelled, [{"op": "replace", "path": "/namespace", "value": "staging"}])

extra := {"group": "", "kind": "ConfigMap", "namespace": "production", "name": "debug", "status": "Extra", "unmanaged": []}

extra_dev := json.patch(extra, [{"op": "replace", "path": "/namespace", "value": "dev"}])

synced := json.patch(labelled, [{"op": "replace", "path": "/unmanaged", "value": []}])

production_env := {"environment": "production"}

staging_env := {"environment": "staging", "namespace": "staging"}

dev_env := {"environment": "dev", "namespace": "dev"}

test_unmanaged_in_production_namespace_denied if {
	[v] := [v | some v in live.unmanaged({"app": {}, "drift": [labelled]})]
	v.msg == "Deployment production/my-api: unmanaged change to metadata.labels.hotfix by kubectl-label at 2025-01-01T00:00:00Z in production"
	v.resource == {"group": "apps", "kind": "Deployment", "namespace": "production", "name": "my-api"}
}

test_unmanaged_in_production_environment_denied if {
	count(live.unmanaged({"app": production_env, "drift": [labelled_web]})) == 1
}

test_unmanaged_in_staging_allowed if {
	count(live.unmanaged({"app": staging_env, "drift": [labelled_staging]})) == 0
}

test_extra_in_production_denied if {
	[v] := [v | some v in live.extra({"app": {}, "drift": [extra]})]
	v.msg == "ConfigMap production/debug: in the production cluster but not in Git (Extra)"
}

test_extra_in_dev_allowed if count(live.extra({"app": dev_env, "drift": [extra_dev]})) == 0

test_synced_production_resource_allowed if {
	count(live.unmanaged({"app": {}, "drift": [synced]})) == 0
	count(live.extra({"app": {}, "drift": [synced]})) == 0
}
