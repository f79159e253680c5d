"""The template matcher on its own: parsing, normalisation, each variable type, each reason."""

import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.service.matching import (
    TemplateRules,
    TemplateSyntaxError,
    best_match,
    compile_template,
    keywords,
    match_message,
    rule_violations,
)
from registry.service.matching.keywords import (
    has_opt_out_instruction,
    looks_like_marketing,
)

PICKUP = "【顺丰速运】您的快递{no:digits:12}已到{place:text:10}，请凭取件码{code:digits:6}取件。"
OK = "【顺丰速运】您的快递123456已到南门驿站，请凭取件码654321取件。"


def reasons(template_text: str, message: str, domains: tuple[str, ...] = ()) -> tuple[str, ...]:
    return match_message(compile_template(template_text, domains), message).reasons


def failing(template_text: str, message: str) -> list[dict[str, object]]:
    result = match_message(compile_template(template_text), message)
    return [s.as_dict() for s in result.segments if s.ok is False]


def test_template_splits_into_signature_fixed_text_and_variables():
    template = compile_template(PICKUP)
    assert template.signature == "顺丰速运"
    assert [(v.name, v.type, v.max) for v in template.variables] == [
        ("no", "digits", 12), ("place", "text", 10), ("code", "digits", 6)]


def test_variable_max_defaults_to_30():
    assert compile_template("【某某银行】您的验证码是{code:digits}。").variables[0].max == 30


@pytest.mark.parametrize(("text", "code"), [
    ("您的验证码是{code:digits}", "signature_missing"),
    ("【银】您的验证码是{code:digits}", "signature_length"),
    ("【" + "很" * 21 + "】您的验证码是{code:digits}", "signature_length"),
    ("【某某银行】您的验证码是{code:number}", "variable_type_unknown"),
    ("【某某银行】您的验证码是{code}", "variable_syntax"),
    ("【某某银行】您的验证码是{code:digits:0}", "variable_max"),
    ("【某某银行】您的验证码是{code:digits", "variable_syntax"),
    ("【某某银行】您的{a:digits}和{a:digits}", "duplicate_variable"),
    ("【某某银行】您的{a:digits}{b:digits}", "adjacent_variables"),
])
def test_malformed_template_is_refused_with_its_code(text, code):
    with pytest.raises(TemplateSyntaxError) as refused:
        compile_template(text)
    assert refused.value.code == code


def test_template_mostly_variables_breaks_the_fixed_text_rule():
    template = compile_template("【某某银行】通知：{body:text:200}")
    assert rule_violations(template, kind="notification", rules=TemplateRules()) == [
        "not_mostly_fixed"]


def test_template_with_enough_fixed_characters_passes_even_with_long_variables():
    template = compile_template(
        "【顺丰速运】您的快递{no:text:60}已到达驿站，请凭取件码尽快前往取件。")
    assert rule_violations(template, kind="notification", rules=TemplateRules()) == []


def test_marketing_template_without_opt_out_instruction_is_refused():
    template = compile_template("【某某商城】双十一全场五折，会员专享优惠活动今晚开始，速来抢购！")
    assert rule_violations(template, kind="marketing", rules=TemplateRules()) == [
        "opt_out_instruction_missing"]


def test_notification_template_with_promotion_wording_is_refused():
    template = compile_template("【某某银行】您的账单已出，信用卡分期限时抢购低至五折，回T退订")
    assert rule_violations(template, kind="notification", rules=TemplateRules()) == [
        "marketing_wording"]


@pytest.mark.parametrize("instruction", ["回T退订", "拒收请回复R", "退订回T", "回复TD退订",
                                         "Reply STOP to unsubscribe", "回N退订", "退订回ｔ"])
def test_opt_out_instructions_are_recognised(instruction):
    assert has_opt_out_instruction("会员日全场八折，" + instruction)


def test_text_without_instruction_has_none():
    assert not has_opt_out_instruction("请回复1确认订单")


def test_exact_message_matches():
    assert reasons(PICKUP, OK) == ()


def test_full_width_letters_digits_and_punctuation_match_half_width():
    message = "【顺丰速运】您的快递１２３４５６已到南门驿站,请凭取件码６５４３２１取件。"
    assert reasons(PICKUP, message) == ()


def test_whitespace_anywhere_does_not_matter():
    message = "  【顺丰速运】 您的 快递 123456 已到南门驿站 ，请凭取件码\t654321 取件。 "
    assert reasons(PICKUP, message) == ()


def test_full_width_template_matches_half_width_message():
    template = "【Ｂａｎｋ】Ｙｏｕｒ ｃｏｄｅ ｉｓ {code:digits:6}."
    assert reasons(template, "【Bank】Your code is 123456.") == ()


def test_other_signature_is_signature_mismatch():
    assert reasons(PICKUP, OK.replace("顺丰速运", "中通快递")) == ("signature_mismatch",)


