"""Business dates the tests share, in a module of their own: the bench imports some test
support modules (the broker, the intake's messages), and must not import ``tests.conftest``,
which sets the suite's environment (its PII master key, its backdating window) for every
process the importer starts."""

from __future__ import annotations

from datetime import date

FAR_FUTURE = date(2031, 1, 1)  # a clock late enough for a whole case, work-off included
