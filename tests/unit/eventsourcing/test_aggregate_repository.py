import pytest

from agora.eventsourcing import AggregateRepository, ConcurrencyError
from tests.support.memory_store import InMemoryEventStore
from tests.support.tally import Tally, TallyState, increment, open_tally, registry

pytestmark = pytest.mark.unit


@pytest.fixture
def repository() -> AggregateRepository[TallyState]:
    return AggregateRepository(aggregate=Tally(), store=InMemoryEventStore(), registry=registry)


async def test_a_command_appends_what_its_decision_returns(
    repository: AggregateRepository[TallyState],
) -> None:
    outcome = await repository.execute(stream_id="tally-1", decide=open_tally("Coffee"))
    assert outcome.version == 1
    assert outcome.state == TallyState(title="Coffee", total=0)
    outcome = await repository.execute(stream_id="tally-1", decide=increment(3))
    assert outcome.state.total == 3
    assert (await repository.load("tally-1")).state == TallyState(title="Coffee", total=3)


async def test_a_decision_with_no_events_stores_nothing(
    repository: AggregateRepository[TallyState],
) -> None:
    await repository.execute(stream_id="tally-1", decide=open_tally("Coffee"))
    outcome = await repository.execute(stream_id="tally-1", decide=open_tally("Again"))
    assert outcome.events == ()
    assert outcome.version == 1


async def test_a_stale_expected_version_is_a_concurrency_error(
    repository: AggregateRepository[TallyState],
) -> None:
    await repository.execute(stream_id="tally-1", decide=open_tally("Coffee"))
    await repository.execute(stream_id="tally-1", decide=increment(1))
    with pytest.raises(ConcurrencyError):
        await repository.execute(stream_id="tally-1", decide=increment(1), expected_version=1)


async def test_a_retried_command_is_not_decided_again(
    repository: AggregateRepository[TallyState],
) -> None:
    await repository.execute(stream_id="tally-1", decide=open_tally("Coffee"))
    first = await repository.execute(
        stream_id="tally-1", decide=increment(5), actor="person-1", command_id="k1"
    )
    retry = await repository.execute(
        stream_id="tally-1", decide=increment(5), actor="person-1", command_id="k1"
    )
    assert retry.deduplicated
    assert [e.id for e in retry.events] == [e.id for e in first.events]
    assert (await repository.load("tally-1")).state.total == 5


async def test_expecting_a_new_stream_decides_on_the_initial_state_and_refuses_an_existing_one(
    repository: AggregateRepository[TallyState],
) -> None:
    outcome = await repository.execute(
        stream_id="tally-1", decide=open_tally("Coffee"), expected_version=0
    )
    assert (outcome.version, outcome.state.title) == (1, "Coffee")

    with pytest.raises(ConcurrencyError) as exists:
        await repository.execute(stream_id="tally-1", decide=increment(1), expected_version=0)

    assert (exists.value.expected_version, exists.value.actual_version) == (0, 1)
    assert (await repository.load("tally-1")).state == TallyState(title="Coffee", total=0)
