"""Shared test set-up: Hypothesis profiles and the XSD location."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# CI is deterministic and bounded; `HYPOTHESIS_PROFILE=long` is for fuzzing by hand.
settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=100,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "dev",
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "long",
    max_examples=20_000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

REPO = Path(__file__).resolve().parent.parent


def xsd_dir() -> Path | None:
    """Where the official XSDs are: $MM7_XSD_DIR, else ../shared/mm7-xsd."""
    env = os.environ.get("MM7_XSD_DIR")
    candidate = Path(env) if env else REPO.parent / "shared" / "mm7-xsd"
    return candidate if (candidate / "REL-6-MM7-1-4.xsd").is_file() else None


@pytest.fixture(scope="session")
def xsd_path() -> Path:
    """The XSD folder; skipped with a reason where absent, a failure under CI=true."""
    found = xsd_dir()
    if found is None:
        reason = "official MM7 XSDs not found: set MM7_XSD_DIR or place them at ../shared/mm7-xsd"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return found
