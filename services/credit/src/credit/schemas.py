import datetime as dt
from typing import Annotated, Literal, NotRequired

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
    with_config,
)
from typing_extensions import TypedDict  # pydantic needs it, not typing.TypedDict, before 3.12

from porttrust_shared.fields import Iso8601, Text
from porttrust_shared.pii import OptionalScrubbedText, ScrubbedText
from porttrust_shared.validators import check_id_number, check_port_number, check_uscc

Kind = Literal["holder", "user_unit", "handler"]
MAX_CHECK_SUBJECTS = 1000
CaseRef = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$")]
EventType = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,63}$")]
Sanction = Literal["suspend_cooperation", "restrict_business"]
ALL_SANCTIONS: tuple[Sanction, ...] = ("suspend_cooperation", "restrict_business")


def _canonical(value: list[Sanction]) -> list[Sanction]:
    """Each kind once, in one fixed order, so equal sets compare and store equal."""
    return [kind for kind in ALL_SANCTIONS if kind in value]


Sanctions = Annotated[list[Sanction], Field(min_length=1, max_length=2,
                                            description="default both"),
                      AfterValidator(_canonical)]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SubjectRef(Input):
    """`key` is a USCC, or a handler's ID number; a handler may instead be named by the
    `id_number_index` other services send. The ID number is never returned."""

    kind: Kind
    key: str | None = Field(
        default=None, max_length=64, examples=["91350100M000100Y43"],
        description="A USCC (GB 32100-2015; a check-character mismatch is accepted, since "
                    "genuine early codes fail it) or, for a handler, an ID number "
                    "(GB 11643-1999, check character and birth date enforced).")
    id_number_index: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")

    @model_validator(mode="after")
    def _one_key(self) -> "SubjectRef":
        if (self.key is None) == (self.id_number_index is None):
            raise ValueError("give exactly one of key or id_number_index")
        if self.id_number_index is not None and self.kind != "handler":
            raise ValueError("id_number_index names handlers only")
        if self.key is not None:
            # The USCC check character is not enforced: genuine early codes fail it.
            self.key = (check_id_number(self.key) if self.kind == "handler"
                        else check_uscc(self.key).value)
        return self


class CreditEventCreate(Input):
    subject: SubjectRef
    type: EventType
    occurred_at: Annotated[AwareDatetime, Iso8601]
    evidence: Text


class BlacklistCreate(Input):
    subject: SubjectRef
    reason: Text
    evidence: Text
    expires_at: Annotated[AwareDatetime, Iso8601] | None = None
    sanctions: Sanctions = Field(default_factory=lambda: list(ALL_SANCTIONS))


class ProposalDismiss(Input):
    reason: Text


class ProposalAccept(ProposalDismiss):
    sanctions: Sanctions = Field(default_factory=lambda: list(ALL_SANCTIONS))


class LiftRequest(Input):
    reason: Text


class FraudCaseCreate(Input):
    number: str = Field(max_length=32)
    occurred_at: Annotated[AwareDatetime, Iso8601]
    case_ref: CaseRef
    sanctions: Sanctions = Field(default_factory=lambda: list(ALL_SANCTIONS))

    @model_validator(mode="after")
    def _number(self) -> "FraudCaseCreate":
        self.number = check_port_number(self.number)
        return self


@with_config(ConfigDict(extra="forbid"))
class CheckSubject(TypedDict):
    """A subject to check. Only the shape of `key` is checked here, in bulk, for speed: a
    wrong check character simply matches nothing. A plain dict, not a model: a check carries
    up to 1,000 of them and registry sends one before every registration."""

    kind: Kind
    key: NotRequired[Annotated[str | None, Field(pattern=r"^[0-9A-Za-z]{18}$")]]
    id_number_index: NotRequired[Annotated[str | None, Field(pattern=r"^[0-9a-f]{64}$")]]


@with_config(ConfigDict(extra="forbid"))
class BlacklistCheck(TypedDict):
    subjects: Annotated[list[CheckSubject], Field(max_length=MAX_CHECK_SUBJECTS)]


class SubjectOut(BaseModel):
    """How a subject is shown: a handler by subject id and masked ID number, never in full."""

    kind: Kind
    key: str = Field(description="USCC, or the subject id of a handler")
    subject_id: str
    id_number: str | None = Field(default=None, description="masked, handlers only")


class CreditEventRead(BaseModel):
    id: str
    subject: SubjectOut
    type: str
    occurred_at: dt.datetime
    source: str
    source_ref: str | None
    evidence: ScrubbedText
    reported_by: str
    created_at: dt.datetime


class SubPortTouched(BaseModel):
    """A sub-port a sanction touched, as registry reported it back."""

    number: str
    action: str = Field(description="suspended | spared_whitelisted | kept_active "
                                    "(a person decided to keep it) | suspended_after_review")
    at: dt.datetime | None = None
    blacklist_id: str | None = None


class BlacklistEntryRead(BaseModel):
    id: str
    subject: SubjectOut
    status: Literal["active", "lifted", "expired"]
    origin: str
    reason: ScrubbedText
    evidence: ScrubbedText
    case_ref: str | None
    sanctions: list[str]
    listed_by: str
    listed_at: dt.datetime
    expires_at: dt.datetime | None
    lifted_at: dt.datetime | None
    lifted_by: str | None
    lift_reason: OptionalScrubbedText
    sub_ports: list[SubPortTouched] = Field(
        default_factory=list, description="every sub-port the sanction touched (registry)")


class ProposalRead(BaseModel):
    id: str
    subject: SubjectOut
    status: Literal["open", "accepted", "dismissed"]
    score: float
    threshold: float
    reason: ScrubbedText
    event_ids: list[str]
    created_at: dt.datetime
    updated_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_reason: OptionalScrubbedText
    entry_id: str | None = Field(description="the blacklist entry an accept made")


class CreditEventRecorded(BaseModel):
    event: CreditEventRead
    score: float
    level: str
    blacklist_entry: BlacklistEntryRead | None
    listing_proposal: ProposalRead | None = Field(
        default=None, description="open when the score is below the threshold: nobody is "
                                  "listed until a person accepts it")


class CheckResult(BaseModel):
    kind: Kind
    blacklisted: bool
    since: dt.datetime | None = None
    reason: str | None = None
    entry_id: str | None = None
    sanctions: list[str] | None = None


class CheckResults(BaseModel):
    results: list[CheckResult]


class SubjectRead(BaseModel):
    subject: SubjectOut
    at: dt.datetime
    score: float
    level: str
    blacklisted: bool
    active_entry: BlacklistEntryRead | None
    events: list[CreditEventRead]
    entries: list[BlacklistEntryRead]


class FraudCaseParty(BaseModel):
    subject: SubjectOut
    event_id: str
    entry_id: str
    name: str | None = Field(default=None, description="organisation name; handlers masked")


class FraudCaseRead(BaseModel):
    id: str
    case_ref: str
    number: str
    occurred_at: dt.datetime
    matched: str | None
    sub_port: str | None
    parties: list[FraudCaseParty]
    reported_by: str
    created_at: dt.datetime
    sanctions: list[str] = Field(default_factory=lambda: list[str](ALL_SANCTIONS))
    sub_ports: list[SubPortTouched] = Field(
        default_factory=list, description="every sub-port the parties' sanctions touched, as "
                                          "registry reported it (empty until it has acted)")


