"""The fast path answers exactly what the reference (every template tried in turn) answers,
and the hot route reads and writes as pydantic would (the same checks accepted, everything
else left to pydantic; the same bytes written).

A corpus of generated messages over sub-ports of every state, with templates that share
signatures and first characters, start with variables, wait for approval or were rejected,
is checked both ways; the answers (reasons, template, explanation part by part) must agree,
and the corpus must reach every reason code.
"""

import base64
import datetime as dt
import json
import os
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from porttrust_shared.pii import PiiCipher, mask_phone
from porttrust_shared.tokens import Principal
from registry.schemas import messaging
from registry.service.matching import compile_template
from registry.service.matching.normalize import normalize, split_normalized, split_raw
from registry.service.opt_outs import PHONE
from registry.service.send_check import general, keyed, lane
from registry.service.send_check.phone_keys import phone_key
from registry.service.send_check.reference import reference_verdict
from registry.service.send_check.render import batch_text, written
from registry.service.send_check.state import SubPortView, TemplateRef, template_index
from registry.service.send_check.verdict import Snapshot, answer, recipient_phone, verdict
from registry.service.send_log import content_digest
from registry.service.send_log_writer import LogRow

REASONS = {"recipient_invalid", "m2m_port", "sub_port_unknown", "sub_port_not_active",
           "recipient_opted_out", "no_template", "signature_mismatch", "fixed_text_mismatch",
           "variable_too_long", "variable_type", "url_off_list", "template_not_approved",
           "marketing_on_service_port"}
CIPHER = PiiCipher("k1:" + base64.b64encode(b"\x01" * 32).decode(),
                   base64.b64encode(b"\x02" * 32).decode())
GATEWAY = Principal(sub="gw", roles=frozenset({"gateway"}), province="HQ")
OPERATOR_44 = Principal(sub="op", roles=frozenset({"province_operator"}), province="44")
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

TEXTS = [  # (text, kind)
    ("【某某银行】您的验证码是{code:digits:6}，5分钟内有效，请勿泄露给他人。", "notification"),
    ("【某某银行】您的验证码为{code:digits:4}，请在页面输入完成验证。", "notification"),
    ("【某某银行】您尾号{tail:digits:4}的账户于{date:date}支出{amount:amount}元。", "notification"),
    ("【某某银行】{name:text:10}您好，您的账单已出，应还{amount:amount}，请按时还款。",
     "notification"),
    ("【某某银行】 您 的 快递 {no:text:20} 已到 {place:text:12}，请凭码取件。", "notification"),
    ("【顺丰速运】您的快递{no:digits:12}已发出，查询{link:url:40}", "notification"),
    ("【某某商城】会员日全场满299减50，详情{link:url:40}，回T退订", "marketing"),
    ("【某某商城】新品上市，{item:text:10}限时特价，详情{link:url:40}，回T退订", "marketing"),
    ("【某某银行】客服热线{tel:phone}，工作时间每天8:00-22:00，欢迎来电咨询。", "notification"),
]
VALUES = {"digits": ["123456", "1234", "12a4", "1234567890123"],
          "text": ["张三", "顺丰A12", "http://x.cn/a", "很长很长很长很长很长很长很长很长的值"],
          "amount": ["1,234.50", "88", "12.345", "abc"],
          "date": ["2026-02-28", "3月5日", "2026-02-30", "明天"],
          "url": ["https://shop.example.com/a", "https://evil.example.net/x", "ftp://x"],
          "phone": ["95588", "13812345678", "12345"]}


def _templates(rng: random.Random) -> list[tuple[TemplateRef, object]]:
    rows = []
    for n, (text, kind) in enumerate(rng.sample(TEXTS, rng.randint(0, len(TEXTS)))):
        status = rng.choice(["approved", "approved", "pending", "rejected"])
        domains = ("shop.example.com",) if "{link" in text else ()
        rows.append(_Row(f"t{n:02d}{rng.randint(0, 99)}", status, kind, text, domains,
                         T0 + dt.timedelta(minutes=rng.randint(0, 5))))
    return rows


