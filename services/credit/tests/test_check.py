import base64
import datetime as dt
import gc

from credit.deps import CreditState
from credit.models import BlacklistEntry
from credit.service.subjects import IdNumberIndex
from porttrust_dev.testdata import uscc
from porttrust_shared.heap import freeze_on_start
from porttrust_shared.pii import PiiCipher

ID_A = "11010519491231002X"
LISTED = "91440300000000001H"


def many_usccs(n: int) -> list[str]:
    return [uscc(i, prefix="91440300") for i in range(100, 100 + n)]


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
                                                  "entry_id", "sanctions"}


async def test_check_answers_the_sanctions_the_listing_carries(client, headers):
    await client.post("/v1/blacklist", headers=headers("enforcement"), json={
        "subject": {"kind": "user_unit", "key": LISTED}, "reason": "r", "evidence": "e",
        "sanctions": ["restrict_business"]})
    response = await client.post("/v1/blacklist/check", headers=headers("service"), json={
        "subjects": [{"kind": "user_unit", "key": LISTED}, {"kind": "holder", "key": LISTED}]})
    assert [r["sanctions"] for r in response.json()["results"]] == [["restrict_business"], None]


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


async def test_a_blacklisted_subject_is_answered_with_its_entry_reason_and_since(client,
                                                                                 headers):
    created = (await client.post("/v1/blacklist", headers=headers("enforcement"), json={
        "subject": {"kind": "user_unit", "key": LISTED}, "reason": "伪造营业执照",
        "evidence": "e"})).json()
    response = await client.post("/v1/blacklist/check", headers=headers("service"), json={
        "subjects": [{"kind": "user_unit", "key": LISTED}]})
    result = response.json()["results"][0]
    since = dt.datetime.fromisoformat(result.pop("since"))
    assert response.headers["content-type"] == "application/json"
    assert result == {"kind": "user_unit", "blacklisted": True, "reason": "伪造营业执照",
                      "entry_id": created["id"],
                      "sanctions": ["suspend_cooperation", "restrict_business"]}
    assert since == dt.datetime.fromisoformat(created["listed_at"])


async def test_since_is_when_the_subject_was_first_barred(client, headers, db_session):
    first = await list_unit(client, headers, LISTED)
    older = (await db_session.get(BlacklistEntry, first)).listed_at
    db_session.add(BlacklistEntry(
        subject_id=(await db_session.get(BlacklistEntry, first)).subject_id,
        subject_kind="user_unit", subject_lookup_key=LISTED, origin="manual", reason="again",
        evidence="e", sanctions=[], listed_by="x", listed_at=older + dt.timedelta(days=1)))
    await db_session.flush()
    response = await client.post("/v1/blacklist/check", headers=headers("service"), json={
        "subjects": [{"kind": "user_unit", "key": LISTED}]})
    assert response.json()["results"][0]["entry_id"] == first


async def test_handlers_by_id_number_and_by_index_are_found_among_many(client, headers, index):
    await client.post("/v1/blacklist", headers=headers("enforcement"), json={
        "subject": {"kind": "handler", "key": ID_A}, "reason": "r", "evidence": "e"})
    subjects = [{"kind": "holder", "key": k} for k in many_usccs(300)]
    subjects[100] = {"kind": "handler", "key": ID_A}
    subjects[200] = {"kind": "handler", "id_number_index": index(ID_A)}
    response = await client.post("/v1/blacklist/check", headers=headers("service"),
                                 json={"subjects": subjects})
    hits = [i for i, r in enumerate(response.json()["results"]) if r["blacklisted"]]
    assert hits == [100, 200]


async def test_a_bad_key_among_many_is_422_naming_its_position(client, headers):
    subjects = [{"kind": "user_unit", "key": k} for k in many_usccs(500)]
    subjects[321] = {"kind": "user_unit", "key": "I" * 18}  # no USCC has an I
    response = await client.post("/v1/blacklist/check", headers=headers("service"),
                                 json={"subjects": subjects})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "subjects", "321"]


async def test_a_subject_that_is_not_an_object_is_422_problem(client, headers):
    response = await client.post("/v1/blacklist/check", headers=headers("service"), json={
        "subjects": ["91440300000000001H"]})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert "91440300000000001H" not in response.text


async def test_a_body_that_is_not_json_is_422_problem(client, headers):
    response = await client.post("/v1/blacklist/check", content=b"{subjects:",
                                 headers={**headers("service"),
                                          "content-type": "application/json"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


def test_the_check_computes_the_blind_index_every_service_computes(app):
    state = CreditState.of(app)
    cipher, credit = state.cipher, state.credit
    for value in (ID_A, "110105194912310021", ""):
        assert credit.id_number_index(value) == cipher.blind_index(value, field="id_number")


def test_an_index_key_longer_than_a_hash_block_gives_the_cipher_s_index(settings):
    key = base64.b64encode(bytes(range(100))).decode()
    cipher = PiiCipher(settings.pii_keys, key)
    assert IdNumberIndex(key)(ID_A) == cipher.blind_index(ID_A, field="id_number")


async def test_start_up_freezes_the_heap_it_built(app):
    await freeze_on_start(app)
    frozen = gc.get_freeze_count()
    gc.unfreeze()
    assert frozen > 0


async def test_a_body_sent_as_text_is_422_problem(client, headers):
    response = await client.post("/v1/blacklist/check", content=b'{"subjects": []}',
                                 headers={**headers("service"), "content-type": "text/plain"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


async def test_an_empty_body_is_422_problem(client, headers):
    response = await client.post("/v1/blacklist/check", content=b"",
                                 headers={**headers("service"),
                                          "content-type": "application/json"})
    assert response.status_code == 422


async def test_openapi_documents_the_check_body(client):
    operation = (await client.get("/openapi.json")).json()["paths"]["/v1/blacklist/check"]["post"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert schema["properties"]["subjects"]["maxItems"] == 1000
    assert set(schema["properties"]["subjects"]["items"]["properties"]) == {
        "kind", "key", "id_number_index"}


async def test_check_of_no_subjects_answers_no_results(client, headers):
    # Found by the fuzzer: an empty list was a 500.
    response = await client.post("/v1/blacklist/check", json={"subjects": []},
                                 headers=headers("service"))
    assert response.status_code == 200
    assert response.json() == {"results": []}
