# Pod security: the restricted Pod Security Standard, as checks on desired manifests.
package builtin.security

import rego.v1

import data.builtin.lib.k8s
import data.builtin.lib.pods
import data.builtin.lib.subject

# METADATA
# title: No privileged containers
# description: A privileged container is root on the node.
# custom:
#   id: security/privileged
#   severity: deny
#   kinds: [Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, Rollout, Pod, CronJob]
deny_privileged contains msg if some msg in containers_privileged(subject.label, subject.all_containers)

# METADATA
# title: Privilege escalation is disabled
# description: allowPrivilegeEscalation must be false so setuid binaries cannot gain privileges.
# custom:
#   id: security/privilege-escalation
#   severity: deny
#   kinds: [Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, Rollout, Pod, CronJob]
deny_privilege_escalation contains msg if some msg in containers_escalating(subject.label, subject.all_containers)

# METADATA
# title: Containers run as non-root
# description: runAsNonRoot must be true (pod or container level); root in a container is one bug away from root on the node.
# custom:
#   id: security/run-as-non-root
#   severity: deny
#   kinds: [Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, Rollout, Pod, CronJob]
deny_run_as_non_root contains msg if some msg in containers_as_root(subject.label, subject.all_containers, subject.pod_context)

# METADATA
# title: No host namespaces
# description: hostNetwork, hostPID and hostIPC break the isolation between the pod and the node.
# custom:
#   id: security/host-namespaces
#   severity: deny
#   kinds: [Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, Rollout, Pod, CronJob]
deny_host_namespaces contains msg if some msg in pod_host_namespaces(subject.label, subject.pod_spec)

# METADATA
# title: No hostPath volumes
# description: A hostPath volume exposes the node's filesystem to the pod.
# custom:
#   id: security/host-path
#   severity: deny
#   kinds: [Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, Rollout, Pod, CronJob]
deny_host_path contains msg if some msg in pod_host_path(subject.label, subject.pod_spec)

# METADATA
# title: Read-only root filesystem
# description: A read-only root filesystem stops an intruder from changing the container's binaries.
# custom:
#   id: security/read-only-root-filesystem
#   severity: warn
#   kinds: [Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, Rollout, Pod, CronJob]
warn_read_only_root contains msg if some msg in containers_writable_root(subject.label, subject.containers)

# METADATA
# title: Capabilities are dropped
# description: Containers should drop ALL capabilities and add back only what they need.
# custom:
#   id: security/drop-all-capabilities
#   severity: warn
#   kinds: [Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, Rollout, Pod, CronJob]
warn_drop_all contains msg if some msg in containers_capabilities_kept(subject.label, subject.containers)

context(c) := object.get(c, "securityContext", {})

pod_context(obj) := object.get(pods.pod_spec(obj), "securityContext", {})

# Functions of an object (what the tests call), then the same checks on its parts (what
# the decision rules call with the parts computed once per query, see lib/subject.rego).
privileged(obj) := containers_privileged(k8s.label(obj), pods.all_containers(obj))

privilege_escalation(obj) := containers_escalating(k8s.label(obj), pods.all_containers(obj))

run_as_root(obj) := containers_as_root(k8s.label(obj), pods.all_containers(obj), pod_context(obj))

host_namespaces(obj) := pod_host_namespaces(k8s.label(obj), pods.pod_spec(obj))

host_path(obj) := pod_host_path(k8s.label(obj), pods.pod_spec(obj))

writable_root(obj) := containers_writable_root(k8s.label(obj), pods.containers(obj))

capabilities_kept(obj) := containers_capabilities_kept(k8s.label(obj), pods.containers(obj))

containers_privileged(label, containers) := {msg |
	some c in containers
	context(c).privileged == true
	msg := sprintf("%s: container '%s' is privileged", [label, c.name])
}

containers_escalating(label, containers) := {msg |
	some c in containers
	object.get(context(c), "allowPrivilegeEscalation", true) != false
	msg := sprintf("%s: container '%s' does not set allowPrivilegeEscalation: false", [label, c.name])
}

containers_as_root(label, containers, pod) := {msg |
	some c in containers
	object.get(context(c), "runAsNonRoot", object.get(pod, "runAsNonRoot", false)) != true
	msg := sprintf("%s: container '%s' may run as root (set runAsNonRoot: true)", [label, c.name])
}

pod_host_namespaces(label, spec) := {msg |
	some field in ["hostNetwork", "hostPID", "hostIPC"]
	object.get(spec, field, false) == true
	msg := sprintf("%s: %s is enabled", [label, field])
}

pod_host_path(label, spec) := {msg |
	some volume in object.get(spec, "volumes", [])
	volume.hostPath
	msg := sprintf("%s: volume '%s' mounts hostPath %s", [label, volume.name, volume.hostPath.path])
}

containers_writable_root(label, containers) := {msg |
	some c in containers
	object.get(context(c), "readOnlyRootFilesystem", false) != true
	msg := sprintf("%s: container '%s' has a writable root filesystem", [label, c.name])
}

containers_capabilities_kept(label, containers) := {msg |
	some c in containers
	not "ALL" in object.get(context(c), ["capabilities", "drop"], [])
	msg := sprintf("%s: container '%s' does not drop ALL capabilities", [label, c.name])
}
