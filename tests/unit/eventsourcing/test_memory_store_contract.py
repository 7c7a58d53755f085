import pytest

from tests.support.event_store_contract import EventStoreContract
from tests.support.memory_store import InMemoryEventStore

pytestmark = pytest.mark.unit


class TestInMemoryEventStore(EventStoreContract):
    @pytest.fixture
    def store(self) -> InMemoryEventStore:
        return InMemoryEventStore()
