"""The rules of viewers' questions during a broadcast (DESIGN §2.8): when a
viewer may ask, how often, what counts as asking the same again, who sees which
question and what a moderator may make of one.

No I/O, no Flask, no SQLAlchemy: plain dataclasses in, plain dataclasses out.
"""

import unicodedata
from dataclasses import dataclass
from datetime import timedelta

from courses.sessions.live_rules import push_refusal
from courses.sessions.states import QuestionState

#: What every viewer sees (besides their own questions, in any state).
SEEN_BY_VIEWERS = frozenset({QuestionState.SHOWN, QuestionState.ANSWERED})
#: What a moderator may set: a question seen is never pending again.
MODERATED = frozenset(
    {QuestionState.SHOWN, QuestionState.ANSWERED, QuestionState.HIDDEN}
)


@dataclass(frozen=True)
class AskPace:
    """How often one person may ask (a hall of a thousand viewers is read by
    one moderator)."""

    #: Between two questions of one person.
    gap: timedelta = timedelta(seconds=10)
    #: At most ``burst`` questions within ``window``.
    burst: int = 5
    window: timedelta = timedelta(minutes=10)


#: A push's refusals that read otherwise for a question.
QUESTION_WORDING = {
    "only a broadcast session is pushed live": (
        "only a broadcast session takes questions"
    ),
    "outside the session's hours for the studio's push": (
        "questions are taken during the broadcast's hours"
    ),
}


def question_refusal(kind, state, days, now, hours):
    """Why no question is taken now ("" when it is): questions are asked when a
    push would be taken (``live_rules.push_refusal``): of an approved broadcast
    session, not ended or cancelled, within a day's hours for the studio's
    push (the broadcast's day window: the same hours a stream key works)."""
    refusal = push_refusal(kind, state, days, now, hours)
    return QUESTION_WORDING.get(refusal, refusal)


def ask_wait(asked, now, pace):
    """How long the person must wait before asking again (zero: they may ask
    now), given the moments ``asked`` of their earlier questions."""
    recent = sorted(moment for moment in asked if moment > now - pace.window)
    waits = [timedelta(0)]
    if recent:
        waits.append(recent[-1] + pace.gap - now)
    if len(recent) >= pace.burst:
        # The oldest question that keeps the window full must leave it first.
        waits.append(recent[len(recent) - pace.burst] + pace.window - now)
    return max(waits)


def question_key(text):
    """What two questions compare by: case, width, spaces and punctuation do not
    matter ("What dose?" is "what  dose", "剂量？" is "剂量?"). Text with nothing
    but punctuation compares as it is."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    key = "".join(char for char in folded if unicodedata.category(char)[0] not in "PZC")
    return key or folded


def is_repeat(text, earlier):
    """Whether ``text`` asks again one of ``earlier`` (the person's own questions
    at the session: another person's question is never compared, so no viewer
    learns what others asked before a moderator has seen it)."""
    key = question_key(text)
    return any(question_key(other) == key for other in earlier)


def visible_to_viewer(state, is_own):
    """A viewer sees their own questions in every state, others' once shown."""
    return is_own or state in SEEN_BY_VIEWERS


def moderation_refusal(target):
    """Why a moderator may not set ``target`` ("" when they may): shown,
    answered and hidden each from any state, but never back to pending."""
    if target not in MODERATED:
        return "a question is shown, answered or hidden, never pending again"
    return ""
