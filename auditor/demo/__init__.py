"""The newcomer's tour (`gitops-auditor demo`) and the fleet it runs on: simulated clusters,
the example repo deployed with the real kubectl, and drift made the way people make it."""
