"""The certificate page plan (DESIGN §2.5): everything on the page, nothing
overlapping, long text shrunk, wrapped or cut, never spilling out of its box."""

import itertools
import re

import pytest

from certificates.layout import (
    ELLIPSIS,
    MARGIN,
    NAME,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    TextStyle,
    fit_text,
    plan_certificate,
    wrap_text,
)
from tests.pdfs import sample_facts

CJK = re.compile(r"[\u2e80-\u9fff\uff00-\uffef]")


def measure(text, size):
    """A stand-in for font metrics: a CJK character is one em, others 0.55."""
    return sum(size if CJK.match(ch) else 0.55 * size for ch in text)


def plan(seals=(False, False), **changes):
    return plan_certificate(sample_facts(**changes), measure=measure, seals=seals)


def texts(layout, role):
    return [b.text for b in layout.boxes if b.kind == "text" and b.role == role]


def joined(layout, role):
    return "".join(texts(layout, role))


LONG_CJK_NAME = "欧阳" * 30
LONG_LATIN_NAME = "Maria Fernanda de los Angeles Gutierrez-Santamaria y Lopez"
LONG_TITLE_ZH = ("基层医疗机构急性缺血性脑卒中静脉溶栓与血管内治疗规范化诊疗" * 8)[:200]
LONG_TITLE_EN = ("Standardised thrombolysis and endovascular therapy for stroke " * 5)[
    :200
]
#: Long enough for three lines at full size: the tallest a course title gets.
TALLEST_TITLE_ZH = LONG_TITLE_ZH[:140]

CASES = {
    "typical": {},
    "60-character Chinese name": {"learner_name": LONG_CJK_NAME},
    "60-character Latin name": {"learner_name": LONG_LATIN_NAME},
    "200-character titles": {
        "course_title_zh": LONG_TITLE_ZH,
        "course_title_en": LONG_TITLE_EN,
    },
    "tallest title": {
        "course_title_zh": TALLEST_TITLE_ZH,
        "course_title_en": LONG_TITLE_EN,
    },
    "everything long": {
        "learner_name": LONG_CJK_NAME,
        "learner_number": "L" * 40,
        "hospital_zh": "医院" * 100,
        "hospital_en": "Hospital " * 30,
        "course_title_zh": TALLEST_TITLE_ZH,
        "course_title_en": LONG_TITLE_EN,
        "project_number": "2025-04-01-123" * 5,
        "credit_category": "a category nobody has heard of" * 3,
        "awarding_body_zh": "继续教育中心" * 20,
        "awarding_body_en": "Centre " * 40,
        "rule_set_name_zh": "规则" * 50,
        "rule_set_name_en": "Rules " * 40,
        "version": 12,
        "verify_url": "https://cme.example.org/verify/" + "X" * 150,
    },
    "no English title, no test": {"course_title_en": "", "score_percent": None},
    "empty project number": {"project_number": ""},
    "markup in the name": {"learner_name": "<b>&amp;</b><script>alert(1)</script>"},
}


@pytest.fixture(params=CASES.values(), ids=CASES.keys())
def layout(request):
    return plan(**request.param)


def test_the_page_is_a4_landscape(layout):
    assert (layout.width, layout.height) == (PAGE_WIDTH, PAGE_HEIGHT)
    assert (round(PAGE_WIDTH), round(PAGE_HEIGHT)) == (842, 595)


def test_every_box_is_on_the_page_and_only_the_border_inside_the_margin(layout):
    for box in layout.boxes:
        assert box.x >= 0 and box.right <= layout.width, box
        assert box.y >= 0 and box.top <= layout.height, box
        if box.kind != "frame":
            assert box.x >= MARGIN and box.right <= layout.width - MARGIN, box
            assert box.y >= MARGIN and box.top <= layout.height - MARGIN, box


def test_no_two_boxes_overlap(layout):
    boxes = [b for b in layout.boxes if b.kind != "frame"]
    for a, b in itertools.combinations(boxes, 2):
        overlap_x = min(a.right, b.right) - max(a.x, b.x)
        overlap_y = min(a.top, b.top) - max(a.y, b.y)
        assert overlap_x <= 1e-6 or overlap_y <= 1e-6, (a, b)


