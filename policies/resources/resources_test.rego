package builtin.resources_test

import rego.v1

import data.builtin.resources

pod(res) := {"kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "x:1", "resources": res}]}}

full := {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"cpu": "1", "memory": "128Mi"}}

test_requests_missing if count(resources.requests(pod({}))) == 2

test_requests_set if count(resources.requests(pod(full))) == 0

test_memory_limit_missing if count(resources.memory_limit(pod({"requests": full.requests}))) == 1

test_memory_limit_set if count(resources.memory_limit(pod(full))) == 0

test_cpu_limit_missing if count(resources.cpu_limit(pod({"limits": {"memory": "1Gi"}}))) == 1

test_cpu_limit_set if count(resources.cpu_limit(pod(full))) == 0
