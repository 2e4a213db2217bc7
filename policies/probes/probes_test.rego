package builtin.probes_test

import rego.v1

import data.builtin.probes

workload(kind, container) := {"kind": kind, "metadata": {"name": "w"}, "spec": {"template": {"spec": {"containers": [container]}}}}

probe := {"httpGet": {"path": "/healthz", "port": 8080}}

test_liveness_missing if count(probes.missing_liveness(workload("Deployment", {"name": "c"}))) == 1

test_liveness_set if count(probes.missing_liveness(workload("StatefulSet", {"name": "c", "livenessProbe": probe}))) == 0

test_readiness_missing if count(probes.missing_readiness(workload("DaemonSet", {"name": "c"}))) == 1

test_readiness_set if count(probes.missing_readiness(workload("Deployment", {"name": "c", "readinessProbe": probe}))) == 0

test_jobs_not_checked if count(probes.missing_readiness(workload("Job", {"name": "c"}))) == 0
