# Pod templates and their containers, as functions of an object. A package of its own
# (not in k8s.rego) because the bundles compiled per app do not need it: each module a
# bundle holds adds to its build time, and one is built per app.
package builtin.lib.pods

import rego.v1

import data.builtin.lib.k8s

pod_spec(obj) := obj.spec.template.spec if obj.kind in k8s.workload_kinds

pod_spec(obj) := obj.spec if obj.kind == "Pod"

pod_spec(obj) := obj.spec.jobTemplate.spec.template.spec if obj.kind == "CronJob"

containers(obj) := [c | some c in pod_spec(obj).containers]

init_containers(obj) := [c | some c in object.get(pod_spec(obj), "initContainers", [])]

all_containers(obj) := array.concat(containers(obj), init_containers(obj))
