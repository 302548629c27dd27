import pytest


@pytest.fixture(autouse=True)
def _with_and_without_orjson(json_library: str) -> None:
    """Every differential test runs with json alone and with orjson (the speedups extra): the oracle must not
    tell them apart."""