class _Row:
    def __init__(self, id_: str, status: str, kind: str, text: str, domains: tuple[str, ...],
                 created_at: dt.datetime) -> None:
        self.id, self.status, self.kind, self.text = id_, status, kind, text
        self.allowed_domains, self.created_at = list(domains), created_at


def _fill(rng: random.Random, text: str) -> str:
    template = compile_template(text)
    for variable in template.variables:
        value = rng.choice(VALUES[variable.type])
        spec = next(p for p in text.split("{")[1:] if p.startswith(variable.name + ":"))
        text = text.replace("{" + spec.split("}")[0] + "}", value)
    return text


def _mutate(rng: random.Random, message: str) -> str:
    choice = rng.randrange(9)
    if choice == 0:
        return message.replace("【某某银行】", "【其他银行】").replace("【某某商城】", "【某商城】")
    if choice == 1:
        return message[message.find("】") + 1:]  # no signature
    if choice == 2 and len(message) > 12:
        cut = rng.randrange(7, len(message) - 2)
        return message[:cut] + rng.choice(["转发", "", "x"]) + message[cut + 2:]
    if choice == 3:
        return message.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})  # full width
    if choice == 4:
        return " ".join(message) if rng.random() < 0.3 else message + " 优惠券免费领"
    if choice == 5:
        return message + "，回T退订"
    return message


def _corpus(seed: int, messages: int):
    rng = random.Random(seed)
    subs, templates, opted = {}, {}, set()
    numbers = [f"1069{n:08d}" for n in range(12)] + ["106401234567", "106909999999"]
    for number in numbers[:12]:
        subs[number] = SubPortView(number, rng.choice(["44", "44", "11"]),
                                   rng.choice(["active"] * 4 + ["suspended", "registered"]),
                                   rng.choice(["notification", "marketing", None]))
        templates[number] = _templates(rng)
    subs["106401234567"] = SubPortView("106401234567", "44", "active", "notification")
    phones = [f"138{n:08d}" for n in range(30)]
    for number in numbers:
        for phone in rng.sample(phones, 5):
            opted.add((number, CIPHER.blind_index(phone, field=PHONE)))
    checks = []
    for _ in range(messages):
        number = rng.choice(numbers)
        rows = templates.get(number) or [_Row("x", "approved", "notification", TEXTS[0][0],
                                              (), T0)]
        message = _mutate(rng, _fill(rng, rng.choice(rows).text))
        recipient = rng.choice([*phones, "12345", "+86 138 0000 0001"])
        checks.append(messaging.SendCheckIn(sub_port=number, recipient=recipient,
                                            content=message))
    return subs, templates, opted, checks


def _both(subs, templates, opted, checks, actor):
    visible = {n: s for n, s in subs.items()
               if actor.province_scope is None or s.province == actor.province_scope}
    ordered = {n: template_index(rows) for n, rows in templates.items()}
    snapshot = Snapshot(visible, ordered, {})
    for number, index in opted:
        snapshot.opted.setdefault(number, set()).add(phone_key(index))
    reference = {n: index.candidates for n, index in ordered.items()}
    for check in checks:
        phone = recipient_phone(check.recipient)
        index = CIPHER.blind_index(phone, field=PHONE) if phone else None
        fast = answer(check, phone, *verdict(snapshot, check, phone, index))
        slow = answer(check, phone, *reference_verdict(visible, opted, reference, check,
                                                        phone, index))
        yield fast, slow


def test_the_fast_path_answers_what_the_reference_answers_on_a_generated_corpus():
    seen: set[str] = set()
    compared = 0
    for seed, actor in ((1, GATEWAY), (2, OPERATOR_44), (3, GATEWAY)):
        for fast, slow in _both(*_corpus(seed, 1000), actor):
            assert fast == slow
            seen.update(fast["reasons"])
            compared += 1
    assert compared >= 2000
    assert seen >= REASONS, REASONS - seen


