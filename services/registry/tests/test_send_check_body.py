"""The send-check body read by msgspec (`messaging.plain_checks`) only where pydantic would
read it alike: whatever the plain reader accepts, pydantic accepts with the same three values;
everything else is left to pydantic (None), whose 422 problem both routes answer as before.

Generated bodies (objects of known, extra and repeated keys; strings with whitespace, lone
surrogates, control characters; wrong types; broken bytes) hold the rule; the edges msgspec
and pydantic could read differently are each spelled out, in the reader and through the API.
"""

import json
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from registry.schemas import messaging
from registry.schemas.messaging import BATCH_MAX, CONTENT_MAX, NUMBER_MAX, Check

BATCH, ONE = TypeAdapter(messaging.SendCheckBatchIn), TypeAdapter(messaging.SendCheckIn)
KEYS = ("sub_port", "recipient", "content")
GOOD = {"sub_port": "106909999999", "recipient": "13800000001", "content": "【某某银行】您好"}
# Every character str.isspace calls whitespace, and those Unicode calls White_Space (Rust's
# trim, which pydantic's strip_whitespace uses), with a few that are neither but look alike.
SPACES = sorted({chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()}
                | {"\u200b", "\u2060", "\ufeff", "\u180e", "\x00", "\x1f"})


def pydantic_values(raw: bytes, *, batch: bool) -> list[tuple[str, str, str]] | None:
    try:
        checks = BATCH.validate_json(raw).checks if batch else [ONE.validate_json(raw)]
    except ValidationError:
        return None
    return [(c.sub_port, c.recipient, c.content) for c in checks]


def assert_read_alike(raw: bytes, *, batch: bool) -> list[Check] | None:
    """The rule: accepted by the plain reader → accepted by pydantic, with the same values
    (as `Check`s: what the routes hand on)."""
    plain = messaging.plain_checks(raw, batch=batch)
    if plain is not None:
        assert all(type(check) is Check for check in plain)
        assert [tuple(check) for check in plain] == pydantic_values(raw, batch=batch)
    return plain


def written(value: object, *, ascii_only: bool) -> bytes:
    """JSON as a client writes it; a lone surrogate is either a \\u escape or (not ASCII) the
    three bytes UTF-8 forbids."""
    return json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


def pairs_text(pairs: list[tuple[str, object]], *, ascii_only: bool) -> str:
    """An object written key by key: repeated keys stay (json.dumps of a dict cannot)."""
    return "{" + ",".join(json.dumps(key, ensure_ascii=ascii_only) + ":" + json.dumps(
        value, ensure_ascii=ascii_only) for key, value in pairs) + "}"


# Strings near the limits and the edges: digits, Chinese, emoji (one character, two UTF-16
# units), whitespace of every kind, lone surrogates, control characters.
characters = st.one_of(st.sampled_from("0123456789"), st.sampled_from("字【】，😀é\x7f\u2028"),
                       st.sampled_from(SPACES), st.sampled_from(["\ud800", "\udbff", "\udc00"]),
                       st.characters(codec=None))
texts = st.one_of(st.text(characters, max_size=40), st.just(""),
                  st.builds(lambda c, n: c * n, st.sampled_from(["1", "字", "😀", " "]),
                            st.sampled_from([NUMBER_MAX, NUMBER_MAX + 1, CONTENT_MAX,
                                             CONTENT_MAX + 1])))
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                    texts)
values = st.one_of(texts, texts, texts, scalars, st.lists(scalars, max_size=3),
                   st.dictionaries(st.sampled_from(KEYS), scalars, max_size=3))
keys = st.one_of(st.sampled_from(KEYS), st.sampled_from(KEYS), st.sampled_from(
    ["checks", "extra", "Content", "sub_port ", "recipient\u0000"]), texts)


def value_for(key: str) -> st.SearchStrategy[object]:
    """Mostly a value the schema takes (else no body would be accepted whole)."""
    good = st.text(st.sampled_from("0123456789+字😀 "), min_size=1, max_size=NUMBER_MAX) \
        if key != "content" else st.text(characters, min_size=1, max_size=60)
    return st.integers(0, 5).flatmap(lambda n: st.just(GOOD[key]) if n < 3 else good
                                     if n < 5 else values)


