import pytest


@pytest.fixture(autouse=True)
def fresh_classifier_cache():
    """A rolled-back test leaves the process's loaded model behind; start from the database."""
    yield
    from civicloop.classifier import queries

    queries._cache.invalidate()
