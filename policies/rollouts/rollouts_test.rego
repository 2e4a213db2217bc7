package builtin.rollouts_test

import rego.v1

import data.builtin.rollouts

rollout(canary) := {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "metadata": {"name": "r"}, "spec": {"strategy": {"canary": canary}}}

test_steps_without_analysis_denied if count(rollouts.canary_analysis(rollout({"steps": [{"setWeight": 20}, {"pause": {}}]}))) == 1

test_background_analysis_allowed if {
	canary := {"steps": [{"setWeight": 20}], "analysis": {"templates": [{"templateName": "success-rate"}]}}
	count(rollouts.canary_analysis(rollout(canary))) == 0
}

test_analysis_step_allowed if {
	canary := {"steps": [{"setWeight": 20}, {"analysis": {"templates": [{"templateName": "t"}]}}]}
	count(rollouts.canary_analysis(rollout(canary))) == 0
}
