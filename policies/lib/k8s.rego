# Helpers shared by the built-in policies, as functions of an object.
# The library is written as functions (not rules reading `input`) so that tests call them
# directly: regopy 1.5.2 crashes on `with input as` when the rule depends on other rules.
package builtin.lib.k8s

import rego.v1

workload_kinds := {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "Rollout"}

long_running_kinds := {"Deployment", "StatefulSet", "DaemonSet"}

name(obj) := object.get(obj, ["metadata", "name"], "")

namespace(obj) := object.get(obj, ["metadata", "namespace"], "")

# "Kind name" for messages.
label(obj) := sprintf("%s %s", [object.get(obj, "kind", ""), name(obj)])

template_labels(obj) := object.get(obj, ["spec", "template", "metadata", "labels"], {})

# Every key/value of `selector` is in `labels` (an empty selector selects nothing).
selects(selector, labels) if {
	count(selector) > 0
	every key, value in selector {
		labels[key] == value
	}
}

# Production: the object's namespace, or the app's `environment` label.
is_production(obj, app) if {
	namespace(obj) == "production"
} else if {
	object.get(app, "environment", "") == "production"
} else if {
	object.get(app, "namespace", "") == "production"
}
