# Container resources: requests for scheduling, a memory limit against noisy neighbours.
package builtin.resources

import rego.v1

import data.builtin.lib.k8s
import data.builtin.lib.pods
import data.builtin.lib.subject

# METADATA
# title: Containers request CPU and memory
# description: >-
#   Without requests the scheduler packs pods blindly and they are the first evicted
#   under pressure (BestEffort QoS).
# custom:
#   id: resources/requests
#   severity: deny
#   kinds: [Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, Rollout, Pod, CronJob]
deny_requests contains msg if some msg in containers_requests(subject.label, subject.containers)

# METADATA
# title: Containers have a memory limit
# description: A container without a memory limit can take a node's memory and get its neighbours OOM-killed.
# custom:
#   id: resources/memory-limit
#   severity: deny
#   kinds: [Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, Rollout, Pod, CronJob]
deny_memory_limit contains msg if some msg in containers_memory_limit(subject.label, subject.containers)

# METADATA
# title: Containers have a CPU limit
# description: A CPU limit bounds a runaway container; a warning because throttling has its own costs.
# custom:
#   id: resources/cpu-limit
#   severity: warn
#   kinds: [Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, Rollout, Pod, CronJob]
warn_cpu_limit contains msg if some msg in containers_cpu_limit(subject.label, subject.containers)

# Functions of an object (tests), and of its parts (decision rules, see lib/subject.rego).
requests(obj) := containers_requests(k8s.label(obj), pods.containers(obj))

memory_limit(obj) := containers_memory_limit(k8s.label(obj), pods.containers(obj))

cpu_limit(obj) := containers_cpu_limit(k8s.label(obj), pods.containers(obj))

containers_requests(label, containers) := {msg |
	some c in containers
	some resource in ["cpu", "memory"]
	object.get(c, ["resources", "requests", resource], null) == null
	msg := sprintf("%s: container '%s' has no %s request", [label, c.name, resource])
}

containers_memory_limit(label, containers) := {msg |
	some c in containers
	object.get(c, ["resources", "limits", "memory"], null) == null
	msg := sprintf("%s: container '%s' has no memory limit", [label, c.name])
}

containers_cpu_limit(label, containers) := {msg |
	some c in containers
	object.get(c, ["resources", "limits", "cpu"], null) == null
	msg := sprintf("%s: container '%s' has no CPU limit", [label, c.name])
}
