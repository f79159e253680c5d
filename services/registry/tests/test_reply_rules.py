"""Opt-outs as people write them (R5): the reply table, decided by the rules in
registry/service/matching/opt_out_rules.py. O = opt-out, - = not an opt-out, ? = kept for a
person."""

import pytest

from registry.service.matching.replies import classify_reply

OUTCOME = {"O": "opt_out", "-": "not_opt_out", "?": "undecided"}
TABLE = [
    # keywords as the whole reply, any case, width or punctuation around them
    ("T", "O"), ("t", "O"), ("Ｔ", "O"), (" TD ", "O"), ("td。", "O"), ("N", "O"),
    ("R!", "O"), ("ＳＴＯＰ", "O"), ("Stop.", "O"), ("STOP!!!", "O"), ("unsubscribe", "O"),
    ("Cancel", "O"), ("END", "O"), ("quit", "O"), ("【T】", "O"), ("\"T\"", "O"),
    ("取消", "O"), ("取消。", "O"),
    # keywords with filler only
    ("回复T", "O"), ("回TD", "O"), ("T 谢谢", "O"), ("STOP please", "O"), ("请回复R", "O"),
    ("T，谢谢！", "O"), ("ok stop", "O"),
    # phrases anywhere
    ("退订", "O"), ("退订！", "O"), ("请不要再发了 退订", "O"), ("我要退订", "O"),
    ("T退订", "O"), ("TD退订", "O"), ("退订谢谢", "O"), ("拒收", "O"), ("拒收此类短信", "O"),
    ("取消订阅", "O"), ("请取消订阅，谢谢", "O"), ("不要再发了", "O"), ("别再发了！！", "O"),
    ("烦死了别发了", "O"), ("不要再给我发短信", "O"), ("不想再收到你们的短信", "O"),
    ("停止发送", "O"), ("请勿再发", "O"), ("屏蔽", "O"), ("怎么退订？", "O"),
    ("T退订了吗", "O"), ("Please unsubscribe me", "O"), ("UNSUBSCRIBE ME NOW", "O"),
    ("stop sending me these", "O"), ("Stop texting me!", "O"), ("please remove me", "O"),
    ("opt out", "O"), ("Opt-Out please", "O"), ("take me off your list", "O"),
    ("no more messages please", "O"), ("ｕｎｓｕｂｓｃｒｉｂｅ", "O"),
    # negated
    ("不退订", "-"), ("不要退订", "-"), ("我不退订", "-"), ("不用退订，谢谢", "-"),
    ("别退订我", "-"), ("不想退订", "-"), ("don't unsubscribe", "-"),
    ("Do not unsubscribe me", "-"), ("don’t stop", "-"), ("please don't stop", "-"),
    ("I never opt out", "-"),
    # plain replies
    ("好的", "-"), ("收到", "-"), ("谢谢", "-"), ("1", "-"), ("", "-"), ("TT", "-"),
    ("stopwatch", "-"), ("Rachel here", "-"), ("取消订单", "-"), ("what is this?", "-"),
    ("周末有活动吗", "-"), ("OK", "-"),
    # unclear: a keyword among other words, or a phrase after 没/未
    ("please stop it", "?"), ("N 我再想想", "?"), ("see you at the end", "?"),
    ("R u there", "?"), ("T 123", "?"), ("不退订 T", "?"), ("还没退订？", "?"),
    ("我没有退订", "?"), ("stop 明天再说", "?"),
]


def test_table_is_large_and_has_every_outcome():
    assert len(TABLE) >= 60
    assert {mark for _, mark in TABLE} == {"O", "-", "?"}
    assert any(text.isascii() and text for text, _ in TABLE)


@pytest.mark.parametrize(("reply", "mark"), TABLE)
def test_reply_table(reply, mark):
    assert classify_reply(reply).outcome == OUTCOME[mark]


def test_the_rule_that_decided_is_named():
    assert classify_reply("请不要再发了 退订").rule == "退订"
    assert classify_reply("ＳＴＯＰ").rule == "stop"
    assert classify_reply("好的").rule is None
