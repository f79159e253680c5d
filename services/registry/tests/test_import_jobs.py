"""A file over the job threshold answers 202 and is processed chunk by chunk with progress."""

import csv
import io

import pytest
from sqlalchemy import select

from registry.models import AuditEvent

HEADER = ["number", "province", "user_unit_uscc", "business_type", "purpose", "machine_room",
          "equipment"]


@pytest.fixture
async def small_jobs(app, db_session, import_settings):
    """Jobs for files over 3 rows, 2 rows a chunk; every job finished before the test ends."""
    import_settings(job_threshold=3, chunk_size=2)
    yield
    for task in list(getattr(app.state, "import_tasks", {}).values()):
        await task


@pytest.fixture
async def unit(reg):
    await reg.port()
    return (await reg.org(roles=["user_unit"]))["uscc"]


def csv_file(unit, numbers):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for number in numbers:
        writer.writerow([number, "44", unit, "notification", "发货通知", "机房A", "SMSC-1"])
    return out.getvalue().encode()


async def start(client, headers, body, **who):
    response = await client.post("/v1/sub-ports/import", content=body,
                                 headers={**headers("hq_admin", **who),
                                          "Content-Type": "text/csv"})
    return response


async def finished(app, client, headers, job_id, **params):
    task = getattr(app.state, "import_tasks", {}).get(job_id)
    if task is not None:
        await task
    response = await client.get(f"/v1/sub-ports/import/{job_id}", params=params,
                                headers=headers("hq_admin"))
    return response.json()


NUMBERS = ["106901230001", "106901230002", "106991230003", "106901230004", "106901230001"]


async def test_large_file_answers_202_with_a_job(client, headers, unit, small_jobs):
    response = await start(client, headers, csv_file(unit, NUMBERS))
    assert response.status_code == 202
    assert response.headers["location"] == f"/v1/sub-ports/import/{response.json()['job_id']}"


async def test_job_reports_progress_and_counts_when_done(app, client, headers, unit, small_jobs):
    job_id = (await start(client, headers, csv_file(unit, NUMBERS))).json()["job_id"]
    job = await finished(app, client, headers, job_id)
    assert (job["status"], job["processed"], job["total"]) == ("done", 5, 5)
    assert job["counts"] == {"created": 3, "updated": 0, "unchanged": 0, "failed": 2}


async def test_job_errors_are_paginated_with_row_numbers(app, client, headers, unit, small_jobs):
    job_id = (await start(client, headers, csv_file(unit, NUMBERS))).json()["job_id"]
    first = await finished(app, client, headers, job_id, limit=1)
    second = await finished(app, client, headers, job_id, limit=1, cursor=first["next_cursor"])
    assert [(e["row"], e["code"]) for e in first["errors"] + second["errors"]] == [
        (4, "unknown_port"), (6, "duplicate_number")]
    assert second["next_cursor"] is None


async def test_job_rows_are_imported(app, client, headers, unit, small_jobs):
    job_id = (await start(client, headers, csv_file(unit, NUMBERS))).json()["job_id"]
    await finished(app, client, headers, job_id)
    got = await client.get("/v1/sub-ports/106901230004", headers=headers("hq_admin"))
    assert got.json()["user_unit_uscc"] == unit


async def test_another_province_cannot_read_a_job(app, client, headers, unit, small_jobs):
    job_id = (await start(client, headers, csv_file(unit, NUMBERS))).json()["job_id"]
    await finished(app, client, headers, job_id)
    response = await client.get(f"/v1/sub-ports/import/{job_id}",
                                headers=headers("province_operator", province="44"))
    assert response.status_code == 404


async def test_unknown_job_is_404(client, headers):
    response = await client.get("/v1/sub-ports/import/nope", headers=headers("hq_admin"))
    assert response.status_code == 404


async def test_each_chunk_that_changed_something_adds_one_audit_entry(app, client, headers,
                                                                        unit, small_jobs,
                                                                        db_session):
    job_id = (await start(client, headers, csv_file(unit, NUMBERS))).json()["job_id"]
    await finished(app, client, headers, job_id)
    entries = (await db_session.execute(select(AuditEvent.data).where(
        AuditEvent.action == "sub_port.imported", AuditEvent.entity_id == job_id)
        .order_by(AuditEvent.seq))).scalars()
    assert [e["numbers"] for e in entries] == [["106901230001", "106901230002"],
                                               ["106901230004"]]


async def test_every_row_of_a_multi_chunk_job_gets_its_first_version(app, client, headers, unit,
                                                                      small_jobs):
    numbers = [f"10690123000{n}" for n in range(5)]
    job_id = (await start(client, headers, csv_file(unit, numbers))).json()["job_id"]
    await finished(app, client, headers, job_id)
    for number in numbers:
        versions = (await client.get(f"/v1/sub-ports/{number}/versions",
                                     headers=headers("hq_admin"))).json()
        assert [(v["version"], v["snapshot"]["number"]) for v in versions] == [(1, number)]