def test_every_line_of_text_fits_its_box(layout):
    for box in layout.boxes:
        if box.kind == "text":
            assert box.text
            assert measure(box.text, box.font_size) <= box.width + 1e-6, box
            assert box.height >= box.font_size, box


def test_the_course_title_takes_at_most_three_lines_then_its_english_two(layout):
    assert 1 <= len(texts(layout, "value:course_title")) <= 3
    assert len(texts(layout, "value:course_title:2")) <= 2


@pytest.mark.parametrize(
    ("role", "text"),
    [
        ("title_zh", "继续医学教育学分证书"),
        ("title_en", "Certificate of Continuing Medical Education Credit"),
        ("label:name", "姓名"),
        ("label:name:2", "Name"),
        ("label:learner_number", "学员编号"),
        ("label:learner_number:2", "Learner No."),
        ("label:hospital", "单位"),
        ("label:course_title", "项目名称"),
        ("label:course_title:2", "Course"),
        ("label:project_number", "项目编号"),
        ("label:project_level", "项目级别"),
        ("label:format", "形式"),
        ("label:dates", "日期"),
        ("label:class_hours", "学时"),
        ("label:credit_category", "学分类别"),
        ("label:credit_category:2", "Credit category"),
        ("label:credits", "学分"),
        ("label:assessment", "考核结果"),
        ("label:awarding_body", "授予单位"),
        ("label:rule_set", "学分规则"),
        ("label:serial", "证书编号"),
        ("label:issued_date", "签发日期"),
        ("value:name", "欧阳娜娜"),
        ("value:learner_number", "L000123"),
        ("value:hospital", "云南省第一人民医院"),
        ("value:hospital:2", "The First People's Hospital of Yunnan Province"),
        ("value:course_title", "急性缺血性脑卒中静脉溶栓规范化诊疗"),
        ("value:project_number", "2025-04-01-123（国）"),
        ("value:project_level", "国家级 / National"),
        ("value:format", "线上录播 / Recorded online"),
        ("value:dates", "2025-03-01 – 2025-03-15"),
        ("value:class_hours", "4.5"),
        ("value:credit_category", "Ⅰ类学分 / Class I"),
        ("value:credits", "1.5"),
        ("value:assessment", "合格 85% / Passed 85%"),
        ("value:awarding_body", "国家卫生健康委能力建设和继续教育中心"),
        ("value:rule_set", "继续医学教育学分管理办法（2024 试行）"),
        ("value:rule_set:2", "CN CME measures (trial, 2024) · CN-2024"),
        ("value:serial", "TC-7K3M-9QXD-2H4P-W8RA"),
        ("value:issued_date", "2025-03-20"),
        ("verify_url", "https://cme.example.org/verify/TC-7K3M-9QXD-2H4P-W8RA"),
    ],
)
def test_the_certificate_states_each_fact_in_both_languages(role, text):
    assert texts(plan(), role) == [text]


@pytest.mark.parametrize(
    ("field", "value", "role", "shown"),
    [
        ("project_level", "provincial", "value:project_level", "省级 / Provincial"),
        ("project_level", "municipal", "value:project_level", "市级 / Municipal"),
        ("project_level", "hospital", "value:project_level", "院级 / Hospital"),
        ("format", "live", "value:format", "直播 / Live broadcast"),
        ("format", "onsite", "value:format", "现场 / On site"),
        ("credit_category", "II", "value:credit_category", "Ⅱ类学分 / Class II"),
        ("credit_category", "CME", "value:credit_category", "学分 / CME credit"),
        (
            "credit_category",
            "AMA-1",
            "value:credit_category",
            "AMA PRA Category 1 Credit™",
        ),
        (
            "credit_category",
            "contact-hour",
            "value:credit_category",
            "护理学时 / Contact hours",
        ),
        ("credit_category", "CPD", "value:credit_category", "CPD"),
        ("score_percent", None, "value:assessment", "—"),
        ("score_percent", 100, "value:assessment", "合格 100% / Passed 100%"),
        ("project_number", "", "value:project_number", "—"),
        ("version", 2, "value:serial", "TC-7K3M-9QXD-2H4P-W8RA (第 2 版 / Version 2)"),
    ],
)
def test_codes_are_shown_in_words(field, value, role, shown):
    assert texts(plan(**{field: value}), role) == [shown]


