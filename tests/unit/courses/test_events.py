"""courses speaks to the packages above it through events and one port
(issue 12, item 6): what it sends must be heard, and what it names must match."""

import pytest
from blinker import Namespace

from courses import credit_terms as port
from courses.events import announce
from lms.enums import MEDIA_POLICIES
from media_pipeline.content import AUTO
from media_pipeline.ladder import POLICIES


def test_an_event_nobody_hears_is_refused():
    """A completion nobody hears would lose credits silently."""
    lonely = Namespace().signal("lonely")
    with pytest.raises(RuntimeError, match="Nobody listens"):
        announce(lonely, object(), now=None)


def test_an_event_reaches_its_listeners_with_its_facts():
    signal, heard = Namespace().signal("heard"), []

    def listener(sender, **facts):
        heard.append((sender, facts))

    signal.connect(listener)
    announce(signal, "enrolment", now=1)
    assert heard == [("enrolment", {"now": 1})]


def test_credit_terms_must_be_provided_first(monkeypatch):
    monkeypatch.setattr(port, "_provided", [])
    with pytest.raises(RuntimeError, match="No credit terms"):
        port.credit_terms()


def test_the_media_policies_a_course_may_name_are_the_ladders():
    assert set(MEDIA_POLICIES) == set(POLICIES) | {AUTO}
