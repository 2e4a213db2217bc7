"""gitops-auditor: compares Git-declared Kubernetes state with every cluster.

The engine runs sources -> render -> live -> diff -> policy -> remediate -> report;
`auditor.pipeline` (a package) is the only place where the stages meet.
"""

__version__ = "0.1.0"
