# Argo CD Applications and AppProjects declared in the repo.
package builtin.argocd

import rego.v1

import data.builtin.lib.k8s

# METADATA
# title: Production Applications sync automatically, self-heal and prune
# description: >-
#   A production Application must have `syncPolicy.automated` with selfHeal and prune,
#   and allowEmpty false, so Git stays the truth and an empty render never wipes it.
# custom:
#   id: argocd/automated-sync
#   severity: deny
#   kinds: [Application]
deny_automated_sync contains msg if some msg in automated_sync(input)

# METADATA
# title: Production Applications retry failed syncs
# description: Without `syncPolicy.retry` a transient failure leaves production OutOfSync until someone notices.
# custom:
#   id: argocd/retry
#   severity: deny
#   kinds: [Application]
deny_retry contains msg if some msg in retry(input)

# METADATA
# title: Production Applications use a dedicated project
# description: The `default` project allows any repo and any destination; production belongs to a restricted AppProject.
# custom:
#   id: argocd/project
#   severity: deny
#   kinds: [Application]
deny_default_project contains msg if some msg in default_project(input)

# METADATA
# title: AppProjects restrict their source repositories
# description: "`sourceRepos: ['*']` lets the project deploy from any repository."
# custom:
#   id: argocd/project-source-repos
#   severity: deny
#   kinds: [AppProject]
deny_source_repos contains msg if some msg in source_repos(input)

# METADATA
# title: AppProjects do not whitelist every cluster resource
# description: A `*` cluster-resource whitelist lets apps create ClusterRoles, CRDs and namespaces at will.
# custom:
#   id: argocd/project-cluster-resources
#   severity: warn
#   kinds: [AppProject]
warn_cluster_resources contains msg if some msg in cluster_resources(input)

# METADATA
# title: AppProjects do not allow every destination namespace
# description: A `*` destination namespace lets the project's apps deploy anywhere on the cluster.
# custom:
#   id: argocd/project-destinations
#   severity: warn
#   kinds: [AppProject]
warn_destinations contains msg if some msg in destinations(input)

is_application(obj) if {
	obj.kind == "Application"
	startswith(object.get(obj, "apiVersion", ""), "argoproj.io/")
}

is_project(obj) if {
	obj.kind == "AppProject"
	startswith(object.get(obj, "apiVersion", ""), "argoproj.io/")
}

production(obj) if object.get(obj, ["metadata", "labels", "environment"], "") == "production"

production(obj) if object.get(obj, ["spec", "destination", "namespace"], "") == "production"

requirements := ["selfHeal: true", "prune: true", "allowEmpty: false"]

satisfied(auto, "selfHeal: true") if auto.selfHeal == true

satisfied(auto, "prune: true") if auto.prune == true

satisfied(auto, "allowEmpty: false") if object.get(auto, "allowEmpty", false) == false

automated_gaps(auto) := [gap | some gap in requirements; not satisfied(auto, gap)]

automated_sync(obj) := manual_sync(obj) | partial_automation(obj)

manual_sync(obj) := {msg |
	is_application(obj)
	production(obj)
	object.get(obj, ["spec", "syncPolicy", "automated"], null) == null
	msg := sprintf("Application %s: production app without automated sync (syncPolicy.automated with selfHeal and prune)", [k8s.name(obj)])
}

partial_automation(obj) := {msg |
	is_application(obj)
	production(obj)
	auto := object.get(obj, ["spec", "syncPolicy", "automated"], null)
	auto != null
	gaps := automated_gaps(auto)
	count(gaps) > 0
	msg := sprintf("Application %s: production automated sync needs %s", [k8s.name(obj), concat(", ", gaps)])
}

retry(obj) := {msg |
	is_application(obj)
	production(obj)
	object.get(obj, ["spec", "syncPolicy", "retry"], null) == null
	msg := sprintf("Application %s: production app has no syncPolicy.retry", [k8s.name(obj)])
}

default_project(obj) := {msg |
	is_application(obj)
	production(obj)
	object.get(obj, ["spec", "project"], "default") in {"", "default"}
	msg := sprintf("Application %s: production app in the 'default' project", [k8s.name(obj)])
}

source_repos(obj) := {msg |
	is_project(obj)
	"*" in object.get(obj, ["spec", "sourceRepos"], [])
	msg := sprintf("AppProject %s: sourceRepos allows any repository ('*')", [k8s.name(obj)])
}

cluster_resources(obj) := {msg |
	is_project(obj)
	some entry in object.get(obj, ["spec", "clusterResourceWhitelist"], [])
	object.get(entry, "group", "") == "*"
	object.get(entry, "kind", "") == "*"
	msg := sprintf("AppProject %s: clusterResourceWhitelist allows every cluster resource", [k8s.name(obj)])
}

destinations(obj) := {msg |
	is_project(obj)
	some dest in object.get(obj, ["spec", "destinations"], [])
	object.get(dest, "namespace", "") == "*"
	where := object.get(dest, "server", object.get(dest, "name", "?"))
	msg := sprintf("AppProject %s: destination %s allows every namespace ('*')", [k8s.name(obj), where])
}