def test_a_matched_message_is_explained_by_the_template_that_fits():
    subs, templates, opted, _ = _corpus(4, 0)
    number = next(n for n, rows in templates.items() if rows and subs[n].status == "active")
    row = templates[number][0]
    check = messaging.SendCheckIn(sub_port=number, recipient="13900000000",
                        content=_fill(random.Random(5), row.text))
    (fast, slow), = _both(subs, templates, opted, [check],
                          GATEWAY)
    assert fast == slow
    assert fast["explanation"] is not None

TEMPLATE_REASONS = {"no_template", "signature_mismatch", "fixed_text_mismatch",
                    "variable_too_long", "variable_type", "url_off_list"}


def _refused(rng: random.Random, message: str) -> str:
    """A message its templates may not fit: another signature or none, a character changed
    at the start of the body (no part reached), in the middle, or text after the end; or as
    filled (its values may not fit)."""
    body = message.find("】") + 1
    choice = rng.randrange(6)
    if choice == 0:
        return rng.choice(["【其他银行】", ""]) + message[body:]
    if choice == 1:
        return message[:body] + "亲" + message[body + 1:]
    if choice == 2:
        cut = rng.randrange(body + 1, len(message))
        return message[:cut] + "转" + message[cut + 1:]
    if choice == 3:
        return message + "详询门店"
    return message


def test_refusals_are_explained_and_written_as_the_reference_explains_them():
    """Refused on every template reason, each message asked twice (the second answer may be
    a kept explanation): the same answer as the reference, written as pydantic writes it,
    and explanations both with parts reached and with none."""
    rng = random.Random(21)
    rows = {f"1069{n:08d}": [_Row(f"t{n}{k}", "approved", kind, text,
                                  ("shop.example.com",) if "{link" in text else (), T0)
                             for k, (text, kind) in enumerate(rng.sample(TEXTS, n))]
            for n in range(len(TEXTS) + 1)}
    subs = {n: SubPortView(n, "44", "active", "marketing") for n in rows}
    snapshot = Snapshot(subs, {n: template_index(r) for n, r in rows.items()}, {})
    reference = {n: index.candidates for n, index in snapshot.templates.items()}
    seen, reached = set(), set()
    for _ in range(1500):
        number = rng.choice(list(rows))
        text = rng.choice(rows[number] or [_Row("x", "approved", "notification", TEXTS[0][0],
                                                (), T0)]).text
        check = messaging.SendCheckIn(sub_port=number, recipient="13800000001",
                                      content=_refused(rng, _fill(rng, text)))
        slow = reference_verdict(subs, set(), reference, check, "13800000001", None)
        for _ in range(2):
            reasons, best = verdict(snapshot, check, "13800000001", None)
            expected = answer(check, "13800000001", reasons, best)
            assert expected == answer(check, "13800000001", *slow)
            found = written(check, "13800000001", reasons, best, monitored=False)
            assert found.text.encode() == messaging.SendCheckRead.model_validate(
                expected).model_dump_json().encode()
        seen.update(reasons)
        if best is not None and not best.ok:
            reached.add(bool(best.positions or best.checks))
    assert seen >= TEMPLATE_REASONS, TEMPLATE_REASONS - seen
    assert reached == {True, False}


BATCH, ONE = TypeAdapter(messaging.SendCheckBatchIn), TypeAdapter(messaging.SendCheckIn)
GOOD = {"sub_port": "106900001111", "recipient": "13800000001", "content": "【某某银行】您好"}


def _pydantic(raw: bytes, batch: bool) -> list[tuple[str, str, str]] | None:
    try:
        checks = BATCH.validate_json(raw).checks if batch else [ONE.validate_json(raw)]
    except ValidationError:
        return None
    return [(c.sub_port, c.recipient, c.content) for c in checks]


