# Container images: pinned tags, trusted registries.
package builtin.images

import rego.v1

import data.builtin.lib.k8s

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
deny_latest_tag contains msg if some msg in latest_tag(input)

# METADATA
# title: Images come from allowed registries
# description: >-
#   Images must come from the registries in `data.allowed_registries` (config
#   `policy.data`), where they are scanned and signed. Without that list, no restriction.
# custom:
#   id: images/allowed-registries
#   severity: deny
#   kinds: [Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, Rollout, Pod, CronJob]
deny_registry contains msg if some msg in registry(input, data.allowed_registries)

latest_tag(obj) := {msg |
	some c in k8s.all_containers(obj)
	not pinned(c.image)
	msg := sprintf("%s: container '%s' uses image '%s' without a pinned tag (untagged or :latest)", [k8s.label(obj), c.name, c.image])
}

registry(obj, allowed) := {msg |
	count(allowed) > 0
	some c in k8s.all_containers(obj)
	not from_registry(c.image, allowed)
	msg := sprintf("%s: container '%s' uses image '%s' from a registry not in %v", [k8s.label(obj), c.name, c.image, allowed])
}

pinned(image) if contains(image, "@sha256:")

pinned(image) if {
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
}

image_tag(image) := "" if {
	parts := split(image, "/")
	not contains(parts[count(parts) - 1], ":")
}

from_registry(image, allowed) if {
	some registry in allowed
	startswith(image, concat("", [trim_suffix(registry, "/"), "/"]))
}
