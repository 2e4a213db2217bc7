package builtin.availability_test

import rego.v1

import data.builtin.availability

deployment(replicas) := {
	"kind": "Deployment",
	"metadata": {"name": "web", "namespace": "production"},
	"spec": {"replicas": replicas, "template": {"metadata": {"labels": {"app": "web"}}}},
}

hpa(min) := {"kind": "HorizontalPodAutoscaler", "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "minReplicas": min}}

pdb := {"kind": "PodDisruptionBudget", "metadata": {"name": "web", "namespace": "production"}, "spec": {"selector": {"matchLabels": {"app": "web"}}}}

test_single_replica_denied if count(availability.replicas(deployment(1), {}, [])) == 1

test_two_replicas_allowed if count(availability.replicas(deployment(2), {}, [])) == 0

test_hpa_counts if count(availability.replicas(deployment(1), {}, [hpa(3)])) == 0

test_small_hpa_does_not_count if count(availability.replicas(deployment(1), {}, [hpa(1)])) == 1

test_environment_label_makes_production if {
	obj := json.patch(deployment(1), [{"op": "replace", "path": "/metadata/namespace", "value": "web"}])
	count(availability.replicas(obj, {"environment": "production"}, [])) == 1
}

test_dev_not_checked if {
	obj := json.patch(deployment(1), [{"op": "replace", "path": "/metadata/namespace", "value": "dev"}])
	count(availability.replicas(obj, {"environment": "dev"}, [])) == 0
}

test_pdb_missing_warned if count(availability.pdb(deployment(3), {}, [])) == 1

test_pdb_present_allowed if count(availability.pdb(deployment(3), {}, [pdb])) == 0
