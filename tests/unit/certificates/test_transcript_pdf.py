"""The transcript PDF prints the numbers the requirement is decided on (issue 10)."""

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal as D
from types import SimpleNamespace

import pytest

from certificates.rule_sets import CN_2024
from certificates.rules import LedgerLine, Source, calculate_transcript
from certificates.transcript_pdf import render_transcript
from tests.pdfs import pdf_text

#: A province that also tests class hours (a variant's own second test).
CLASS_HOURS_VARIANT = replace(CN_2024, code="X-HOURS", yearly_class_hours=D(90))


def render(hours, rule_set=CLASS_HOURS_VARIANT):
    line = LedgerLine(
        1,
        on=date(2026, 5, 1),
        source=Source.ONLINE,
        scale="CN",
        category="CME",
        class_hours=D(hours),
        credits=D(25),
    )
    transcript = calculate_transcript([line], rule_set, 2026)
    award = SimpleNamespace(
        activity_date=line.on,
        title=lambda language: "全科医学年会",
        category="CME",
        class_hours=line.class_hours,
        credits=line.credits,
    )
    pdf = render_transcript(
        transcript,
        {1: award},
        learner=SimpleNamespace(id=7, name="张晓燕", hospital=None),
        issuer=SimpleNamespace(
            awarding_body_zh="继教办", awarding_body_en="CME office"
        ),
        language="en",
        now=datetime(2026, 6, 1, tzinfo=UTC),
        labels={"category": str, "reason": str, "requirement": str},
    )
    return transcript, pdf_text(pdf)


@pytest.mark.parametrize(
    ("rule", "hours", "shown", "state"),
    [
        (
            "issue 10: 89.9967 hours print as 90 / 90 and are met",
            "89.9967",
            "class_hours: 90 / 90",
            "Yearly requirement: met",
        ),
        (
            "issue 10: 89.994 hours print as 89.99 / 90 and are not met",
            "89.994",
            "class_hours: 89.99 / 90",
            "Yearly requirement: not yet met",
        ),
    ],
)
def test_the_pdf_prints_what_met_is_decided_on(rule, hours, shown, state):
    transcript, text = render(hours)
    assert shown in text and state in text
    assert "89.99666" not in text
    (hours_item,) = [i for i in transcript.requirement if i.key == "class_hours"]
    assert hours_item.is_met is ("not yet" not in state)


def test_cn_2024_prints_its_class_hours_as_an_equivalent():
    """CN-2024: 每年所获得学分累计不低于25学分(不少于90学时)."""
    _, text = render("75", CN_2024)
    assert "Yearly requirement: met" in text
    assert "not a second test: 90 / 90" in text