@st.composite
def item_text(draw: st.DrawFn, ascii_only: bool) -> str:
    """An item that is mostly a check: the three keys with a value each, then maybe one
    dropped, one repeated, one added, the order shuffled; sometimes no object at all."""
    if draw(st.integers(0, 9)) == 0:
        return json.dumps(draw(values), ensure_ascii=ascii_only)
    pairs = [(key, draw(value_for(key))) for key in KEYS]
    if draw(st.booleans()):
        pairs = draw(st.permutations(pairs))
    if draw(st.integers(0, 4)) == 0:
        pairs.pop(draw(st.integers(0, len(pairs) - 1)))
    if draw(st.integers(0, 4)) == 0:
        pairs.insert(draw(st.integers(0, len(pairs))), (draw(keys), draw(values)))
    return pairs_text(pairs, ascii_only=ascii_only)


@st.composite
def body(draw: st.DrawFn) -> tuple[bytes, bool]:
    ascii_only, batch = draw(st.booleans()), draw(st.booleans())
    item = item_text(ascii_only)
    if not batch:
        text = draw(item)
    else:
        listed = "[" + ",".join(draw(st.lists(item, max_size=4))) + "]"
        pairs = [("checks", listed)]
        if draw(st.integers(0, 5)) == 0:
            pairs.insert(draw(st.integers(0, 1)), (draw(keys), json.dumps(draw(values))))
        text = "{" + ",".join(f"{json.dumps(k)}:{v}" for k, v in pairs) + "}"
    raw = text.encode("utf-8", "surrogatepass")
    edit = draw(st.integers(0, 7))
    if edit == 0:  # a byte changed, dropped or added anywhere
        at = draw(st.integers(0, len(raw)))
        raw = raw[:at] + draw(st.binary(max_size=2)) + raw[at + draw(st.integers(0, 1)):]
    elif edit == 1:  # before or after the value
        raw = draw(st.sampled_from([b"", b" \t\r\n", b"\xef\xbb\xbf", b"\x00"])) + raw \
            + draw(st.sampled_from([b"", b" \n", b"x", b"\x00", b"{}", b",", b"\xff"]))
    return raw, batch


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body())
def test_generated_bodies_the_plain_reader_accepts_pydantic_reads_alike(case):
    raw, batch = case
    assert_read_alike(raw, batch=batch)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(texts, texts, texts), min_size=1, max_size=5), st.booleans())
def test_generated_string_values_are_read_alike(rows, ascii_only):
    """Every item an object of the three keys: only the strings vary."""
    raw = written({"checks": [dict(zip(KEYS, row, strict=True)) for row in rows]},
                  ascii_only=ascii_only)
    assert_read_alike(raw, batch=True)


def test_the_generated_bodies_reach_both_answers():
    """The property tests above could pass by declining everything: the same generators,
    drawn here, give bodies the plain reader accepts and bodies it leaves to pydantic."""
    seen: set[bool] = set()

    @settings(max_examples=300, deadline=None, database=None)
    @given(body())
    def draw(case: tuple[bytes, bool]) -> None:
        raw, batch = case
        seen.add(assert_read_alike(raw, batch=batch) is None)

    draw()
    assert seen == {True, False}


def test_str_strip_removes_whatever_pydantic_strips():
    """The plain reader declines a number str.strip would change; that is safe only if it
    strips every character pydantic's strip_whitespace does (Rust's trim): all of Unicode."""
    number = TypeAdapter(messaging.SubPortNumber)
    for code in range(sys.maxunicode + 1):
        if 0xD800 <= code <= 0xDFFF:
            continue  # no JSON text read by either reader holds one (tested below)
        text = chr(code) + "1"
        if number.validate_python(text) != text:
            assert text.strip() != text, hex(code)


def raw_batch(*items: bytes) -> bytes:
    return b'{"checks":[' + b",".join(items) + b"]}"