def test_missing_signature_is_signature_mismatch():
    assert reasons(PICKUP, OK.removeprefix("【顺丰速运】")) == ("signature_mismatch",)


def test_changed_fixed_text_names_the_failing_segment():
    assert failing(PICKUP, OK.replace("已到", "已被")) == [
        {"index": 3, "part": "fixed", "ok": False, "reason": "fixed_text_mismatch",
         "position": 4}]


def test_text_added_after_the_template_is_fixed_text_mismatch():
    assert reasons(PICKUP, OK + "点击领取红包") == ("fixed_text_mismatch",)


def test_extra_text_after_fixed_ending_is_a_mismatch():
    template = "【某某银行】您的验证码是{code:digits:6}，5分钟内有效。"
    assert reasons(template, "【某某银行】您的验证码是123456，5分钟内有效。详情见x") == (
        "fixed_text_mismatch",)


def test_letters_in_digits_variable_are_variable_type():
    assert failing(PICKUP, OK.replace("123456", "12345a")) == [
        {"index": 2, "part": "variable", "ok": False, "reason": "variable_type", "name": "no",
         "type": "digits"}]


def test_value_over_its_max_is_variable_too_long():
    result = failing(PICKUP, OK.replace("南门驿站", "南门外第三栋楼下的菜鸟驿站"))
    assert [(s["name"], s["reason"]) for s in result] == [("place", "variable_too_long")]


@pytest.mark.parametrize(("kind", "value", "fits"), [
    ("digits", "0042", True), ("digits", "4 2", False), ("digits", "", False),
    ("text", "南门驿站", True), ("text", "见 http://evil.cn", False),
    ("amount", "12.50", True), ("amount", "1,234.00", True), ("amount", "¥12", True),
    ("amount", "￥12.5元", True), ("amount", "12.345", False), ("amount", "十二元", False),
    ("date", "2024-01-31", True), ("date", "2024/1/31", True), ("date", "1月31日", True),
    ("date", "2024年1月31日", True), ("date", "2024-02-30", False), ("date", "13月1日", False),
    ("date", "明天", False),
    ("url", "https://sf-express.com/t/1", True), ("url", "ftp://sf-express.com", False),
    ("url", "sf-express.com", False),
    ("phone", "13812345678", True), ("phone", "020-87654321", True), ("phone", "95338", True),
    ("phone", "400-811-1111", True), ("phone", "12345", True), ("phone", "1381234", False),
])
def test_variable_types(kind, value, fits):
    template = compile_template("【某某公司】您好，值为{v:" + kind + ":40}，请知悉。")
    result = match_message(template, f"【某某公司】您好，值为{value}，请知悉。")
    assert result.ok is fits


def test_url_on_allowed_domain_or_its_subdomain_fits():
    template = "【顺丰速运】查看物流详情请点击{link:url:60}，感谢您的支持与信任。"
    assert reasons(template, "【顺丰速运】查看物流详情请点击https://m.sf-express.com/x，"
                   "感谢您的支持与信任。", ("sf-express.com",)) == ()


def test_url_off_the_allowed_domains_is_url_off_list():
    template = "【顺丰速运】查看物流详情请点击{link:url:60}，感谢您的支持与信任。"
    assert reasons(template, "【顺丰速运】查看物流详情请点击https://sf-express.com.evil.cn/x，"
                   "感谢您的支持与信任。", ("sf-express.com",)) == ("url_off_list",)


def test_best_match_prefers_a_template_that_fits():
    other = compile_template("【顺丰速运】您的验证码是{code:digits:6}。")
    result = best_match([("a", other), ("b", compile_template(PICKUP))], OK)
    assert result is not None and result.key == "b" and result.ok


def test_best_match_explains_the_template_that_got_furthest():
    other = compile_template("【顺丰速运】您的验证码是{code:digits:6}。")
    result = best_match([("a", other), ("b", compile_template(PICKUP))],
                        OK.replace("123456", "12345a"))
    assert result is not None and result.key == "b" and result.reasons == ("variable_type",)


def test_no_candidates_gives_no_match():
    assert best_match([], OK) is None


def test_compiled_templates_are_cached_by_text():
    assert compile_template(PICKUP) is compile_template(PICKUP)


def test_adversarial_message_is_checked_quickly():
    template = compile_template("【某某公司】{a:text:500}，{b:text:500}，{c:text:500}。结束")
    assert not match_message(template, "【某某公司】" + "，" * 1900).ok


def test_promotion_words_are_marketing_markers():
    assert looks_like_marketing("【某某银行】您的验证码是123456，限时抢购低至五折")


def test_verification_text_is_not_marketing():
    assert not looks_like_marketing("【某某银行】您的验证码是123456，5分钟内有效，请勿泄露。")


