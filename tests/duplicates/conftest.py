import pytest


@pytest.fixture(autouse=True)
def fresh_classifier_cache():
    yield
    from civicloop.classifier import queries

    queries._cache.invalidate()
