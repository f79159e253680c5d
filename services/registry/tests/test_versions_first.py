"""Copy-on-write first versions: an imported sub-port keeps no version row until it changes;
its row is its version 1, and its first change writes that version 1 before version 2."""

import csv
import io

import pytest
from sqlalchemy import select

from registry.models import AuditEvent, EntityVersion

NUMBER = "106901230001"
HEADER = ["number", "province", "user_unit_uscc", "handler_id", "business_type", "purpose",
          "machine_room", "equipment"]


def good(world, number, **kw):
    return {"number": number, "province": "44", "user_unit_uscc": world["unit"],
            "handler_id": world["handler"], "business_type": "notification",
            "purpose": "订单发货通知", "machine_room": "广州南方基地A3", "equipment": "SMSC-GZ-07",
            **kw}


def csv_bytes(rows):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows([[row.get(name, "") for name in HEADER] for row in rows])
    return out.getvalue().encode()


async def post(client, headers, body):
    response = await client.post("/v1/sub-ports/import", content=body,
                                 headers={**headers("hq_admin"), "Content-Type": "text/csv"})
    assert response.status_code == 200
    return response


@pytest.fixture
async def world(reg):
    await reg.port()
    unit = await reg.signed_unit("44", "10690123")
    handler = await reg.handler(unit)
    other = await reg.signed_unit("44", "10690123")
    return {"unit": unit["uscc"], "handler": handler["id"], "other": other["uscc"]}


async def _imported(client, headers, world):
    await post(client, headers, csv_bytes([good(world, NUMBER)]))
    return await client.get(f"/v1/sub-ports/{NUMBER}", headers=headers("hq_admin"))


async def _patch_unit(client, headers, read, uscc):
    response = await client.patch(f"/v1/sub-ports/{NUMBER}", json={"user_unit_uscc": uscc},
                                  headers={**headers("hq_admin"), "If-Match": read.headers["ETag"]})
    assert response.status_code == 200
    return response


async def _trace(client, headers, at=None):
    params = {"at": at} if at else None
    return (await client.get(f"/v1/trace/{NUMBER}", params=params,
                             headers=headers("enforcement"))).json()


async def _stored_versions(db_session):
    return list((await db_session.execute(select(EntityVersion.version).where(
        EntityVersion.entity == "sub_port", EntityVersion.key == NUMBER)
        .order_by(EntityVersion.version))).scalars())


async def test_an_imported_sub_port_keeps_no_version_row(client, headers, world, db_session):
    await _imported(client, headers, world)
    assert await _stored_versions(db_session) == []


async def test_an_unchanged_imported_sub_port_traces_to_its_user_unit(client, headers, world):
    read = await _imported(client, headers, world)
    trace = await _trace(client, headers, at=read.json()["updated_at"])
    assert trace["user_unit"]["uscc"] == world["unit"]


async def test_an_unchanged_imported_sub_port_is_not_traced_before_its_import(
        client, headers, world):
    await _imported(client, headers, world)
    response = await client.get(f"/v1/trace/{NUMBER}", params={"at": "2020-01-01T00:00:00Z"},
                                headers=headers("enforcement"))
    assert response.status_code == 404


async def test_trace_between_import_and_patch_gives_the_old_unit_and_after_the_new(
        client, headers, world):
    read = await _imported(client, headers, world)
    await _patch_unit(client, headers, read, world["other"])
    then = await _trace(client, headers, at=read.json()["updated_at"])
    now = await _trace(client, headers)
    assert then["user_unit"]["uscc"] == world["unit"]
    assert now["user_unit"]["uscc"] == world["other"]


async def test_the_versions_route_lists_the_implicit_first_version(client, headers, world):
    read = await _imported(client, headers, world)
    versions = (await client.get(f"/v1/sub-ports/{NUMBER}/versions",
                                 headers=headers("hq_admin"))).json()
    assert [(v["version"], v["at"]) for v in versions] == [(1, read.json()["updated_at"])]
    assert versions[0]["snapshot"]["user_unit_uscc"] == world["unit"]


async def test_after_a_patch_the_versions_route_lists_v1_then_v2(client, headers, world):
    read = await _imported(client, headers, world)
    await _patch_unit(client, headers, read, world["other"])
    versions = (await client.get(f"/v1/sub-ports/{NUMBER}/versions",
                                 headers=headers("hq_admin"))).json()
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[0]["snapshot"]["user_unit_uscc"] == world["unit"]
    assert versions[1]["snapshot"]["user_unit_uscc"] == world["other"]


async def test_the_first_change_writes_version_1_then_version_2(client, headers, world,
                                                                db_session):
    read = await _imported(client, headers, world)
    await _patch_unit(client, headers, read, world["other"])
    assert await _stored_versions(db_session) == [1, 2]


async def test_the_implicit_first_version_names_the_importer(client, headers, world,
                                                             db_session):
    read = await _imported(client, headers, world)
    await _patch_unit(client, headers, read, world["other"])
    versions = (await client.get(f"/v1/sub-ports/{NUMBER}/versions",
                                 headers=headers("hq_admin"))).json()
    importer = (await db_session.execute(select(AuditEvent.actor).where(
        AuditEvent.action == "sub_port.imported"))).scalar_one()
    assert versions[0]["actor"] == importer


async def test_a_reimport_that_changes_a_row_keeps_v1_then_v2(client, headers, world):
    await _imported(client, headers, world)
    await post(client, headers, csv_bytes([good(world, NUMBER, purpose="会员积分提醒")]))
    versions = (await client.get(f"/v1/sub-ports/{NUMBER}/versions",
                                 headers=headers("hq_admin"))).json()
    assert [(v["version"], v["snapshot"]["purpose"]) for v in versions] == [
        (1, "订单发货通知"), (2, "会员积分提醒")]


async def test_a_cancelled_imported_sub_port_still_traces_to_its_unit_before_cancelling(
        client, headers, world):
    read = await _imported(client, headers, world)
    cancelled = await client.post(f"/v1/sub-ports/{NUMBER}/cancel", json={"reason": "停用"},
                                  headers=headers("hq_admin"))
    then = await _trace(client, headers, at=read.json()["updated_at"])
    assert cancelled.status_code == 200
    assert then["user_unit"]["uscc"] == world["unit"]
    assert then["sub_port"]["status"] == "registered"
