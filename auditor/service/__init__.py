"""The application-service layer: the use cases (audit, diff, sync, check, adopt) on plain
values over one Pipeline and one Store per process. The CLI, the RQ jobs and the bot call
it; nothing below it knows about them.
"""

from auditor.service.service import AuditResult, Service, Target, Workspace

__all__ = ["AuditResult", "Service", "Target", "Workspace"]
