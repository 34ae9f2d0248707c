"""Free text is stored without controls or bidi overrides, and never blank."""

import pytest

from lms.text import BlankText, clean_text

CLEANED = [
    ("plain", "张三", {}, "张三"),
    ("surrounding spaces", "  Zhang San  ", {}, "Zhang San"),
    ("NUL removed", "Zhang\x00San", {}, "ZhangSan"),
    ("C0 bell removed", "A\x07B", {}, "AB"),
    ("DEL removed", "A\x7fB", {}, "AB"),
    ("C1 removed", "A\x9bB", {}, "AB"),
    ("tab becomes a space", "Zhang\tSan", {}, "Zhang San"),
    ("line break becomes a space", "Zhang\nSan", {}, "Zhang San"),
    ("line separator becomes a space", "A\u2028B", {}, "A B"),
    ("right-to-left override removed", "report\u202efdp.exe", {}, "reportfdp.exe"),
    ("embedding removed", "\u202aA\u202cB", {}, "AB"),
    ("isolates removed", "\u2066A\u2067B\u2068C\u2069", {}, "ABC"),
    ("lone surrogate removed", "A\ud800B", {}, "AB"),
    ("noncharacters removed (XML refuses them)", "A\ufffeB\uffffC\ufdd0", {}, "ABC"),
    ("multi-line drops noncharacters", "a\ufffe\nb", {"multiline": True}, "a\nb"),
    ("NFC: e + combining acute", "Jose\u0301", {}, "José"),
    ("zero-width joiner inside kept", "👩\u200d⚕️ 医生", {}, "👩\u200d⚕️ 医生"),
    ("left-to-right mark kept", "A\u200eB", {}, "A\u200eB"),
    ("full-width text kept as typed", "ＡＢＣ", {}, "ＡＢＣ"),
    (
        "multi-line keeps line breaks",
        "one\ntwo\tthree",
        {"multiline": True},
        "one\ntwo\tthree",
    ),
    (
        "multi-line CRLF to LF",
        "one\r\ntwo\rthree",
        {"multiline": True},
        "one\ntwo\nthree",
    ),
    ("multi-line still drops NUL", "one\x00\ntwo", {"multiline": True}, "one\ntwo"),
    ("multi-line drops overrides", "a\u202eb", {"multiline": True}, "ab"),
    ("optional blank cleans to empty", " \u200b ", {"required": False}, ""),
    ("optional None cleans to empty", None, {"required": False}, ""),
]


@pytest.mark.parametrize(
    ("value", "options", "expected"),
    [row[1:] for row in CLEANED],
    ids=[row[0] for row in CLEANED],
)
def test_clean_text(value, options, expected):
    assert clean_text(value, **options) == expected


BLANK = [
    ("empty", ""),
    ("None", None),
    ("spaces", "   "),
    ("ideographic space", "\u3000"),
    ("zero-width space only", "\u200b\u200b"),
    ("word joiner and BOM", "\u2060\ufeff"),
    ("NUL only", "\x00"),
    ("override only", "\u202e"),
    ("zero-width between spaces", " \u200c \u200d "),
    ("Hangul filler", "\u3164"),
    ("soft hyphen", "\u00ad"),
    ("blank Braille pattern", "\u2800"),
    ("tag characters", "\U000e0041\U000e0042"),
    ("Arabic letter marks", "\u061c\u061c"),
    ("interlinear annotation anchor", "\ufff9"),
    ("combining marks only", "\u0301\u0308"),
    ("private use", "\ue000"),
    ("line separator", "\u2028 \u2029"),
]


@pytest.mark.parametrize("value", [row[1] for row in BLANK], ids=[r[0] for r in BLANK])
def test_blank_text_is_refused(value):
    with pytest.raises(BlankText):
        clean_text(value)
    with pytest.raises(BlankText):
        clean_text(value, multiline=True)
