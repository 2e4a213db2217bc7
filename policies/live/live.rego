# Live state: what an audit found in production clusters (scope `live`: `check` has no
# live state and does not run these). Input, once per app:
#   {"app": {"name", "project", "cluster", "namespace", "environment", "labels"},
#    "drift": [{"group", "kind", "namespace", "name", "status",
#               "unmanaged": [{"path", "manager", "time"}]}]}
package builtin.live

import rego.v1

# METADATA
# title: No unmanaged changes in production
# description: >-
#   A field written by hand (`kubectl edit`, `label`, `patch`, `set`) in a production
#   namespace is state Git does not describe: it is lost at the next rebuild and nobody
#   reviewed it. Put it in Git, or revert it.
# custom:
#   id: live/unmanaged-production
#   severity: deny
#   scope: live
deny_unmanaged contains v if some v in unmanaged(input)

# METADATA
# title: No Extra resources in production
# description: >-
#   A resource tracked as the app's in a production cluster but absent from Git (`Extra`)
#   runs unreviewed; delete it or add it to Git.
# custom:
#   id: live/extra-production
#   severity: deny
#   scope: live
deny_extra contains v if some v in extra(input)

subject(d) := {"group": object.get(d, "group", ""), "kind": d.kind, "namespace": object.get(d, "namespace", ""), "name": d.name}

# The production rule of `k8s.is_production` (the availability policies): the object's
# namespace, or the app's `environment` label or destination namespace. Restated here:
# rego-cpp 1.5.2 fails to compile that call with an object built from a drift entry.
in_production(d, app) if object.get(d, "namespace", "") == "production"

in_production(d, app) if object.get(app, "environment", "") == "production"

in_production(d, app) if object.get(app, "namespace", "") == "production"

place(d) := sprintf("%s %s/%s", [d.kind, object.get(d, "namespace", ""), d.name]) if object.get(d, "namespace", "") != ""

place(d) := sprintf("%s %s", [d.kind, d.name]) if object.get(d, "namespace", "") == ""

author(change) := sprintf("%s at %s", [change.manager, change.time]) if object.get(change, "time", "") != ""

author(change) := change.manager if object.get(change, "time", "") == ""

unmanaged(doc) := {v |
	app := object.get(doc, "app", {})
	some d in object.get(doc, "drift", [])
	in_production(d, app)
	some change in object.get(d, "unmanaged", [])
	msg := sprintf("%s: unmanaged change to %s by %s in production", [place(d), change.path, author(change)])
	v := {"msg": msg, "resource": subject(d), "details": {"path": change.path, "manager": change.manager}}
}

extra(doc) := {v |
	app := object.get(doc, "app", {})
	some d in object.get(doc, "drift", [])
	d.status == "Extra"
	in_production(d, app)
	msg := sprintf("%s: in the production cluster but not in Git (Extra)", [place(d)])
	v := {"msg": msg, "resource": subject(d)}
}
