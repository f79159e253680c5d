"""Events and audit entries are written in the same transaction as the change."""

from sqlalchemy import func, select

from porttrust_shared.tokens import Principal
from whitelist.clients import RegisteredNumber, RegisteredOrganization
from whitelist.models import AuditEvent, Entry, OutboxEvent
from whitelist.schemas import ApplicationCreate, ApproveIn, Category
from whitelist.service import applications

APPLICANT = Principal(sub="user:a", roles=frozenset({"whitelist_admin"}), province="HQ")
APPROVER = Principal(sub="user:b", roles=frozenset({"whitelist_admin"}), province="HQ")


class Province44:
    """Registry, as far as these tests ask it: everything is province 44's."""

    async def number(self, number):
        return RegisteredNumber(number=number, kind="sub_port", province="44")

    async def organization(self, uscc):
        return RegisteredOrganization(uscc=uscc, province="44")


async def _count(session, model):
    return await session.scalar(select(func.count()).select_from(model))


async def _submitted(session):
    data = ApplicationCreate(number="106901234567", category=Category.LIFE_SAFETY,
                             justification="hospital", province="44")
    return await applications.submit_application(session, data=data, actor=APPLICANT,
                                                 registry=Province44())


async def test_approve_enqueues_whitelist_granted_with_contract_payload(wl, db_session):
    granted = await wl.grant("106901234567", category="life_safety")
    event = await db_session.scalar(select(OutboxEvent).where(
        OutboxEvent.topic == "whitelist.granted"))
    assert event.destination == "registry"
    assert event.payload == {"entry_id": granted["entry_id"], "number": "106901234567",
                             "uscc": None, "province": "44", "category": "life_safety",
                             "expires_at": None}


async def test_entry_event_and_audit_commit_or_roll_back_together(db_session):
    application = await _submitted(db_session)
    before = (await _count(db_session, OutboxEvent), await _count(db_session, AuditEvent))
    savepoint = await db_session.begin_nested()
    await applications.approve_application(db_session, application_id=application.id,
                                           data=ApproveIn(), actor=APPROVER)
    assert await _count(db_session, OutboxEvent) == before[0] + 1
    await savepoint.rollback()
    assert await _count(db_session, Entry) == 0
    assert (await _count(db_session, OutboxEvent), await _count(db_session, AuditEvent)) == before


async def test_refused_approval_writes_no_event(wl, db_session):
    application = await wl.apply()
    await wl.approve(application["id"], sub="user:applicant")
    assert await _count(db_session, OutboxEvent) == 0
