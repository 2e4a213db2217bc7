# Health probes on long-running workloads.
package builtin.probes

import rego.v1

import data.builtin.lib.k8s
import data.builtin.lib.pods
import data.builtin.lib.subject

# METADATA
# title: Long-running containers have a liveness probe
# description: Without a liveness probe a hung process keeps its pod Running forever.
# custom:
#   id: probes/liveness
#   severity: deny
#   kinds: [Deployment, StatefulSet, DaemonSet]
deny_liveness contains msg if some msg in liveness_gaps(input.kind, subject.label, subject.containers)

# METADATA
# title: Long-running containers have a readiness probe
# description: Without a readiness probe traffic reaches pods before they can serve it, and rollouts cannot tell a bad version.
# custom:
#   id: probes/readiness
#   severity: deny
#   kinds: [Deployment, StatefulSet, DaemonSet]
deny_readiness contains msg if some msg in readiness_gaps(input.kind, subject.label, subject.containers)

# Functions of an object (tests), and of its parts (decision rules, see lib/subject.rego).
missing_liveness(obj) := liveness_gaps(obj.kind, k8s.label(obj), pods.containers(obj))

missing_readiness(obj) := readiness_gaps(obj.kind, k8s.label(obj), pods.containers(obj))

# One function per probe: rego-cpp 1.5.2 quotes a string literal passed as a function
# argument when it is formatted with sprintf (and then emits invalid JSON).
liveness_gaps(kind, label, containers) := {msg |
	kind in k8s.long_running_kinds
	some c in containers
	not c.livenessProbe
	msg := sprintf("%s: container '%s' has no livenessProbe", [label, c.name])
}

readiness_gaps(kind, label, containers) := {msg |
	kind in k8s.long_running_kinds
	some c in containers
	not c.readinessProbe
	msg := sprintf("%s: container '%s' has no readinessProbe", [label, c.name])
}
