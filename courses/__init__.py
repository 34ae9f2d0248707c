"""Courses, lectures, class hours, enrolment, progress, post-tests, evaluations."""