BODIES = [
    {"checks": [GOOD]}, {"checks": [GOOD] * 1000}, {"checks": [GOOD] * 1001}, {"checks": []},
    {"checks": [GOOD], "extra": 1}, {"checks": [{**GOOD, "extra": 1}]},
    {"checks": [{k: v for k, v in GOOD.items() if k != "content"}]},
    {"checks": [{**GOOD, "sub_port": " 106900001111 "}]},
    {"checks": [{**GOOD, "recipient": "\u3000138 0000 0001\t"}]},
    {"checks": [{**GOOD, "recipient": "1" * 32}]}, {"checks": [{**GOOD, "recipient": "1" * 33}]},
    {"checks": [{**GOOD, "sub_port": ""}]}, {"checks": [{**GOOD, "sub_port": " "}]},
    {"checks": [{**GOOD, "content": ""}]}, {"checks": [{**GOOD, "content": "x" * 2000}]},
    {"checks": [{**GOOD, "content": "字" * 2001}]}, {"checks": [{**GOOD, "content": 5}]},
    {"checks": [{**GOOD, "content": None}]}, {"checks": [{**GOOD, "sub_port": 106900001111}]},
    {"checks": [{**GOOD, "content": " 前后有空格 "}]}, {"checks": GOOD}, {"checks": "x"},
    [GOOD], "checks", None, 1.5, {"checks": [[1, 2, 3]]},
    # One bad check among good ones (the plain reader judges column by column).
    *({"checks": [GOOD, bad, GOOD]} for bad in (
        {**GOOD, "content": 5}, {**GOOD, "extra": 1}, "x", None, [1, 2, 3], {},
        {k: v for k, v in GOOD.items() if k != "recipient"}, {**GOOD, "recipient": " 1"},
        {**GOOD, "sub_port": ""}, {**GOOD, "content": "字" * 2001}, {"a": 1, "b": 2, "c": 3})),
]


@pytest.mark.parametrize("ascii_only", [False, True])
@pytest.mark.parametrize("body", BODIES)
def test_plain_reading_accepts_only_what_pydantic_accepts_and_reads_it_alike(body, ascii_only):
    for batch, value in ((True, body), (False, body.get("checks", [None])[0]
                                       if isinstance(body, dict) and body.get("checks")
                                       and isinstance(body["checks"], list) else body)):
        raw = json.dumps(value, ensure_ascii=ascii_only).encode()
        plain = messaging.plain_checks(raw, batch=batch)
        if plain is not None:
            assert [tuple(c) for c in plain] == _pydantic(raw, batch)


@pytest.mark.parametrize("raw", [
    b'{"checks": [{"sub_port": "1069", "recipient": "13", "content": "\\ud800"}]}',
    b'{"checks": [{"sub_port": "1069", "recipient": "13", "content": "\\u4e2d"}, '
    b'{"sub_port": "1069", "recipient": "\\uDC00", "content": "x"}]}',
    '{"checks": [{"sub_port": "1069", "recipient": "13", "content": "x"}]}'.encode("utf-16"),
    b'\xef\xbb\xbf{"checks": [{"sub_port": "1069", "recipient": "13", "content": "x"}]}',
    b'{"checks": [{"sub_port": "1069", "recipient": "13", "content": "\xff"}]}',
    b'{"checks": [{"sub_port": "1069", "recipient": "13", "content": NaN}]}',
    b'{"checks": [{"sub_port": "1069", "recipient": "13", "content": "x"}]',
])
def test_escapes_other_encodings_and_broken_json_are_left_to_pydantic(raw):
    assert messaging.plain_checks(raw, batch=True) is None


def test_json_nested_past_the_reader_s_depth_is_left_to_pydantic():
    """Not the schema's shape at the first bracket: no answer of the plain reader, and
    pydantic's is a 422 (tested through the API in test_send_check)."""
    raw = b'{"checks": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert messaging.plain_checks(raw, batch=True) is None
    assert messaging.plain_checks(b"[" * 100_000 + b"]" * 100_000, batch=False) is None
    assert _pydantic(raw, True) is None


