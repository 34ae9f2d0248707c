"""The rules of viewers' questions during a broadcast (DESIGN §2.8), one row
per rule."""

from datetime import UTC, datetime, timedelta

import pytest

from courses.sessions.live_rules import KeyHours
from courses.sessions.question_rules import (
    AskPace,
    ask_wait,
    is_repeat,
    moderation_refusal,
    question_refusal,
    visible_to_viewer,
)
from courses.sessions.schedule import Day
from courses.sessions.states import QuestionState, SessionKind, SessionState

START = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
DAYS = [Day(1, START, START + timedelta(hours=2))]
HOURS = KeyHours(early=timedelta(minutes=30), grace=timedelta(minutes=30))
MIN = timedelta(minutes=1)
SEC = timedelta(seconds=1)


@pytest.mark.parametrize(
    ("kind", "state", "now", "refused"),
    [
        pytest.param(SessionKind.BROADCAST, SessionState.OPEN, START, "", id="live"),
        pytest.param(
            SessionKind.BROADCAST,
            SessionState.OPEN,
            START - 30 * MIN,
            "",
            id="doors-open",
        ),
        pytest.param(
            SessionKind.BROADCAST,
            SessionState.OPEN,
            START + 150 * MIN,
            "",
            id="end-of-grace",
        ),
        pytest.param(
            SessionKind.BROADCAST,
            SessionState.OPEN,
            START - 31 * MIN,
            "questions are taken during the broadcast's hours",
            id="too-early",
        ),
        pytest.param(
            SessionKind.BROADCAST,
            SessionState.OPEN,
            START + 151 * MIN,
            "questions are taken during the broadcast's hours",
            id="too-late",
        ),
        pytest.param(
            SessionKind.BROADCAST,
            SessionState.ENDED,
            START,
            "the session has ended",
            id="ended-by-host",
        ),
        pytest.param(
            SessionKind.BROADCAST,
            SessionState.CANCELLED,
            START,
            "the session was cancelled",
            id="cancelled",
        ),
        pytest.param(
            SessionKind.BROADCAST,
            SessionState.PLANNED,
            START,
            "the session is not approved yet",
            id="planned",
        ),
        pytest.param(
            SessionKind.ONSITE,
            SessionState.OPEN,
            START,
            "only a broadcast session takes questions",
            id="not-a-broadcast",
        ),
    ],
)
def test_questions_are_taken_within_the_broadcasts_day_window(
    kind, state, now, refused
):
    assert question_refusal(kind, state, DAYS, now, HOURS) == refused


PACE = AskPace(gap=10 * SEC, burst=3, window=10 * MIN)
NOW = START + 5 * MIN


@pytest.mark.parametrize(
    ("asked", "wait"),
    [
        pytest.param([], timedelta(0), id="first-question"),
        pytest.param([NOW - 4 * SEC], 6 * SEC, id="within-the-gap"),
        pytest.param([NOW - 10 * SEC], timedelta(0), id="gap-passed"),
        pytest.param([NOW - 9 * MIN, NOW - 5 * MIN, NOW - MIN], MIN, id="burst-full"),
        pytest.param(
            [NOW - 11 * MIN, NOW - 5 * MIN, NOW - MIN],
            timedelta(0),
            id="oldest-left-the-window",
        ),
        pytest.param(
            [NOW - 9 * MIN, NOW - 8 * MIN, NOW - 7 * MIN, NOW - MIN],
            2 * MIN,
            id="four-in-window-two-must-leave",
        ),
        pytest.param([NOW + 5 * SEC], 15 * SEC, id="a-clock-step-back-waits"),
    ],
)
def test_one_person_asks_at_a_pace(asked, wait):
    assert ask_wait(asked, NOW, PACE) == wait


@pytest.mark.parametrize(
    ("text", "earlier", "repeat"),
    [
        pytest.param("What dose?", ["what  dose"], True, id="case-space-punct"),
        pytest.param("剂量是多少？", ["剂量是多少?"], True, id="full-width-punct"),
        pytest.param("ＣＴ or MRI", ["ct or mri"], True, id="full-width-letters"),
        pytest.param("What dose?", ["What route?"], False, id="another-question"),
        pytest.param("???", ["?!"], False, id="only-punctuation-compares-as-is"),
        pytest.param("???", ["???"], True, id="same-punctuation"),
        pytest.param("What dose?", [], False, id="first"),
    ],
)
def test_asking_the_same_again_is_a_repeat(text, earlier, repeat):
    assert is_repeat(text, earlier) is repeat


@pytest.mark.parametrize(
    ("state", "is_own", "visible"),
    [
        (QuestionState.PENDING, False, False),
        (QuestionState.HIDDEN, False, False),
        (QuestionState.SHOWN, False, True),
        (QuestionState.ANSWERED, False, True),
        (QuestionState.PENDING, True, True),
        (QuestionState.HIDDEN, True, True),
    ],
)
def test_nothing_reaches_other_viewers_unmoderated(state, is_own, visible):
    assert visible_to_viewer(state, is_own) is visible


@pytest.mark.parametrize(
    ("target", "refused"),
    [
        (QuestionState.SHOWN, False),
        (QuestionState.ANSWERED, False),
        (QuestionState.HIDDEN, False),
        (QuestionState.PENDING, True),
    ],
)
def test_a_moderator_never_sets_a_question_back_to_pending(target, refused):
    assert bool(moderation_refusal(target)) is refused
