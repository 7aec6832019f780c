"""Every use case keeps the shape the domain promises: at most five collaborators, injected in
``__init__``, and one ``async __call__`` taking keyword arguments only."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import lms_domain
from lms_http.container import is_use_case

MAX_COLLABORATORS = 5


def all_use_cases() -> set[type]:
    found: set[type] = set()
    for module in pkgutil.walk_packages(lms_domain.__path__, "lms_domain."):
        for _, cls in inspect.getmembers(importlib.import_module(module.name), inspect.isclass):
            if is_use_case(cls):
                found.add(cls)
    return found


def test_use_cases_are_found() -> None:
    names = {cls.__name__ for cls in all_use_cases()}
    assert {"Register", "MfaLogin", "CreateCourse", "SubmitAttempt", "GenerateCertificate"} <= names


def test_no_use_case_takes_more_than_five_collaborators() -> None:
    crowded = {
        cls.__name__: count
        for cls in all_use_cases()
        if (count := len(inspect.signature(cls).parameters)) > MAX_COLLABORATORS
    }
    assert crowded == {}


def test_a_use_case_is_called_with_keywords_only() -> None:
    for cls in all_use_cases():
        parameters = list(inspect.signature(vars(cls)["__call__"]).parameters.values())[1:]
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters), cls.__name__
