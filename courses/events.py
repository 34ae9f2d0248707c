"""What happens to courses that other packages act on (blinker signals).

courses sends them from its operations, inside the same transaction; the
certificates package listens (``certificates.events``, connected by the app
factory), so courses never imports certificates and the arrows only go down.
"""

from blinker import Namespace

_signals = Namespace()

#: A learner completed a course: ``send(enrolment, now=...)`` (credits follow,
#: or the office's queue when the course asks for a credit review).
course_completed = _signals.signal("course-completed")
#: A learner was enrolled in a course: ``send(enrolment, now=...)`` (the
#: network reports count it).
learner_enrolled = _signals.signal("learner-enrolled")
#: A course was approved, so delivered: ``send(course, now=...)`` (teaching
#: credits follow).
course_published = _signals.signal("course-published")
#: A play session's beat was credited: ``send(started_dt, now=...)`` (the
#: network reports count its seconds in the month it started).
play_session_credited = _signals.signal("play-session-credited")


def announce(signal, sender, **facts):
    """Send ``signal``; refuses when nobody listens, since a completion nobody
    heard would lose a learner's credits without a word."""
    if not signal.receivers:
        raise RuntimeError(
            f"Nobody listens to {signal.name!r}: create the app first "
            "(it connects certificates.events)."
        )
    signal.send(sender, **facts)
