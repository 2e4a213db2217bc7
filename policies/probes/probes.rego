# Health probes on long-running workloads.
package builtin.probes

import rego.v1

import data.builtin.lib.k8s

# METADATA
# title: Long-running containers have a liveness probe
# description: Without a liveness probe a hung process keeps its pod Running forever.
# custom:
#   id: probes/liveness
#   severity: deny
#   kinds: [Deployment, StatefulSet, DaemonSet]
deny_liveness contains msg if some msg in missing_liveness(input)

# METADATA
# title: Long-running containers have a readiness probe
# description: Without a readiness probe traffic reaches pods before they can serve it, and rollouts cannot tell a bad version.
# custom:
#   id: probes/readiness
#   severity: deny
#   kinds: [Deployment, StatefulSet, DaemonSet]
deny_readiness contains msg if some msg in missing_readiness(input)

# One function per probe: rego-cpp 1.5.2 quotes a string literal passed as a function
# argument when it is formatted with sprintf (and then emits invalid JSON).
missing_liveness(obj) := {msg |
	obj.kind in k8s.long_running_kinds
	some c in k8s.containers(obj)
	not c.livenessProbe
	msg := sprintf("%s: container '%s' has no livenessProbe", [k8s.label(obj), c.name])
}

missing_readiness(obj) := {msg |
	obj.kind in k8s.long_running_kinds
	some c in k8s.containers(obj)
	not c.readinessProbe
	msg := sprintf("%s: container '%s' has no readinessProbe", [k8s.label(obj), c.name])
}