ITEM = json.dumps(GOOD, ensure_ascii=False).encode()
TWICE = b'{"sub_port":"106909999999","recipient":"13800000001",'
# (name, body, batch): bodies the plain reader must leave to pydantic.
DECLINED = [
    ("lone high surrogate", ITEM.replace("您好".encode(), b"\\ud800"), False),
    ("lone high surrogate then a character", ITEM.replace("您好".encode(), b"\\ud800x"), False),
    ("high surrogate then not a low one", ITEM.replace("您好".encode(), b"\\ud800\\u0041"),
     False),
    ("lone low surrogate", ITEM.replace("您好".encode(), b"\\udc00"), False),
    ("surrogate written in UTF-8 bytes", ITEM.replace("您好".encode(), b"\xed\xa0\x80"), False),
    ("invalid UTF-8", ITEM.replace("您好".encode(), b"\xff"), False),
    ("overlong UTF-8", ITEM.replace("您好".encode(), b"\xc0\xaf"), False),
    ("truncated UTF-8", ITEM.replace("您好".encode(), "您".encode()[:2]), False),
    ("UTF-16", json.dumps(GOOD).encode("utf-16"), False),
    ("BOM", b"\xef\xbb\xbf" + ITEM, False),
    ("trailing data", ITEM + b" x", False),
    ("a second value", ITEM + ITEM, False),
    ("trailing NUL", ITEM + b"\x00", False),
    ("NaN", ITEM.replace('"【某某银行】您好"'.encode(), b"NaN"), False),
    ("Infinity in an extra key", ITEM[:-1] + b',"x":Infinity}', False),
    ("huge number", ITEM.replace(b'"13800000001"', b"9" * 5000), False),
    ("huge exponent", ITEM.replace(b'"13800000001"', b"1e999999"), False),
    ("number", ITEM.replace(b'"13800000001"', b"13800000001"), False),
    ("null", ITEM.replace(b'"13800000001"', b"null"), False),
    ("true", ITEM.replace(b'"13800000001"', b"true"), False),
    ("list", ITEM.replace(b'"13800000001"', b'["13800000001"]'), False),
    ("object", ITEM.replace(b'"13800000001"', b'{"recipient":"13800000001"}'), False),
    ("extra key", ITEM[:-1] + b',"priority":1}', False),
    ("key in another case", ITEM.replace(b'"content"', b'"Content"'), False),
    ("missing key", TWICE + b'"recipient":"13800000002"}', False),
    ("repeated key, one missing", b'{"sub_port":"1","sub_port":"2","content":"x"}', False),
    ("repeated key, the first not a string", TWICE + b'"content":5,"content":"x"}', False),
    ("repeated key, the last not a string", TWICE + b'"content":"x","content":5}', False),
    ("whitespace to strip", ITEM.replace(b'"13800000001"', b'" 13800000001"'), False),
    ("ideographic space to strip", ITEM.replace(b'"106909999999"', b'"106909999999\\u3000"'),
     False),
    ("empty string", ITEM.replace(b'"13800000001"', b'""'), False),
    ("number too long", ITEM.replace(b'"13800000001"', b'"' + b"1" * (NUMBER_MAX + 1) + b'"'),
     False),
    ("content too long", ITEM.replace("您好".encode(), "😀".encode() * CONTENT_MAX), False),
    ("raw control character", ITEM.replace("您好".encode(), b"\x01"), False),
    ("raw tab", ITEM.replace("您好".encode(), b"\t"), False),
    ("invalid escape", ITEM.replace("您好".encode(), b"\\x41"), False),
    ("deep nesting", b"[" * 100_000 + b"]" * 100_000, False),
    ("deep nesting in a value", ITEM.replace(b'"13800000001"', b"[" * 100_000 + b"]" * 100_000),
     False),
    ("deep nesting in an extra key", ITEM[:-1] + b',"x":' + b"[" * 100_000 + b"]" * 100_000
     + b"}", False),
    ("a list", b"[" + ITEM + b"]", False),
    ("a string", b'"checks"', False),
    ("empty", b"", False),
    ("whitespace only", b" \n", False),
    ("trailing comma", ITEM[:-1] + b",}", False),
    ("single quotes", ITEM.replace(b'"', b"'"), False),
    ("a comment", ITEM + b"//", False),
    ("empty batch", b'{"checks":[]}', True),
    ("batch too long", raw_batch(*[ITEM] * (BATCH_MAX + 1)), True),
    ("batch of one bad among good", raw_batch(ITEM, ITEM[:-1] + b',"x":1}', ITEM), True),
    ("batch with an extra key", b'{"checks":[' + ITEM + b'],"x":1}', True),
    ("batch with NaN in an extra key", b'{"checks":[' + ITEM + b'],"x":NaN}', True),
    ("batch not a list", b'{"checks":' + ITEM + b"}", True),
    ("batch nested past any depth", b'{"checks":' + b"[" * 100_000 + b"]" * 100_000 + b"}",
     True),
    ("batch, the first of repeated checks bad", b'{"checks":5,"checks":[' + ITEM + b"]}", True),
    ("batch without checks", b"{}", True),
    ("batch as a single check", ITEM, True),
]
# (name, body, batch, values): bodies read plainly, as pydantic reads them.
ACCEPTED = [
    ("repeated key: the last value", TWICE + b'"content":"a","content":"b"}', False,
     [("106909999999", "13800000001", "b")]),
    ("repeated checks: the last list", b'{"checks":[' + ITEM.replace(b"1069", b"1064")
     + b'],"checks":[' + ITEM + b"]}", True,
     [tuple(GOOD.values())]),
    ("escapes, a surrogate pair among them",
     ITEM.replace("您好".encode(), b"\\u4f60\\/\\n\\ud83d\\ude00"), False,
     [(GOOD["sub_port"], GOOD["recipient"], "【某某银行】你/\n😀")]),
    ("an escaped key", ITEM.replace(b'"content"', b'"\\u0063ontent"'), False,
     [tuple(GOOD.values())]),
    ("whitespace around the JSON", b" \t\r\n" + ITEM + b"\n ", False, [tuple(GOOD.values())]),
    ("whitespace inside the content", ITEM.replace("您好".encode(), b" \\t x "), False,
     [(GOOD["sub_port"], GOOD["recipient"], "【某某银行】 \t x ")]),
    ("limits in characters, not bytes",
     ITEM.replace("您好".encode(), "😀".encode() * (CONTENT_MAX - 6)).replace(
         b'"13800000001"', b'"' + "字".encode() * NUMBER_MAX + b'"'), False,
     [(GOOD["sub_port"], "字" * NUMBER_MAX, "【某某银行】" + "😀" * (CONTENT_MAX - 6))]),
    ("a full batch", raw_batch(*[ITEM] * BATCH_MAX), True, [tuple(GOOD.values())] * BATCH_MAX),
]


