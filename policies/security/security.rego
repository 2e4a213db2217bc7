# Pod security: the restricted Pod Security Standard, as checks on desired manifests.
package builtin.security

import rego.v1

import data.builtin.lib.k8s

# METADATA
# title: No privileged containers
# description: A privileged container is root on the node.
# custom:
#   id: security/privileged
#   severity: deny
#   kinds: [Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, Rollout, Pod, CronJob]
deny_privileged contains msg if some msg in privileged(input)

# METADATA
# title: Privilege escalation is disabled
# description: allowPrivilegeEscalation must be false so setuid binaries cannot gain privileges.
# custom:
#   id: security/privilege-escalation
#   severity: deny
#   kinds: [Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, Rollout, Pod, CronJob]
deny_privilege_escalation contains msg if some msg in privilege_escalation(input)

# METADATA
# title: Containers run as non-root
# description: runAsNonRoot must be true (pod or container level); root in a container is one bug away from root on the node.
# custom:
#   id: security/run-as-non-root
#   severity: deny
#   kinds: [Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, Rollout, Pod, CronJob]
deny_run_as_non_root contains msg if some msg in run_as_root(input)

# METADATA
# title: No host namespaces
# description: hostNetwork, hostPID and hostIPC break the isolation between the pod and the node.
# custom:
#   id: security/host-namespaces
#   severity: deny
#   kinds: [Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, Rollout, Pod, CronJob]
deny_host_namespaces contains msg if some msg in host_namespaces(input)

# METADATA
# title: No hostPath volumes
# description: A hostPath volume exposes the node's filesystem to the pod.
# custom:
#   id: security/host-path
#   severity: deny
#   kinds: [Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, Rollout, Pod, CronJob]
deny_host_path contains msg if some msg in host_path(input)

# METADATA
# title: Read-only root filesystem
# description: A read-only root filesystem stops an intruder from changing the container's binaries.
# custom:
#   id: security/read-only-root-filesystem
#   severity: warn
#   kinds: [Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, Rollout, Pod, CronJob]
warn_read_only_root contains msg if some msg in writable_root(input)

# METADATA
# title: Capabilities are dropped
# description: Containers should drop ALL capabilities and add back only what they need.
# custom:
#   id: security/drop-all-capabilities
#   severity: warn
#   kinds: [Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, Rollout, Pod, CronJob]
warn_drop_all contains msg if some msg in capabilities_kept(input)

context(c) := object.get(c, "securityContext", {})

pod_context(obj) := object.get(k8s.pod_spec(obj), "securityContext", {})

privileged(obj) := {msg |
	some c in k8s.all_containers(obj)
	context(c).privileged == true
	msg := sprintf("%s: container '%s' is privileged", [k8s.label(obj), c.name])
}

privilege_escalation(obj) := {msg |
	some c in k8s.all_containers(obj)
	object.get(context(c), "allowPrivilegeEscalation", true) != false
	msg := sprintf("%s: container '%s' does not set allowPrivilegeEscalation: false", [k8s.label(obj), c.name])
}

run_as_root(obj) := {msg |
	some c in k8s.all_containers(obj)
	object.get(context(c), "runAsNonRoot", object.get(pod_context(obj), "runAsNonRoot", false)) != true
	msg := sprintf("%s: container '%s' may run as root (set runAsNonRoot: true)", [k8s.label(obj), c.name])
}

host_namespaces(obj) := {msg |
	some field in ["hostNetwork", "hostPID", "hostIPC"]
	object.get(k8s.pod_spec(obj), field, false) == true
	msg := sprintf("%s: %s is enabled", [k8s.label(obj), field])
}

host_path(obj) := {msg |
	some volume in object.get(k8s.pod_spec(obj), "volumes", [])
	volume.hostPath
	msg := sprintf("%s: volume '%s' mounts hostPath %s", [k8s.label(obj), volume.name, volume.hostPath.path])
}

writable_root(obj) := {msg |
	some c in k8s.containers(obj)
	object.get(context(c), "readOnlyRootFilesystem", false) != true
	msg := sprintf("%s: container '%s' has a writable root filesystem", [k8s.label(obj), c.name])
}

capabilities_kept(obj) := {msg |
	some c in k8s.containers(obj)
	not "ALL" in object.get(context(c), ["capabilities", "drop"], [])
	msg := sprintf("%s: container '%s' does not drop ALL capabilities", [k8s.label(obj), c.name])
}
