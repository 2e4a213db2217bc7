package builtin.cross_test

import rego.v1

import data.builtin.cross

web := {"kind": "Deployment", "metadata": {"name": "web"}, "spec": {"template": {"metadata": {"labels": {"app": "web"}}}}}

hpa(name) := {"kind": "HorizontalPodAutoscaler", "metadata": {"name": "h"}, "spec": {"scaleTargetRef": {"kind": "Deployment", "name": name}}}

service(selector) := {"kind": "Service", "metadata": {"name": "s"}, "spec": {"selector": selector}}

test_hpa_dangling_denied if count(cross.hpa_target(hpa("api"), [web])) == 1

test_hpa_target_found if count(cross.hpa_target(hpa("web"), [web])) == 0

test_service_unmatched_denied if count(cross.service_selector(service({"app": "api"}), [web])) == 1

test_service_matched_allowed if count(cross.service_selector(service({"app": "web"}), [web])) == 0

test_service_without_selector_allowed if count(cross.service_selector(service({}), [])) == 0
