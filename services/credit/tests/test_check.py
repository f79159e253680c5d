from porttrust_shared.validators import uscc_check_char

ID_A = "11010519491231002X"
LISTED = "91440300000000001H"


def many_usccs(n: int) -> list[str]:
    bodies = [f"91440300{i:09d}" for i in range(100, 100 + n)]
    return [b + uscc_check_char(b) for b in bodies]


async def list_unit(client, headers, uscc):
    response = await client.post("/v1/blacklist", headers=headers("enforcement"), json={
        "subject": {"kind": "user_unit", "key": uscc}, "reason": "r", "evidence": "e"})
    return response.json()["id"]


async def test_check_of_1000_subjects_answers_each_in_order(client, headers):
    entry_id = await list_unit(client, headers, LISTED)
    subjects = [{"kind": "user_unit", "key": k} for k in many_usccs(999)]
    subjects.insert(500, {"kind": "user_unit", "key": LISTED})
    response = await client.post("/v1/blacklist/check", json={"subjects": subjects},
                                 headers=headers("service"))
    results = response.json()["results"]
    assert response.status_code == 200
    assert len(results) == 1000
    assert [i for i, r in enumerate(results) if r["blacklisted"]] == [500]
    assert results[500]["entry_id"] == entry_id


async def test_check_of_1001_subjects_is_refused(client, headers):
    subjects = [{"kind": "user_unit", "key": k} for k in many_usccs(1001)]
    response = await client.post("/v1/blacklist/check", json={"subjects": subjects},
                                 headers=headers("service"))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


async def test_check_result_has_kind_blacklisted_since_reason_entry_id(client, headers):
    await list_unit(client, headers, LISTED)
    response = await client.post("/v1/blacklist/check", headers=headers("service"), json={
        "subjects": [{"kind": "user_unit", "key": LISTED}]})
    assert set(response.json()["results"][0]) == {"kind", "blacklisted", "since", "reason",
                                                  "entry_id"}


async def test_unknown_subjects_are_not_blacklisted(client, headers):
    response = await client.post("/v1/blacklist/check", headers=headers("service"), json={
        "subjects": [{"kind": "holder", "key": LISTED}, {"kind": "handler", "key": ID_A}]})
    assert [r["blacklisted"] for r in response.json()["results"]] == [False, False]


async def test_a_holder_listing_does_not_bar_the_same_uscc_as_user_unit(client, headers):
    await list_unit(client, headers, LISTED)
    response = await client.post("/v1/blacklist/check", headers=headers("service"), json={
        "subjects": [{"kind": "holder", "key": LISTED}]})
    assert response.json()["results"][0]["blacklisted"] is False


async def test_check_never_echoes_a_handler_id_number(client, headers):
    await client.post("/v1/blacklist", headers=headers("enforcement"), json={
        "subject": {"kind": "handler", "key": ID_A}, "reason": "r", "evidence": "e"})
    response = await client.post("/v1/blacklist/check", headers=headers("service"), json={
        "subjects": [{"kind": "handler", "key": ID_A}]})
    assert response.json()["results"][0]["blacklisted"] is True
    assert ID_A not in response.text


async def test_a_malformed_id_number_is_422_without_echo(client, headers):
    wrong = "11010519491231002Z"
    response = await client.post("/v1/blacklist/check", headers=headers("service"), json={
        "subjects": [{"kind": "user_unit", "key": LISTED}, {"kind": "handler", "key": wrong}]})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "subjects", "1"]
    assert wrong not in response.text


async def test_a_lower_case_uscc_is_checked_as_upper_case(client, headers):
    await list_unit(client, headers, LISTED)
    response = await client.post("/v1/blacklist/check", headers=headers("service"), json={
        "subjects": [{"kind": "user_unit", "key": LISTED.lower()}]})
    assert response.json()["results"][0]["blacklisted"] is True


async def test_a_subject_with_both_key_and_index_is_422(client, headers):
    response = await client.post("/v1/blacklist/check", headers=headers("service"), json={
        "subjects": [{"kind": "handler", "key": ID_A, "id_number_index": "a" * 64}]})
    assert response.status_code == 422


async def test_unknown_fields_are_rejected(client, headers):
    response = await client.post("/v1/blacklist/check", headers=headers("service"), json={
        "subjects": [], "extra": 1})
    assert response.status_code == 422