VALID = {"digits": "2026", "text": "张三", "amount": "88.50", "date": "3月5日",
         "url": "https://a.cn/x", "phone": "95588"}


def _bodies(rng, template_text):
    """Bodies near a template's: its fixed text with values, repeats, spaces and cuts."""
    from registry.service.matching.normalize import split_signature
    _, body = split_signature(template_text)
    pieces = re.split(r"(\{[^}]*\})", body)
    fills = ["", " ", "1234", "12a", "2026-02-28", "88.50", "张三", "https://a.cn/x", "\n",
             "您的", "，", "请", "元", "95588"]
    for _ in range(60):
        out = []
        for piece in pieces:
            if piece.startswith("{") and rng.random() < 0.6:
                out.append(VALID[piece.split(":")[1].rstrip("}")])
            elif piece.startswith("{"):
                out.append("".join(rng.choice(fills) for _ in range(rng.randint(0, 3))))
            elif rng.random() < 0.15 and piece:
                cut = rng.randrange(len(piece))
                out.append(piece[:cut] + rng.choice(fills) + piece[cut + 1:])
            else:
                out.append(" ".join(piece) if rng.random() < 0.1 else piece)
            if rng.random() < 0.1:
                out.append(rng.choice(pieces) if rng.random() < 0.5 else rng.choice(fills))
        yield "".join(out)


WALKED = [
    "【某某银行】您的验证码是{code:digits:6}，5分钟内有效。",
    "【某某银行】{name:text:10}您好，您的账单已出，应还{amount:amount}。",
    "【某某银行】您尾号{tail:digits:4}的账户于{date:date}支出{amount:amount}元",
    "【某某银行】您好{who:text:8}",
    "【某某银行】{a:text:8}您好{b:text:8}您好",
    "【某某银行】请{a:text:9}请{b:digits:4}请",
    "【顺丰速运】您的快递{no:digits:12}已发出，查询{link:url:40}",
    "【某某银行】 您 的 快递 {no:text:20} 已到 {place:text:12}，请凭码取件。",
]


@pytest.mark.parametrize("text", WALKED)
def test_the_whole_pattern_fits_exactly_what_the_walk_finds_ok(text):
    from registry.service.matching.matcher import fit, match_split
    from registry.service.matching.normalize import normalize, unspaced
    template = compile_template(text, ("a.cn",))
    rng = random.Random(text)
    compared = fitted = compact = 0
    for raw in _bodies(rng, text):
        body = normalize(raw)
        walked = match_split(template, template.signature, body)
        places = fit(template, body)
        assert (places is not None) == walked.ok, body
        if places is not None:
            assert places == tuple(s.position for s in walked.segments if s.part == "fixed")
            fitted += 1
        if unspaced(body):  # the pattern without whitespace finds the same, where it may
            assert fit(template, body, spaced=False) == places, body
            compact += 1
        compared += 1
    assert compared == 60 and 0 < fitted < 60 and (compact > 0 or " " in text)


_SPACES = "".join(chr(c) for c in range(0x110000) if chr(c).isspace())


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from([*_SPACES, "a", "1", "张", "，", "\x00", "\u200b"])))
def test_unspaced_means_nothing_whitespace_matches(text):
    """Sure, not exact: an unprintable character that is no whitespace also says False."""
    from registry.service.matching.normalize import unspaced
    if unspaced(text):
        assert re.search(r"\s", text) is None
    else:
        assert re.search(r"\s", text) is not None or not text.isprintable()


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(
    ["0", "9", "5", "²", "١", "٣", "a", "W", "w", "ſ", "s", "S", "h", "H", "t", "p", "P", ":",
     "/", ".", "\r", "\n", " ", "\u2028", "张", "K", "\u212a"]), max_size=12))
def test_digit_and_text_values_are_judged_as_their_patterns_judge_them(value):
    """`[0-9]+` and `[^\\r\\n]+`-without-a-link, as written before they were str methods."""
    from registry.service.matching.variables import _LINK, CHECKS
    assert CHECKS["digits"](value) == (re.fullmatch(r"[0-9]+", value) is not None)
    assert CHECKS["text"](value) == (re.fullmatch(r"[^\r\n]+", value) is not None
                                     and _LINK.search(value) is None)


def _kind(found) -> str:
    if found.stop == 0:
        return "signature"
    if found.stop is not None and found.stop > len(found.template.segments):
        return "text after the end"
    return "parts reached" if found.positions or found.checks else "first part"


