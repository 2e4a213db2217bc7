"""The built-in Rego policy library, shipped as package data (`*.rego`, `*_test.rego`)."""
