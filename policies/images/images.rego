# Container images: pinned tags, trusted registries.
package builtin.images

import rego.v1

import data.builtin.lib.k8s
import data.builtin.lib.pods
import data.builtin.lib.subject

# METADATA
# title: Images are pinned to a tag or digest
# description: >-
#   An image without a tag, or tagged `latest`, changes under the same manifest: what runs
#   depends on when a node pulled it, rollbacks do not roll back and Git no longer
#   describes the cluster.
# custom:
#   id: images/no-latest
#   severity: deny
#   kinds: [Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, Rollout, Pod, CronJob]
deny_latest_tag contains msg if some msg in containers_latest_tag(subject.label, subject.all_containers)

# METADATA
# title: Images come from allowed registries
# description: >-
#   Images must come from the registries in `data.allowed_registries` (config
#   `policy.data`), where they are scanned and signed. Without that list, no restriction.
# custom:
#   id: images/allowed-registries
#   severity: deny
#   kinds: [Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, Rollout, Pod, CronJob]
deny_registry contains msg if some msg in containers_registry(subject.label, subject.all_containers, data.allowed_registries)

# Functions of an object (tests), and of its parts (decision rules, see lib/subject.rego).
latest_tag(obj) := containers_latest_tag(k8s.label(obj), pods.all_containers(obj))

registry(obj, allowed) := containers_registry(k8s.label(obj), pods.all_containers(obj), allowed)

containers_latest_tag(label, containers) := {msg |
	some c in containers
	not pinned(c.image)
	msg := sprintf("%s: container '%s' uses image '%s' without a pinned tag (untagged or :latest)", [label, c.name, c.image])
}

containers_registry(label, containers, allowed) := {msg |
	count(allowed) > 0
	some c in containers
	not from_registry(c.image, allowed)
	msg := sprintf("%s: container '%s' uses image '%s' from a registry not in %v", [label, c.name, c.image, allowed])
}

# Else chains: only the clause that matters is evaluated.
pinned(image) if {
	contains(image, "@sha256:")
} else if {
	not contains(image, "@")
	tag := image_tag(image)
	tag != ""
	tag != "latest"
}

# The tag: after a ":" in the last path segment (a registry port is not a tag).
image_tag(image) := tag if {
	parts := split(image, "/")
	last := parts[count(parts) - 1]
	contains(last, ":")
	pieces := split(last, ":")
	tag := pieces[count(pieces) - 1]
} else := "" if {
	parts := split(image, "/")
	not contains(parts[count(parts) - 1], ":")
}

from_registry(image, allowed) if {
	some registry in allowed
	startswith(image, concat("", [trim_suffix(registry, "/"), "/"]))
}
