"""This service's problems: a `Problem` subclass each, with its own type URL and title (the
status is its base's)."""

from typing import TypeVar, cast

from porttrust_shared.errors import Conflict, Forbidden, Problem

T = "https://porttrust.dev/problems/"
P = TypeVar("P", bound=Problem)


def _problem(base: type[P], slug: str, title: str) -> type[P]:
    name = "".join(word.capitalize() for word in slug.split("-"))
    return cast(type[P], type(name, (base,), {"type": T + slug, "title": title,
                                              "__module__": __name__, "__doc__": title}))


# Dual approval: whoever applied (or an identity that person created) may not also decide.
SelfDecision = _problem(Forbidden, "dual-approval-required", "Approver must differ from applicant")
NotPending = _problem(Conflict, "application-not-pending", "Application is no longer pending")
AlreadyWhitelisted = _problem(Conflict, "already-whitelisted", "Number is already whitelisted")
DuplicateApplication = _problem(Conflict, "duplicate-application",
                                "A pending application for this number exists")
EntryNotActive = _problem(Conflict, "entry-not-active", "Entry is no longer active")
EntryNotUnderReview = _problem(Conflict, "entry-not-under-review", "Entry is not under review")
CombingAlreadyDone = _problem(Conflict, "combing-already-declared", "Combing already declared done")
