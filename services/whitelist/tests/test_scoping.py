"""A province-bound token sees and changes only its own province; anything else is 404."""

import pytest

GUANGDONG, BEIJING = "44", "11"
APPLICATION_ROUTES = [
    ("GET", "/v1/applications/{app}", "province_operator", None),
    ("POST", "/v1/applications/{app}/approve", "whitelist_admin", {}),
    ("POST", "/v1/applications/{app}/reject", "whitelist_admin", {"reason": "no"}),
    ("POST", "/v1/applications/{app}/withdraw", "province_operator", None),
]
ENTRY_ROUTES = [
    ("GET", "/v1/entries/{entry}", "province_operator", None),
    ("POST", "/v1/entries/{entry}/revoke", "whitelist_admin", {"reason": "no"}),
]


async def _call(client, method, path, headers, body):
    return await client.request(method, path, headers=headers, json=body)


@pytest.mark.parametrize(("method", "path", "role", "body"), APPLICATION_ROUTES)
async def test_foreign_province_application_is_404(wl, client, headers, method, path, role,
                                                   body):
    application = await wl.apply(province=GUANGDONG)
    response = await _call(client, method, path.format(app=application["id"]),
                           headers(role, province=BEIJING), body)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(("method", "path", "role", "body"), ENTRY_ROUTES)
async def test_foreign_province_entry_is_404(wl, client, headers, method, path, role, body):
    entry_id = (await wl.grant(province=GUANGDONG))["entry_id"]
    response = await _call(client, method, path.format(entry=entry_id),
                           headers(role, province=BEIJING), body)
    assert response.status_code == 404


async def test_foreign_province_combing_declaration_is_404(client, headers):
    response = await client.post(f"/v1/progress/{GUANGDONG}/complete",
                                 headers=headers("province_operator", province=BEIJING))
    assert response.status_code == 404


async def test_own_province_application_is_visible(wl, client, headers):
    application = await wl.apply(province=GUANGDONG)
    response = await client.get(f"/v1/applications/{application['id']}",
                                headers=headers("province_operator", province=GUANGDONG))
    assert response.status_code == 200


async def test_province_admin_approves_in_own_province(wl, client, headers):
    application = await wl.apply(province=GUANGDONG)
    response = await client.post(f"/v1/applications/{application['id']}/approve",
                                 headers=headers("whitelist_admin", province=GUANGDONG))
    assert response.status_code == 200


async def test_application_list_holds_only_own_province(wl, client, headers):
    await wl.apply("106901230001", province=GUANGDONG)
    await wl.apply("106901230002", province=BEIJING)
    response = await client.get("/v1/applications",
                                headers=headers("province_operator", province=BEIJING))
    assert [a["number"] for a in response.json()["items"]] == ["106901230002"]


async def test_entry_list_holds_only_own_province(wl, client, headers):
    await wl.grant("106901230001", province=GUANGDONG)
    await wl.grant("106901230002", province=BEIJING)
    response = await client.get("/v1/entries", params={"province": GUANGDONG},
                                headers=headers("province_operator", province=BEIJING))
    assert response.json()["items"] == []


async def test_unknown_application_is_404(client, headers):
    response = await client.get("/v1/applications/nope", headers=headers("hq_admin"))
    assert response.status_code == 404