@pytest.mark.parametrize("ascii_only", [False, True])
def test_a_plain_batch_is_read_as_checks(ascii_only):
    emoji = {**GOOD, "content": GOOD["content"] + "\U0001F600"}  # a surrogate pair escaped
    raw = json.dumps({"checks": [GOOD, emoji]}, ensure_ascii=ascii_only).encode()
    expected = [messaging.Check(**GOOD), messaging.Check(**emoji)]
    assert messaging.plain_checks(raw, batch=True) == expected


@pytest.mark.parametrize("monitored", [False, True])
def test_answers_are_written_as_pydantic_writes_them(monitored):
    subs, templates, opted, checks = _corpus(7, 1500)
    checks[0] = messaging.SendCheckIn(sub_port='1069"\\\x01\u2028é', recipient="1", content="x")
    visible = dict(subs)
    ordered = {n: template_index(rows) for n, rows in templates.items()}
    snapshot = Snapshot(visible, ordered, {})
    for number, index in opted:
        snapshot.opted.setdefault(number, set()).add(phone_key(index))
    texts, kinds = [], set()
    for check in checks:
        phone = recipient_phone(check.recipient)
        index = CIPHER.blind_index(phone, field=PHONE) if phone else None
        reasons, best = verdict(snapshot, check, phone, index)
        found = written(check, phone, reasons, best, monitored=monitored)
        expected = answer(check, phone, reasons, best, monitored=monitored)
        read = messaging.SendCheckRead.model_validate(expected)
        assert found.text.encode() == read.model_dump_json().encode()
        assert (found.recipient, found.allowed, found.enforced, found.template_id) == (
            expected["recipient"], expected["allowed"], expected["enforced"],
            expected["template_id"])
        texts.append(found.text)
        kinds.add(type(best).__name__)
    assert kinds == {"Fit", "Miss", "NoneType"}
    assert batch_text(texts).encode() == messaging.SendCheckBatchRead.model_validate_json(
        batch_text(texts)).model_dump_json().encode()


def test_the_usual_case_answers_and_logs_what_the_general_path_does():
    """lane.usual answers a message only as the general path (verdict, written) would, log
    row included, and leaves every other message to it; the corpus has both kinds."""
    now = dt.datetime(2026, 12, 6, tzinfo=dt.UTC)
    answered = general = 0
    for seed, actor in ((11, GATEWAY), (12, OPERATOR_44)):
        subs, templates, opted, checks = _corpus(seed, 1500)
        checks += [messaging.SendCheckIn(sub_port=c.sub_port, recipient=f"138{n % 30:08d}",
                                         content=c.content) for n, c in enumerate(checks)]
        visible = {n: s for n, s in subs.items()
                   if actor.province_scope is None or s.province == actor.province_scope}
        snapshot = Snapshot(visible, {n: template_index(r) for n, r in templates.items()}, {})
        for number, index in opted:
            snapshot.opted.setdefault(number, set()).add(phone_key(index))
        for check, found in zip(checks, lane.usual(snapshot, checks, now=now, actor="gw",
                                                   cipher=CIPHER), strict=True):
            if found is None:
                general += 1
                continue
            answered += 1
            phone = recipient_phone(check.recipient)
            index = CIPHER.blind_index(phone, field=PHONE) if phone else None
            reasons, best = verdict(snapshot, check, phone, index)
            text, recipient, allowed, enforced, template = written(
                check, phone, reasons, best, monitored=False)
            sub = snapshot.subs[check.sub_port]
            assert found == (text, LogRow(
                now, check.sub_port, sub.province, index, recipient, allowed, enforced,
                reasons, template, "gw", content_digest(check.content, CIPHER),
                len(check.content)))
            # A waiver could never change a usual answer (service/monitoring.py).
            assert written(check, phone, reasons, best, monitored=True).text == text
    assert answered > 100 and general > 1000, (answered, general)