@pytest.mark.parametrize("text", [*WALKED, "【某某银行】感谢您的来电，祝您生活愉快。"])
def test_a_miss_has_the_parts_reasons_and_score_the_walk_gives(text):
    """`miss` (the send check's explanation of a refusal) against `match_split` on every body
    near the template that it does not fit, under its signature, another and none."""
    from registry.service.matching.matcher import fit, match_split, miss
    from registry.service.matching.normalize import normalize
    template = compile_template(text, ("a.cn",))
    kinds = set()
    for raw in _bodies(random.Random(text + "miss"), text):
        body = normalize(raw)
        for signature in (template.signature, "其他公司", None):
            if signature == template.signature and fit(template, body) is not None:
                continue
            walked, found = match_split(template, signature, body, "k"), miss(
                template, signature, body, "k")
            assert (found.segments, found.reasons, found.score, found.ok) == (
                walked.segments, walked.reasons, walked.score, walked.ok), body
            assert found.segment_dicts() == walked.segment_dicts()
            kinds.add(_kind(found))
    # Text after a last fixed part is its own failing part only when no variable precedes it.
    last = "text after the end" if not template.variables else "parts reached"
    assert kinds >= {"signature", "first part", last}, kinds


def test_every_marketing_marker_holds_one_of_the_clues_scanned_for_first():
    """keywords.MARKER_CLUES is a necessary condition for MARKETING_MARKERS: a text the
    markers match always holds a clue (else marketing_wording would miss a promotion)."""
    rng = random.Random(8)
    pieces = ["优惠", "券", "促销", "特价", "限时", "抢购", "秒杀", "满减", "领券", "大促",
              "低至", "折起", "清仓", "免费领", "抽奖", "sale", "discount", "50", "%", " ",
              "off", "sales", "x", "您好", "，", "。", "\u3000", "9"]
    matched = 0
    for _ in range(20000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 8))).casefold()
        if keywords.MARKETING_MARKERS.search(text):
            matched += 1
            assert keywords.MARKER_CLUES.search(text), text
    assert matched > 1000
    for marker in keywords.MARKETING_MARKERS.pattern.split("|"):
        assert keywords.MARKER_CLUES.search(marker.replace("\\b", "").replace("\\d+", "5")
                                            .replace("\\s*", " ")), marker


_WIDE_OR_ODD = st.sampled_from(["，", "：", "Ａ", "１", "\u3000", "\x00", "e\u0301", "\u0301",
                                "ﬁ", "①", "가", "\u1100\u1161", "【", "】", " ", "a", "验证码"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=20), st.lists(_WIDE_OR_ODD, max_size=8).map("".join)),
                max_size=12))
def test_normalize_all_is_normalize_of_each(texts):
    from registry.service.matching.normalize import normalize, normalize_all

    assert normalize_all(list(texts)) == [normalize(text) for text in texts]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=20), _WIDE_OR_ODD), max_size=12).map("".join))
def test_normalize_is_nfkc(text):
    """The wide characters replaced first (one search and replace per distinct one), then
    NFKC where the result is not NFKC already: NFKC of the text, whatever it holds."""
    import unicodedata

    from registry.service.matching.normalize import normalize

    assert normalize(text) == unicodedata.normalize("NFKC", text)


def test_normalize_all_of_a_batch_of_chinese_messages():
    from registry.service.matching.normalize import normalize, normalize_all

    texts = ["【顺丰】您的验证码：１２３４，请勿泄露。", "", "plain ascii",
             "【银行】尾号１２３４　支出"]
    assert normalize_all(texts) == [normalize(text) for text in texts]
    assert normalize_all(texts)[0] == "【顺丰】您的验证码:1234,请勿泄露。"


_MARKETING_BITS = st.sampled_from(["限时抢购", "优惠", "SALE", "Sale", "50% OFF", "回T退订",
                                   "reply STOP", "opt-out", "opt\x00out", "ẞ", "折起", "退订",
                                   "您的验证码", " ", "\x00", "discount", "stop"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=12),
                          st.lists(_MARKETING_BITS, max_size=5).map("".join)), max_size=10))
def test_marketing_suspects_are_the_texts_with_a_clue_or_the_wording(texts):
    from registry.service.matching.keywords import (
        _OPT_OUT_WORDING,
        MARKER_CLUES,
        marketing_suspects,
        marketing_wording,
    )

    found = marketing_suspects(list(texts))
    if any("\x00" in text for text in texts):
        assert found is None
        return
    assert found is not None
    for at, text in enumerate(texts):
        folded = text.casefold()
        clue = bool(MARKER_CLUES.search(folded) or _OPT_OUT_WORDING.search(folded))
        assert (at in found) == clue
        if marketing_wording(text):
            assert at in found


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["【", "】", " ", "\u3000", "a", "顺丰", "\n", "x y"]),
                max_size=10).map("".join))
def test_split_normalized_is_the_signature_pattern_s_split(text):
    from registry.service.matching.normalize import SIGNATURE, split_normalized, squeeze

    found = SIGNATURE.match(text)
    expected = (None, text) if found is None else (squeeze(found.group(1)), text[found.end():])
    assert split_normalized(text) == expected
