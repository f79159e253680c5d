"""What a recipient's reply may say to refuse further messages (R5), kept as data.

`registry.service.matching.replies` reads these lists; change the words here, not the code. Every
entry is written in its normal form (NFKC, casefolded): full-width letters, case and the
punctuation around a word never matter.
"""

# A keyword counts as a token of its own (never inside a word: "TT", "stopwatch", "Rachel").
# The whole reply being one of them is an opt-out; one among other words is for a person
# unless the other words are only FILLER (see replies.py).
KEYWORDS: tuple[str, ...] = (
    "t", "td", "n", "r", "stop", "unsubscribe", "cancel", "end", "quit", "stopall", "取消",
)

# A phrase counts anywhere in the reply ("请不要再发了 退订", "烦死了别发了").
PHRASES: tuple[str, ...] = (
    "退订", "拒收", "取消订阅", "退出订阅", "取消短信", "不要再发", "别再发", "不要发了",
    "别发了", "不要再给我发", "别再给我发", "不想再收到", "不想收到", "不再接收", "停止发送",
    "停发", "请勿再发", "勿再发送", "不要骚扰", "别骚扰", "屏蔽",
    "unsubscribe", "opt out", "opt-out", "optout", "stop sending", "stop texting",
    "stop messaging", "remove me", "take me off", "no more messages", "no more texts",
)

# A phrase or keyword right after one of these is negated: "不退订", "don't unsubscribe".
NEGATIONS_ZH: tuple[str, ...] = (
    "不", "别", "无需", "不用", "不要", "不想", "不会", "不必", "并不", "从未", "不需要",
)
# After these a phrase may be a refusal or a report ("还没退订?", "我没有退订"): a person reads it.
UNCLEAR_ZH: tuple[str, ...] = ("没", "没有", "未", "还没")
NEGATIONS_EN: tuple[str, ...] = (
    "don't", "dont", "do not", "not", "never", "won't", "wont", "no need to", "didn't",
    "did not",
)

# Words that may stand next to a keyword without making the reply unclear: "回复T", "T 谢谢",
# "STOP please". Anything else beside a keyword ("N 我再想想", "see you at the end") goes to
# a person.
FILLER: tuple[str, ...] = (
    "回复", "回", "请", "谢谢", "谢", "好", "好的", "了", "吧", "哦", "啊", "呢",
    "reply", "please", "pls", "plz", "thanks", "thank", "you", "thx", "ok",
)