def test_the_general_path_answers_and_logs_each_check_from_its_verdict():
    """general.verdicts and general.answers (compiled) give, check by check, what verdict,
    written and the log row's fields give, waived sub-ports included."""
    now = dt.datetime(2026, 12, 6, tzinfo=dt.UTC)
    subs, templates, opted, checks = _corpus(21, 1500)
    snapshot = Snapshot(subs, {n: template_index(r) for n, r in templates.items()}, {})
    for number, index in opted:
        snapshot.opted.setdefault(number, set()).add(phone_key(index))
    waived = {number for number in subs if number.endswith(("1", "2"))}
    found = general.verdicts(snapshot, checks, CIPHER)
    reasons_seen: set[str] = set()
    for check, phone, index, verdict_found, answered in zip(
            checks, *found, general.answers(snapshot, checks, found, waived, now=now,
                                            actor="gw", cipher=CIPHER), strict=True):
        assert phone == recipient_phone(check.recipient)
        assert index == (CIPHER.blind_index(phone, field=PHONE) if phone else None)
        reasons, best = verdict(snapshot, check, phone, index)
        assert answer(check, phone, *verdict_found) == answer(check, phone, reasons, best)
        text, recipient, allowed, enforced, template = written(
            check, phone, reasons, best, monitored=check.sub_port in waived)
        sub = subs.get(check.sub_port)
        assert answered == (text, LogRow(
            now, check.sub_port, sub.province if sub else None, index, recipient, allowed,
            enforced, reasons, template, "gw", content_digest(check.content, CIPHER),
            len(check.content)))
        reasons_seen.update(reasons)
    assert reasons_seen >= REASONS - {"sub_port_unknown", "no_template"}, REASONS - reasons_seen


@pytest.mark.parametrize("raw", ["13800000000", "19912345678"])
def test_a_plain_mobile_is_what_check_mobile_keeps_as_it_is(raw):
    assert lane.plain_mobile(raw) and recipient_phone(raw) == raw


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_the_lane_masks_a_plain_mobile_as_mask_phone_does(raw):
    assert lane.plain_mobile(raw) and lane.masked_mobile(raw) == mask_phone(raw)


MAKERS = [lambda field: keyed.ByCipher(CIPHER, field), *(
    [lambda field: keyed.NATIVE(*CIPHER.index_blocks(field))] if keyed.NATIVE is not None
    else [])]


@given(st.text())
def test_the_check_takes_blind_indexes_as_the_cipher_does(value):
    """Both makers (the C one where it was built, the cipher's own otherwise), and the one the
    check uses."""
    for field in (PHONE, "sms_content"):
        expected = CIPHER.blind_index(value, field=field)
        assert keyed.keyed(CIPHER, field).hex(value) == expected
        for maker in MAKERS:
            assert maker(field).hex(value) == expected


@pytest.mark.parametrize("maker", MAKERS)
def test_a_value_utf_8_cannot_carry_is_refused_as_the_cipher_refuses_it(maker):
    made = maker(PHONE)
    with pytest.raises(UnicodeEncodeError):
        CIPHER.blind_index("\ud800", field=PHONE)
    with pytest.raises(UnicodeEncodeError):
        made.hex("\ud800")
    with pytest.raises((TypeError, AttributeError)):
        made.hex(b"13800000000")


def test_the_c_indexes_are_used_wherever_they_were_built():
    if os.environ.get("PORTTRUST_INTERPRETED") == "1":
        assert keyed.NATIVE is None
    elif os.environ.get("PORTTRUST_REQUIRE_COMPILED") == "1":
        assert keyed.NATIVE is not None
        assert isinstance(keyed.keyed(CIPHER, PHONE), keyed.NATIVE)


@given(st.text(alphabet="0123456789abcdef", min_size=64, max_size=64))
def test_an_opt_out_is_keyed_by_the_first_64_bits_of_the_phone_s_blind_index(index):
    assert phone_key(index) == int(index[:16], 16)


@pytest.mark.parametrize("raw", ["12800000000", "1380000000", "138000000001", "+8613800000000",
                                 "138 0000 0000", "1380000000\u0661", "\uff11" * 11, ""])
def test_anything_else_is_left_to_the_general_path(raw):
    assert not lane.plain_mobile(raw)


