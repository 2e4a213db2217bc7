"""kubesim: a simulated Kubernetes API server that real kubectl and client libraries use.

`KubeSim` (in `auditor.kubesim.server`) runs it on a thread; `auditor.kubesim.testing`
gives tests a running instance with a kubeconfig. The pure core lives in `cluster`,
`ssa`, `strategic`, `patches`, `defaults`, `selectors`, `store`; HTTP in `http_handler`.
"""
