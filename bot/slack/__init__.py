"""The Slack face: `/gitops` commands, drift messages and approvals (being built)."""