def test_sub_ports_whose_templates_read_alike_share_a_selection_and_answer_with_their_own():
    """Selections are shared by what they are made of (bodies, allowed domains and places);
    each index still answers with its own templates (ids, statuses), and templates that read
    otherwise (another domain list, another order) are never served another's selection."""
    def rows(prefix, status, domains=("shop.example.com",), order=(0, 5, 1)):
        return [_Row(f"{prefix}{n}", status, TEXTS[n][1], TEXTS[n][0],
                     domains if n == 5 else (), T0 + dt.timedelta(minutes=at))
                for at, n in enumerate(order)]

    one, two = template_index(rows("a", "approved")), template_index(rows("b", "pending"))
    elsewhere = template_index(rows("c", "approved", domains=("other.example.com",)))
    reordered = template_index(rows("d", "approved", order=(5, 0, 1)))
    bank, courier = "某某银行", "顺丰速运"
    assert one._signatures[bank] is two._signatures[bank]
    assert one._signatures[courier] is two._signatures[courier]
    assert elsewhere._signatures[courier] is not one._signatures[courier]
    assert elsewhere._signatures[bank] is one._signatures[bank]  # its bank templates alike
    assert reordered._signatures[bank] is not one._signatures[bank]
    def fit(index, message):
        found = index.fitting_raw(*split_raw(normalize(message)))
        return found and (found.key.id, found.key.status)

    code = "【某某银行】您的验证码是123456，5分钟内有效，请勿泄露给他人。"
    assert (fit(one, code), fit(two, code), fit(reordered, code)) == (
        ("a0", "approved"), ("b0", "pending"), ("d0", "approved"))
    sent = "【顺丰速运】您的快递123456789012已发出，查询https://shop.example.com/a"
    assert fit(one, sent) == ("a5", "approved")
    assert fit(elsewhere, sent) is None  # its own domain list, not the shared one


@given(st.sampled_from([text for text, _ in TEXTS]), st.integers(0, 2**32),
       st.sampled_from(["", " ", "\u3000", "\t"]), st.booleans())
def test_a_signature_as_written_finds_the_template_its_squeezed_form_finds(text, seed, gap, wide):
    """The lane looks a signature up as it stands before squeezing it: the same template, at
    the same places, as the general path's `best` fits, however the signature is spaced or
    written wide."""
    every = template_index([_Row(f"t{n}", "approved", kind, body, (), T0)
                            for n, (body, kind) in enumerate(TEXTS)])
    bank = template_index([_Row(f"t{n}", "approved", kind, body, (), T0)  # one signature
                           for n, (body, kind) in enumerate(TEXTS) if "某某银行" in body])
    assert (every.sole, bank.sole) == (None, "某某银行")
    message = _fill(random.Random(seed), text)
    end = message.index("】")
    signature = gap.join(message[1:end])
    if wide:
        signature = signature.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    normalized = normalize("【" + signature + message[end:])
    for index in (every, bank):
        fast = index.fitting_raw(*split_raw(normalized))
        best = index.best(*split_normalized(normalized))  # the reference: the general path's
        slow = best if best is not None and best.ok else None
        assert (fast and (fast.key, fast.positions)) == (slow and (slow.key, slow.positions))


def test_a_selection_no_index_holds_is_forgotten():
    """The table that finds a shared selection holds it weakly: while an index holds it, an
    index of the same templates gets it; once none does, it (and what its key names) goes."""
    import gc
    import weakref

    from registry.service.matching import index as index_module

    text = "【弱引用测试】您的验证码是{code:digits:6}，请勿泄露。"

    def made(prefix):
        return template_index([_Row(f"{prefix}1", "approved", "notification", text, (), T0)])

    one = made("a")
    shared = weakref.ref(one._shared[0])
    before = len(index_module._SHARED)
    two = made("b")
    assert two._signatures["弱引用测试"] is one._signatures["弱引用测试"]
    assert len(index_module._SHARED) == before
    del one, two
    gc.collect()
    assert shared() is None and len(index_module._SHARED) == before - 1
