"""The timed stages; plain choices so pure rules can import them."""
from django.db.models import TextChoices


class Stage(TextChoices):
    """The timed stages of the loop (domain.md §2); each has a limit and an on-time flag."""

    VERIFY = "verify", "核实 verification of a report"
    FILE = "file", "立案 filing"
    DISPATCH = "dispatch", "派遣 dispatch"
    HANDLE = "handle", "处置 handling"
    CHECK = "check", "核查 fix check"
    CLOSE = "close", "结案 closure"
