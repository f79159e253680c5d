from porttrust_shared.errors import Conflict, Forbidden

T = "https://porttrust.dev/problems/"


class SelfDecision(Forbidden):
    """Dual approval: whoever applied may not also decide."""

    type, title = T + "dual-approval-required", "Approver must differ from applicant"


class NotPending(Conflict):
    type, title = T + "application-not-pending", "Application is no longer pending"


class AlreadyWhitelisted(Conflict):
    type, title = T + "already-whitelisted", "Number is already whitelisted"


class DuplicateApplication(Conflict):
    type, title = T + "duplicate-application", "A pending application for this number exists"


class EntryNotActive(Conflict):
    type, title = T + "entry-not-active", "Entry is no longer active"


class EntryNotUnderReview(Conflict):
    type, title = T + "entry-not-under-review", "Entry is not under review"


class CombingAlreadyDone(Conflict):
    type, title = T + "combing-already-declared", "Combing already declared done"
