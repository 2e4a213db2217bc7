# Availability of production workloads: replicas (or an HPA) and a disruption budget.
package builtin.availability

import rego.v1

import data.builtin.lib.k8s

# METADATA
# title: Production workloads run at least 2 replicas
# description: >-
#   One replica means downtime at every rollout, node drain or crash. An HPA of the app
#   with minReplicas >= 2 targeting the workload counts.
# custom:
#   id: availability/replicas
#   severity: deny
#   kinds: [Deployment, StatefulSet, Rollout]
deny_replicas contains msg if some msg in replicas(input, data.auditor.app, data.auditor.resources)

# METADATA
# title: Replicated production Deployments have a PodDisruptionBudget
# description: Without a PDB a node drain can evict every replica at once.
# custom:
#   id: availability/pdb
#   severity: warn
#   kinds: [Deployment]
warn_pdb contains msg if some msg in pdb(input, data.auditor.app, data.auditor.resources)

scaled_kinds := {"Deployment", "StatefulSet", "Rollout"}

replica_count(obj) := object.get(obj, ["spec", "replicas"], 1)

hpa_min(obj, resources) := max([m |
	some hpa in resources
	hpa.kind == "HorizontalPodAutoscaler"
	hpa.spec.scaleTargetRef.kind == obj.kind
	hpa.spec.scaleTargetRef.name == k8s.name(obj)
	m := object.get(hpa.spec, "minReplicas", 1)
])

scaled_to_two(obj, resources) if hpa_min(obj, resources) >= 2

replicas(obj, app, resources) := {msg |
	obj.kind in scaled_kinds
	k8s.is_production(obj, app)
	replica_count(obj) < 2
	not scaled_to_two(obj, resources)
	msg := sprintf("%s: production workload runs %d replica(s); run at least 2 (or an HPA with minReplicas >= 2)", [k8s.label(obj), replica_count(obj)])
}

has_pdb(obj, resources) if {
	some pdb in resources
	pdb.kind == "PodDisruptionBudget"
	k8s.namespace(pdb) == k8s.namespace(obj)
	k8s.selects(object.get(pdb, ["spec", "selector", "matchLabels"], {}), k8s.template_labels(obj))
}

pdb(obj, app, resources) := {msg |
	obj.kind == "Deployment"
	k8s.is_production(obj, app)
	replica_count(obj) >= 2
	not has_pdb(obj, resources)
	msg := sprintf("%s: production Deployment with %d replicas has no PodDisruptionBudget", [k8s.label(obj), replica_count(obj)])
}
