async def test_port_records_agreement_and_class(reg):
    port = await reg.port("10660123", agreement_signed_at="2026-01-05T08:00:00Z",
                          resource_certificate_ref="工信部码号证-2026-001")
    assert port["agreement_signed"] is True
    assert port["port_class"] == "commercial_national"


async def test_port_without_agreement_says_not_signed(reg):
    port = await reg.port()
    assert port["agreement_signed"] is False


async def test_port_number_must_start_with_106(reg, client, headers):
    holder = await reg.org()
    response = await client.post("/v1/ports", headers=headers("hq_admin"), json={
        "number": "10590123", "holder_uscc": holder["uscc"], "province": "44",
        "scope": "provincial"})
    assert response.status_code == 422


async def test_sub_port_belongs_to_the_longest_registered_prefix(reg):
    await reg.port("10690123")
    await reg.port("106901234")
    sub = await reg.sub_port("1069012345678")
    assert sub["port_number"] == "106901234"


async def test_sub_port_without_a_registered_port_is_422(reg, client, headers):
    response = await client.post("/v1/sub-ports", headers=headers("hq_admin"),
                                 json={"number": "106907777777", "province": "44"})
    assert response.status_code == 422
    assert response.json()["code"] == "no_port"


async def test_sub_port_longer_than_21_digits_is_422(reg, client, headers):
    await reg.port()
    response = await client.post("/v1/sub-ports", headers=headers("hq_admin"),
                                 json={"number": "1069012345678901234567", "province": "44"})
    assert response.status_code == 422


async def test_m2m_port_carries_no_sms_sub_port(reg, client, headers):
    await reg.port("10640123")
    response = await client.post("/v1/sub-ports", headers=headers("hq_admin"),
                                 json={"number": "106401230001", "province": "44"})
    assert response.status_code == 422
    assert response.json()["code"] == "m2m_port"


async def test_provincial_port_sub_port_stays_in_its_province(reg, client, headers):
    await reg.port()
    response = await client.post("/v1/sub-ports", headers=headers("hq_admin"),
                                 json={"number": "106901234567", "province": "11"})
    assert response.status_code == 422


async def test_sub_port_list_filters_by_status(reg, client, headers):
    await reg.port()
    await reg.sub_port("106901230001")
    await reg.sub_port("106901230002")
    await client.post("/v1/sub-ports/106901230002/cancel", json={"reason": "x"},
                      headers=headers("hq_admin"))
    response = await client.get("/v1/sub-ports?status=registered", headers=headers("hq_admin"))
    assert [s["number"] for s in response.json()["items"]] == ["106901230001"]


async def test_gateway_may_read_sub_port_status_but_not_write(reg, client, headers):
    await reg.port()
    await reg.sub_port()
    read = await client.get("/v1/sub-ports/106901234567", headers=headers("gateway"))
    write = await client.post("/v1/sub-ports/106901234567/cancel", json={"reason": "x"},
                              headers=headers("gateway"))
    assert (read.status_code, write.status_code) == (200, 403)
