# Argo Rollouts: progressive delivery is only safe when something judges each step.
package builtin.rollouts

import rego.v1

import data.builtin.lib.k8s

# METADATA
# title: Canary rollouts with steps run an analysis
# description: >-
#   A canary with steps but no analysis (background `canary.analysis` or an `analysis`
#   step) promotes a bad version on a timer.
# custom:
#   id: rollouts/canary-analysis
#   severity: deny
#   kinds: [Rollout]
deny_canary_analysis contains msg if some msg in canary_analysis(input)

has_analysis(canary) if canary.analysis

has_analysis(canary) if {
	some step in canary.steps
	step.analysis
}

canary_analysis(obj) := {msg |
	obj.kind == "Rollout"
	canary := object.get(obj, ["spec", "strategy", "canary"], {})
	count(object.get(canary, "steps", [])) > 0
	not has_analysis(canary)
	msg := sprintf("%s: canary with steps but no analysis", [k8s.label(obj)])
}