def test_a_one_day_course_shows_one_date():
    layout = plan(start_date=sample_facts().end_date)
    assert texts(layout, "value:dates") == ["2025-03-15"]


def test_an_empty_english_title_leaves_no_line():
    assert texts(plan(course_title_en=""), "value:course_title:2") == []


def test_markup_in_a_name_is_kept_as_text():
    name = '<b>&amp;</b><script>alert("x")</script>'
    assert texts(plan(learner_name=name), "value:name") == [name]


def test_a_long_name_shrinks_to_one_line_rather_than_being_cut():
    (box,) = [
        b for b in plan(learner_name=LONG_CJK_NAME).boxes if b.role == "value:name"
    ]
    assert box.text == LONG_CJK_NAME
    assert NAME.min_size <= box.font_size < NAME.size


def test_a_long_title_wraps_shrinks_and_ends_in_an_ellipsis():
    lines = texts(plan(course_title_zh=LONG_TITLE_ZH), "value:course_title")
    assert len(lines) == 3
    assert lines[-1].endswith(ELLIPSIS)
    assert LONG_TITLE_ZH.startswith("".join(lines)[:-1])


def test_a_title_that_fits_is_not_cut():
    lines = texts(plan(course_title_zh=TALLEST_TITLE_ZH), "value:course_title")
    assert "".join(lines) == TALLEST_TITLE_ZH


def test_both_seal_slots_are_there_dashed_until_a_seal_is_given():
    def slots(layout):
        return {b.role: b.dashed for b in layout.boxes if b.kind == "seal"}

    assert slots(plan()) == {"seal:awarding_body": True, "seal:organiser": True}
    assert slots(plan(seals=(True, False))) == {
        "seal:awarding_body": False,
        "seal:organiser": True,
    }
    layout = plan()
    assert texts(layout, "caption:awarding_body") == ["授予单位（盖章）"]
    assert texts(layout, "caption:organiser") == ["主办单位（盖章）"]


def test_the_qr_code_holds_the_verify_url_and_is_big_enough_to_scan():
    (qr,) = [b for b in plan().boxes if b.kind == "qr"]
    assert qr.text == "https://cme.example.org/verify/TC-7K3M-9QXD-2H4P-W8RA"
    assert qr.width == qr.height >= 90


def test_the_title_is_the_biggest_text_and_the_name_the_next():
    layout = plan()
    sizes = {b.role: b.font_size for b in layout.boxes if b.kind == "text"}
    assert sizes["title_zh"] == max(sizes.values())
    assert sizes["value:name"] == max(
        size for role, size in sizes.items() if role != "title_zh"
    )


@pytest.mark.parametrize(
    ("text", "width", "expected"),
    [
        ("短标题", 100, ["短标题"]),
        ("一二三四五六", 30, ["一二三", "四五六"]),
        ("one two three", 40, ["one two", "three"]),
        ("一二，三四", 30, ["一二，", "三四"]),  # no line starts with a comma
        ("abcdefghij", 28, ["abcde", "fghij"]),  # a word wider than the line
        ("  spaced \n  out  ", 100, ["spaced out"]),
        ("", 100, []),
    ],
)
def test_wrap_text(text, width, expected):
    assert wrap_text(text, width, 10, measure) == expected


@pytest.mark.parametrize(
    ("text", "max_lines", "size", "lines"),
    [
        ("一二三四", 1, 10, ("一二三四",)),
        ("一二三四五", 1, 8, ("一二三四五",)),  # shrinks to stay on one line
        ("一二三四五", 2, 10, ("一二三四", "五")),  # wraps at full size when it may
        ("一二三四五六七八九", 2, 8, ("一二三四五", "六七八九")),
        ("一二三四五六七八九十" * 2, 1, 6, ("一二三四五六…",)),  # cut at the floor
        ("一二三四五六七八九十" * 2, 2, 6, ("一二三四五六", "七八九十一二…")),
    ],
)
def test_fit_text_prefers_the_biggest_size_that_fits_the_lines(
    text, max_lines, size, lines
):
    fitted = fit_text(text, 40, TextStyle(10, 6, max_lines=max_lines), measure)
    assert (fitted.size, fitted.lines) == (size, lines)
    assert fitted.is_truncated == lines[-1].endswith(ELLIPSIS)
