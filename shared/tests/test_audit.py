"""The audit hash chain: altering, deleting or reordering an entry is detected."""

from sqlalchemy import delete, update

from porttrust_shared.audit import (
    AuditEntry,
    append_audit,
    append_audits,
    count_entries,
    verify_chain,
    verify_entries,
)


async def _chain(db_session, model, n=4):
    for i in range(n):
        await append_audit(db_session, model, actor="alice", action="item.created",
                           entity="item", entity_id=str(i), data={"n": i, "name": "张*"},
                           province="44")


async def test_an_untouched_chain_verifies(db_session, audit_model):
    await _chain(db_session, audit_model)
    report = await verify_chain(db_session, audit_model)
    assert report.ok
    assert report.checked == 4


async def test_entries_link_to_their_predecessor(db_session, audit_model):
    first = await append_audit(db_session, audit_model, actor="a", action="x", entity="e",
                               entity_id="1")
    second = await append_audit(db_session, audit_model, actor="a", action="x", entity="e",
                                entity_id="2")
    assert first.prev_hash == "0" * 64
    assert second.prev_hash == first.hash
    assert second.seq == first.seq + 1


async def test_an_altered_entry_is_detected(db_session, audit_model):
    await _chain(db_session, audit_model)
    await db_session.execute(update(audit_model).where(audit_model.seq == 2)
                             .values(data={"n": 99, "name": "张*"}))
    db_session.expire_all()
    report = await verify_chain(db_session, audit_model)
    assert not report.ok
    assert report.first_bad_seq == 2


async def test_an_altered_actor_is_detected(db_session, audit_model):
    await _chain(db_session, audit_model)
    await db_session.execute(update(audit_model).where(audit_model.seq == 3)
                             .values(actor="mallory"))
    db_session.expire_all()
    assert (await verify_chain(db_session, audit_model)).first_bad_seq == 3


async def test_an_altered_entry_with_a_recomputed_hash_breaks_the_next_link(
        db_session, audit_model):
    from porttrust_shared.audit import entry_hash

    await _chain(db_session, audit_model)
    rows = list((await db_session.execute(
        audit_model.__table__.select().order_by(audit_model.seq))).mappings())
    forged = dict(rows[1], data={"n": 99})
    new_hash = entry_hash(forged["prev_hash"], seq=2, at=forged["at"], actor=forged["actor"],
                          province=forged["province"], action=forged["action"],
                          entity=forged["entity"], entity_id=forged["entity_id"],
                          data=forged["data"])
    await db_session.execute(update(audit_model).where(audit_model.seq == 2)
                             .values(data={"n": 99}, hash=new_hash))
    db_session.expire_all()
    assert (await verify_chain(db_session, audit_model)).first_bad_seq == 3


async def test_a_deleted_entry_is_detected(db_session, audit_model):
    await _chain(db_session, audit_model)
    await db_session.execute(delete(audit_model).where(audit_model.seq == 2))
    db_session.expire_all()
    report = await verify_chain(db_session, audit_model)
    assert not report.ok
    assert report.first_bad_seq == 3


async def test_reordered_entries_are_detected(db_session, audit_model):
    await _chain(db_session, audit_model)
    for old, new in ((2, 100), (3, 2), (100, 3)):
        await db_session.execute(update(audit_model).where(audit_model.seq == old)
                                 .values(seq=new))
    db_session.expire_all()
    report = await verify_chain(db_session, audit_model)
    assert not report.ok
    assert report.first_bad_seq == 2


async def test_verify_entries_detects_a_swap_in_memory(db_session, audit_model):
    await _chain(db_session, audit_model, n=3)
    rows = list((await db_session.execute(
        audit_model.__table__.select().order_by(audit_model.seq))).mappings())
    entries = [audit_model(**row) for row in rows]
    assert verify_entries(entries).ok
    assert not verify_entries([entries[0], entries[2], entries[1]]).ok


async def test_count_entries(db_session, audit_model):
    await _chain(db_session, audit_model, n=3)
    assert await count_entries(db_session, audit_model) == 3


async def test_entries_appended_in_bulk_continue_and_verify_the_chain(db_session, audit_model):
    await _chain(db_session, audit_model, n=2)
    await append_audits(db_session, audit_model, [
        AuditEntry(actor="张三 \"x\"", action="item.suspended", entity="item", entity_id=str(i),
                   data={"n": i, "b": [True, None], "text": "中文"}, province=None)
        for i in range(3)])
    await _chain(db_session, audit_model, n=1)
    report = await verify_chain(db_session, audit_model)
    assert (report.ok, report.checked) == (True, 6)
