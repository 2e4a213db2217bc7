# Networking: TLS on production Ingresses, deliberate load balancers.
package builtin.networking

import rego.v1

import data.builtin.lib.k8s

# METADATA
# title: Production Ingresses terminate TLS
# description: A production Ingress without `spec.tls` serves plain HTTP.
# custom:
#   id: networking/ingress-tls
#   severity: deny
#   kinds: [Ingress]
deny_ingress_tls contains msg if some msg in ingress_tls(input, data.auditor.app)

# METADATA
# title: Services of type LoadBalancer are deliberate
# description: Each LoadBalancer Service costs a cloud load balancer and a public address; prefer an Ingress.
# custom:
#   id: networking/load-balancer
#   severity: warn
#   kinds: [Service]
warn_load_balancer contains msg if some msg in load_balancer(input)

ingress_tls(obj, app) := {msg |
	obj.kind == "Ingress"
	k8s.is_production(obj, app)
	count(object.get(obj, ["spec", "tls"], [])) == 0
	msg := sprintf("%s: production Ingress has no TLS (spec.tls)", [k8s.label(obj)])
}

load_balancer(obj) := {msg |
	obj.kind == "Service"
	object.get(obj, ["spec", "type"], "") == "LoadBalancer"
	msg := sprintf("%s: Service of type LoadBalancer (prefer an Ingress)", [k8s.label(obj)])
}