@pytest.mark.parametrize(("name", "raw", "batch"), DECLINED, ids=[c[0] for c in DECLINED])
def test_an_edge_is_left_to_pydantic(name, raw, batch):
    assert messaging.plain_checks(raw, batch=batch) is None
    if not batch:  # the same item inside a batch
        wrapped = b'{"checks":[' + raw + b"]}"
        assert messaging.plain_checks(wrapped, batch=True) is None


@pytest.mark.parametrize(("name", "raw", "batch", "expected"), ACCEPTED,
                         ids=[c[0] for c in ACCEPTED])
def test_an_edge_both_read_alike_is_read_plainly(name, raw, batch, expected):
    assert [tuple(check) for check in assert_read_alike(raw, batch=batch) or []] == expected
    assert pydantic_values(raw, batch=batch) == expected


def test_what_the_routes_hand_on_is_a_list_of_checks():
    """Downstream reads a `Check` by attribute and as a tuple of its three values."""
    (check,) = messaging.plain_checks(ITEM, batch=False) or []
    assert (check.sub_port, check.recipient, check.content) == tuple(check) == tuple(
        GOOD.values())
    assert type(check) is Check and check == Check(**GOOD)


ROUTED = [(route, *case) for case in DECLINED
          for route in ("/v1/send-checks/batch",) + (() if case[2] else ("/v1/send-checks",))]


@pytest.mark.parametrize(("route", "name", "raw", "batch"), ROUTED,
                         ids=[f"{c[1]} ({c[0].rsplit('/')[-1]})" for c in ROUTED])
async def test_an_edge_declined_is_answered_by_pydantic_on_both_routes(client, headers, route,
                                                                      name, raw, batch):
    """Left to pydantic: its 422 problem (never a 500), or its answer where it reads the body
    (a repeated key whose last value is good, whitespace it strips)."""
    sent = raw if batch or not route.endswith("batch") else b'{"checks":[' + raw + b"]}"
    expected = pydantic_values(sent, batch=route.endswith("batch"))
    response = await client.post(route, content=sent, headers={
        **headers("gateway"), "content-type": "application/json"})
    assert GOOD["recipient"] not in response.text  # no input echoed, no phone unmasked
    if expected is not None:
        assert response.status_code == 200, response.text
        results = response.json()["results"] if route.endswith("batch") else [response.json()]
        assert [r["sub_port"] for r in results] == [row[0] for row in expected]
        return
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422 and problem["type"] and problem["title"]


@pytest.mark.parametrize(("name", "raw", "batch", "expected"), ACCEPTED,
                         ids=[c[0] for c in ACCEPTED])
async def test_an_edge_read_plainly_is_answered_on_both_routes(client, headers, name, raw,
                                                               batch, expected):
    routes = [("/v1/send-checks/batch", raw)] if batch else [
        ("/v1/send-checks", raw), ("/v1/send-checks/batch", b'{"checks":[' + raw + b"]}")]
    for path, sent in routes:
        response = await client.post(path, content=sent, headers={
            **headers("gateway"), "content-type": "application/json"})
        assert response.status_code == 200, response.text
        results = response.json()["results"] if path.endswith("batch") else [response.json()]
        assert [r["sub_port"] for r in results] == [row[0] for row in expected]
        assert "13800000001" not in response.text  # masked
