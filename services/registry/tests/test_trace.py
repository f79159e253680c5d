import datetime as dt

import pytest

NUMBER = "106901234567"


async def _patch(client, headers, body):
    got = await client.get(f"/v1/sub-ports/{NUMBER}", headers=headers("hq_admin"))
    response = await client.patch(f"/v1/sub-ports/{NUMBER}", json=body,
                                  headers={**headers("hq_admin"), "If-Match": got.headers["ETag"]})
    assert response.status_code == 200, response.text
    return response.json()


async def test_trace_now_names_holder_user_unit_handler_room_and_equipment(
        reg, client, headers):
    await reg.port()
    sub = await reg.complete_sub_port()
    response = await client.get(f"/v1/trace/{NUMBER}", headers=headers("enforcement"))
    body = response.json()
    assert body["matched"] == "sub_port"
    assert body["user_unit"]["uscc"] == sub["user_unit_uscc"]
    assert body["sub_port"]["machine_room"] == "广州南方基地A3"
    assert body["sub_port"]["equipment"] == "SMSC-GZ-07"
    assert body["handler"]["name"] == "张*"
    assert body["handler"]["id_number_index"]


async def test_trace_at_a_past_moment_returns_the_user_unit_of_that_moment(
        reg, client, headers):
    await reg.port()
    first = await reg.complete_sub_port()
    moment = first["updated_at"]
    second_unit = await reg.org()
    await _patch(client, headers, {"user_unit_uscc": second_unit["uscc"],
                                   "machine_room": "深圳机房B2"})
    then = await client.get(f"/v1/trace/{NUMBER}", params={"at": moment},
                            headers=headers("enforcement"))
    now = await client.get(f"/v1/trace/{NUMBER}", headers=headers("enforcement"))
    assert then.json()["user_unit"]["uscc"] == first["user_unit_uscc"]
    assert then.json()["sub_port"]["machine_room"] == "广州南方基地A3"
    assert now.json()["user_unit"]["uscc"] == second_unit["uscc"]


async def test_trace_before_registration_is_404(reg, client, headers):
    await reg.port()
    await reg.sub_port()
    response = await client.get(f"/v1/trace/{NUMBER}", params={"at": "2020-01-01T00:00:00Z"},
                                headers=headers("enforcement"))
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_trace_of_a_port_number_matches_the_port(reg, client, headers):
    holder = await reg.org()
    await reg.port(holder=holder)
    response = await client.get("/v1/trace/10690123", headers=headers("service"))
    assert response.json()["matched"] == "port"
    assert response.json()["holder"] == {"uscc": holder["uscc"], "name": holder["name"]}


async def test_id_number_index_only_for_service_and_enforcement(reg, client, headers):
    await reg.port()
    await reg.complete_sub_port()
    response = await client.get(f"/v1/trace/{NUMBER}", headers=headers("hq_admin"))
    assert "id_number_index" not in response.json()["handler"]


async def test_trace_after_cancellation_falls_back_to_the_port(
        reg, client, headers):
    await reg.port()
    sub = await reg.complete_sub_port()
    await client.post(f"/v1/sub-ports/{NUMBER}/cancel", json={"reason": "终止"},
                      headers=headers("hq_admin"))
    before = await client.get(f"/v1/trace/{NUMBER}", params={"at": sub["updated_at"]},
                              headers=headers("enforcement"))
    after = await client.get(f"/v1/trace/{NUMBER}", headers=headers("enforcement"))
    assert (before.json()["matched"], after.json()["matched"]) == ("sub_port", "port")
    assert after.json()["user_unit"] is None


async def test_trace_with_a_bad_timestamp_is_422(client, headers):
    response = await client.get(f"/v1/trace/{NUMBER}", params={"at": "yesterday"},
                                headers=headers("enforcement"))
    assert response.status_code == 422


async def test_trace_accepts_a_naive_timestamp_as_utc(reg, client, headers):
    await reg.port()
    await reg.sub_port()
    naive = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)).replace(tzinfo=None)
    response = await client.get(f"/v1/trace/{NUMBER}", params={"at": naive.isoformat()},
                                headers=headers("enforcement"))
    assert response.status_code == 200


async def test_trace_of_an_extended_number_finds_its_sub_port(reg, client, headers):
    await reg.port()
    sub = await reg.complete_sub_port()
    response = await client.get(f"/v1/trace/{NUMBER}99", headers=headers("enforcement"))
    assert response.json()["sub_port"]["number"] == NUMBER
    assert response.json()["user_unit"]["uscc"] == sub["user_unit_uscc"]


async def test_trace_of_an_unregistered_extension_names_the_port_holder(reg, client, headers):
    holder = await reg.org()
    await reg.port(holder=holder)
    response = await client.get("/v1/trace/106901239999", headers=headers("enforcement"))
    assert response.json()["matched"] == "port"
    assert response.json()["holder"]["uscc"] == holder["uscc"]
    assert response.json()["sub_port"] is None


@pytest.mark.parametrize("at", ["0", "1700000000", "yesterday"])
async def test_trace_at_must_be_an_iso_date_time(client, headers, at):
    response = await client.get(f"/v1/trace/{NUMBER}", params={"at": at},
                                headers=headers("enforcement"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "at"]
