"""Small fixtures shared by the test modules."""

from __future__ import annotations

import pytest

from annexa_check.spec import Spec, load_spec


@pytest.fixture(scope="session")
def spec() -> Spec:
    """The rule data under rules/, loaded once."""
    return load_spec()
