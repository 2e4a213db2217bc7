package builtin.argocd_test

import rego.v1

import data.builtin.argocd

app(project, sync) := {
	"apiVersion": "argoproj.io/v1alpha1",
	"kind": "Application",
	"metadata": {"name": "web-production", "labels": {"environment": "production"}},
	"spec": {"project": project, "destination": {"namespace": "web"}, "syncPolicy": sync},
}

good_sync := {"automated": {"prune": true, "selfHeal": true, "allowEmpty": false}, "retry": {"limit": 3}}

project(spec) := {"apiVersion": "argoproj.io/v1alpha1", "kind": "AppProject", "metadata": {"name": "p"}, "spec": spec}

test_manual_sync_denied if count(argocd.automated_sync(app("platform", {}))) == 1

test_partial_automation_denied if count(argocd.automated_sync(app("platform", {"automated": {"prune": true}}))) == 1

test_full_automation_allowed if count(argocd.automated_sync(app("platform", good_sync))) == 0

test_dev_not_checked if {
	dev := json.patch(app("platform", {}), [{"op": "replace", "path": "/metadata/labels/environment", "value": "dev"}])
	count(argocd.automated_sync(dev)) == 0
}

test_retry_missing_denied if count(argocd.retry(app("platform", {"automated": {}}))) == 1

test_retry_set_allowed if count(argocd.retry(app("platform", good_sync))) == 0

test_default_project_denied if count(argocd.default_project(app("default", good_sync))) == 1

test_named_project_allowed if count(argocd.default_project(app("platform", good_sync))) == 0

test_any_source_repo_denied if count(argocd.source_repos(project({"sourceRepos": ["*"]}))) == 1

test_listed_source_repos_allowed if count(argocd.source_repos(project({"sourceRepos": ["https://git.example.com/a.git"]}))) == 0

test_cluster_wildcard_warned if count(argocd.cluster_resources(project({"clusterResourceWhitelist": [{"group": "*", "kind": "*"}]}))) == 1

test_cluster_namespace_only_allowed if count(argocd.cluster_resources(project({"clusterResourceWhitelist": [{"group": "", "kind": "Namespace"}]}))) == 0

test_destination_wildcard_warned if count(argocd.destinations(project({"destinations": [{"namespace": "*", "server": "https://k"}]}))) == 1

test_destination_named_allowed if count(argocd.destinations(project({"destinations": [{"namespace": "team-*", "server": "https://k"}]}))) == 0
