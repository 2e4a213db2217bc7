# Container resources: requests for scheduling, a memory limit against noisy neighbours.
package builtin.resources

import rego.v1

import data.builtin.lib.k8s

# METADATA
# title: Containers request CPU and memory
# description: >-
#   Without requests the scheduler packs pods blindly and they are the first evicted
#   under pressure (BestEffort QoS).
# custom:
#   id: resources/requests
#   severity: deny
#   kinds: [Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, Rollout, Pod, CronJob]
deny_requests contains msg if some msg in requests(input)

# METADATA
# title: Containers have a memory limit
# description: A container without a memory limit can take a node's memory and get its neighbours OOM-killed.
# custom:
#   id: resources/memory-limit
#   severity: deny
#   kinds: [Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, Rollout, Pod, CronJob]
deny_memory_limit contains msg if some msg in memory_limit(input)

# METADATA
# title: Containers have a CPU limit
# description: A CPU limit bounds a runaway container; a warning because throttling has its own costs.
# custom:
#   id: resources/cpu-limit
#   severity: warn
#   kinds: [Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, Rollout, Pod, CronJob]
warn_cpu_limit contains msg if some msg in cpu_limit(input)

requests(obj) := {msg |
	some c in k8s.containers(obj)
	some resource in ["cpu", "memory"]
	object.get(c, ["resources", "requests", resource], null) == null
	msg := sprintf("%s: container '%s' has no %s request", [k8s.label(obj), c.name, resource])
}

memory_limit(obj) := {msg |
	some c in k8s.containers(obj)
	object.get(c, ["resources", "limits", "memory"], null) == null
	msg := sprintf("%s: container '%s' has no memory limit", [k8s.label(obj), c.name])
}

cpu_limit(obj) := {msg |
	some c in k8s.containers(obj)
	object.get(c, ["resources", "limits", "cpu"], null) == null
	msg := sprintf("%s: container '%s' has no CPU limit", [k8s.label(obj), c.name])
}
