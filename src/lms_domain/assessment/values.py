"""Value rules of assessment: limits, question types, answers and the checks of each field."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Final

from lms_domain.shared.errors import InvalidField

__all__ = [
    "ANSWER_MAX",
    "DECIMAL_MAX",
    "DESCRIPTION_MAX",
    "DRAW_MAX",
    "ESSAY_MAX",
    "LIMIT_MAX",
    "LIMIT_MIN",
    "OPTIONS_MAX",
    "OPTION_MAX",
    "ORDER_MAX",
    "ORDER_MIN",
    "POINTS_MAX",
    "POINTS_MIN",
    "POOLS_MAX",
    "QUESTION_TEXT_MAX",
    "TITLE_MAX",
    "TOLERANCE_MAX",
    "TRUE_FALSE_OPTIONS",
    "Answer",
    "QuestionType",
    "Scoring",
    "check_int_range",
    "check_optional_int_range",
    "check_percentage",
    "check_text",
    "check_tolerance",
    "normalize_choices",
    "parse_decimal",
    "question_type_of",
    "scoring_of",
]

TITLE_MAX = 255
DESCRIPTION_MAX = 5000
QUESTION_TEXT_MAX = 5000
OPTION_MAX = 500
OPTIONS_MAX = 20
ANSWER_MAX = 500
ESSAY_MAX = 20_000
"""The longest answer a student may give (an essay's); keys and options stay within ``ANSWER_MAX``."""
POOLS_MAX = 20
DRAW_MAX = 500
POINTS_MIN, POINTS_MAX = 1, 1000
LIMIT_MIN, LIMIT_MAX = 1, 10000
ORDER_MIN, ORDER_MAX = 1, 1_000_000
DECIMAL_MAX = 50
"""The longest decimal number (after trimming) a numeric key or answer may be."""
TOLERANCE_MAX = 10**15
TRUE_FALSE_OPTIONS: Final = ("true", "false")

Answer = str | list[str]
"""A correct answer or a student's answer: a string, or a list of option texts for multiple_select
and ordering."""

_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


class QuestionType(StrEnum):
    MULTIPLE_CHOICE = "multiple_choice"
    MULTIPLE_SELECT = "multiple_select"
    TRUE_FALSE = "true_false"
    SHORT_ANSWER = "short_answer"
    NUMERIC = "numeric"
    ORDERING = "ordering"
    ESSAY = "essay"

    @property
    def has_choices(self) -> bool:
        """Types whose answers are picked among (or arrange) the question's options."""
        return self in (QuestionType.MULTIPLE_CHOICE, QuestionType.MULTIPLE_SELECT, QuestionType.ORDERING)

    @property
    def graded_by_hand(self) -> bool:
        """Essays: no key; an answered one waits for a grader."""
        return self is QuestionType.ESSAY


class Scoring(StrEnum):
    """How a quiz grades ``multiple_select`` and ``ordering``: full points or nothing, or partly."""

    ALL_OR_NOTHING = "all_or_nothing"
    PARTIAL = "partial"


def scoring_of(value: object) -> Scoring:
    try:
        return Scoring(str(value))
    except ValueError:
        raise InvalidField("scoring", "scoring must be all_or_nothing or partial") from None


def parse_decimal(text: object) -> Decimal | None:
    """A decimal number written with an optional sign and fraction (``-1``, ``+0.30``, ``.5``, ``2.``),
    surrounding whitespace ignored, at most ``DECIMAL_MAX`` characters; None for anything else
    (exponents, commas, ``nan``, non-ASCII digits, longer text)."""
    if not isinstance(text, str):
        return None
    trimmed = text.strip()
    if len(trimmed) > DECIMAL_MAX or not _DECIMAL.fullmatch(trimmed):
        return None
    try:
        return Decimal(trimmed)
    except InvalidOperation:  # pragma: no cover - the pattern admits only what Decimal reads
        return None


def check_tolerance(value: object) -> Decimal:
    """A numeric question's tolerance: a finite number from 0 to ``TOLERANCE_MAX``, kept exactly as
    the shortest decimal that reads back as the given number (0.1 is 0.1, not its binary value)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise InvalidField("tolerance", "tolerance must be a number")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidField("tolerance", f"tolerance must be from 0 to {TOLERANCE_MAX}")
        exact = Decimal(repr(value))
    else:
        exact = Decimal(value)
    if not exact.is_finite() or not 0 <= exact <= TOLERANCE_MAX:
        raise InvalidField("tolerance", f"tolerance must be from 0 to {TOLERANCE_MAX}")
    return exact


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_int_range(field_name: str, value: int, low: int, high: int) -> int:
    if not _is_int(value) or not low <= value <= high:
        raise InvalidField(field_name, f"{field_name} must be an integer from {low} to {high}")
    return value


def check_optional_int_range(field_name: str, value: int | None, low: int, high: int) -> int | None:
    return None if value is None else check_int_range(field_name, value, low, high)


def check_text(field_name: str, value: str, *, low: int, high: int) -> str:
    """Trimmed text of ``low``..``high`` characters."""
    if not isinstance(value, str):
        raise InvalidField(field_name, f"{field_name} must be a string")
    text = value.strip()
    if not low <= len(text) <= high:
        raise InvalidField(field_name, f"{field_name} must be {low}-{high} characters")
    return text


def check_percentage(field_name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidField(field_name, f"{field_name} must be a number")
    if not math.isfinite(value) or not 0 <= value <= 100:
        raise InvalidField(field_name, f"{field_name} must be from 0 to 100")
    return value


def normalize_choices(
    question_type: QuestionType, options: Sequence[str] | None, correct_answer: object
) -> tuple[list[str], Answer | None]:
    """Validate a question's options and correct answer together; return them normalized.

    Options are kept as written (an answer must match one exactly); a short answer is trimmed.
    ``true_false`` options are always ``["true", "false"]``, filled in when omitted. An essay has
    neither options nor a correct answer (None).
    """
    given = list(options) if options is not None else []
    if any(not isinstance(o, str) for o in given):
        raise InvalidField("options", "options must be strings")
    if question_type is QuestionType.ESSAY:
        if given:
            raise InvalidField("options", "essay questions have no options")
        if correct_answer is not None:
            raise InvalidField(
                "correct_answer", "essay questions have no correct_answer: they are graded by hand"
            )
        return [], None
    if correct_answer is None:
        raise InvalidField("correct_answer", f"{question_type} questions need a correct_answer")
    if question_type is QuestionType.TRUE_FALSE:
        return _true_false(given, correct_answer)
    if question_type is QuestionType.SHORT_ANSWER:
        return _short_answer(given, correct_answer)
    if question_type is QuestionType.NUMERIC:
        return _numeric(given, correct_answer)
    _check_choices(question_type, given)
    if question_type is QuestionType.MULTIPLE_CHOICE:
        if not isinstance(correct_answer, str) or correct_answer not in given:
            raise InvalidField("correct_answer", "correct_answer must be one of the options")
        return given, correct_answer
    if question_type is QuestionType.ORDERING:
        return given, _arrangement(given, correct_answer)
    return given, _selection(given, correct_answer)


def _true_false(given: list[str], correct_answer: object) -> tuple[list[str], Answer]:
    if given and sorted(given) != sorted(TRUE_FALSE_OPTIONS):
        raise InvalidField("options", 'true_false options are always ["true", "false"]')
    if correct_answer not in TRUE_FALSE_OPTIONS:
        raise InvalidField("correct_answer", 'correct_answer must be "true" or "false"')
    return list(TRUE_FALSE_OPTIONS), str(correct_answer)


def _short_answer(given: list[str], correct_answer: object) -> tuple[list[str], Answer]:
    if given:
        raise InvalidField("options", "short_answer questions have no options")
    if not isinstance(correct_answer, str):
        raise InvalidField("correct_answer", "correct_answer must be a string")
    return [], check_text("correct_answer", correct_answer, low=1, high=ANSWER_MAX)


def _numeric(given: list[str], correct_answer: object) -> tuple[list[str], Answer]:
    if given:
        raise InvalidField("options", "numeric questions have no options")
    if parse_decimal(correct_answer) is None:
        raise InvalidField(
            "correct_answer",
            f"correct_answer must be a decimal number (like -12.5) of at most {DECIMAL_MAX} characters",
        )
    assert isinstance(correct_answer, str)
    return [], correct_answer.strip()


def _arrangement(given: list[str], correct_answer: object) -> list[str]:
    """The correct answer of an ordering question: every one of its options, each once, in order."""
    if not isinstance(correct_answer, list | tuple) or any(not isinstance(a, str) for a in correct_answer):
        raise InvalidField("correct_answer", "correct_answer must be a list of the options")
    arranged = [str(a) for a in correct_answer]
    if len(arranged) != len(given) or set(arranged) != set(given):
        raise InvalidField("correct_answer", "correct_answer must list every option exactly once")
    return arranged


def _check_choices(question_type: QuestionType, given: list[str]) -> None:
    """The options of multiple_choice and multiple_select: the answer is picked among them."""
    if not 2 <= len(given) <= OPTIONS_MAX:
        raise InvalidField("options", f"{question_type} needs 2 to {OPTIONS_MAX} options")
    if any(not o.strip() or len(o) > OPTION_MAX for o in given):
        raise InvalidField("options", f"options must be non-blank and at most {OPTION_MAX} characters")
    if len(set(given)) != len(given):
        raise InvalidField("options", "options must be distinct")


def _selection(given: list[str], correct_answer: object) -> list[str]:
    """The correct answer of a multiple_select question: some of its options, each once."""
    if (
        not isinstance(correct_answer, list | tuple)
        or not correct_answer
        or any(not isinstance(a, str) for a in correct_answer)
    ):
        raise InvalidField("correct_answer", "correct_answer must be a non-empty list of options")
    chosen = [str(a) for a in correct_answer]
    if len(set(chosen)) != len(chosen):
        raise InvalidField("correct_answer", "correct_answer must not repeat an option")
    if any(a not in given for a in chosen):
        raise InvalidField("correct_answer", "every correct answer must be one of the options")
    return chosen


def question_type_of(value: object) -> QuestionType:
    try:
        return QuestionType(str(value))
    except ValueError:
        raise InvalidField("question_type", "question_type is not one of the known types") from None
