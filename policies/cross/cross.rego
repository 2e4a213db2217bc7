# Cross-resource checks inside one app (reads the whole app: data.auditor.resources).
package builtin.cross

import rego.v1

import data.builtin.lib.k8s

# METADATA
# title: An HPA targets a workload of the app
# description: An HPA whose scaleTargetRef names nothing in the app scales nothing (usually a rename).
# custom:
#   id: cross/hpa-target
#   severity: deny
#   kinds: [HorizontalPodAutoscaler]
deny_hpa_target contains msg if some msg in hpa_target(input, data.auditor.resources)

# METADATA
# title: A Service selects a workload of the app
# description: A Service whose selector matches no pod template of the app has no endpoints.
# custom:
#   id: cross/service-selector
#   severity: deny
#   kinds: [Service]
deny_service_selector contains msg if some msg in service_selector(input, data.auditor.resources)

target_exists(ref, resources) if {
	some obj in resources
	obj.kind == ref.kind
	k8s.name(obj) == ref.name
}

hpa_target(obj, resources) := {msg |
	obj.kind == "HorizontalPodAutoscaler"
	ref := obj.spec.scaleTargetRef
	not target_exists(ref, resources)
	msg := sprintf("%s: scaleTargetRef %s %s is not in the app", [k8s.label(obj), ref.kind, ref.name])
}

# Each clause first matches one pair of the selector (a cheap lookup that rules out most
# resources), then checks the kind and the whole selector.
selected(selector, resources) if {
	some key, value in selector
	some obj in resources
	obj.spec.template.metadata.labels[key] == value
	obj.kind in k8s.workload_kinds
	k8s.selects(selector, k8s.template_labels(obj))
} else if {
	some key, value in selector
	some obj in resources
	obj.metadata.labels[key] == value
	obj.kind == "Pod"
	k8s.selects(selector, object.get(obj, ["metadata", "labels"], {}))
}

service_selector(obj, resources) := {msg |
	obj.kind == "Service"
	selector := object.get(obj, ["spec", "selector"], {})
	count(selector) > 0
	not selected(selector, resources)
	msg := sprintf("%s: selector %v matches no workload of the app", [k8s.label(obj), selector])
}
