"""The feed's rules, decided on folded states and plain facts without any infrastructure."""

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import pytest

from agora.eventsourcing import DomainEvent
from agora.eventsourcing.envelope import is_valid_stream_id
from agora.feed.domain import decisions
from agora.feed.domain.commands import (
    Actor,
    AddComment,
    EditComment,
    EditPost,
    OpenWorkItemThread,
    PlaceRef,
    PollSpec,
    PublishPost,
    Report,
    SharePost,
)
from agora.feed.domain.errors import (
    CommentHiddenError,
    CommentNotFoundError,
    CommunityNotFoundError,
    CommunityReadOnlyError,
    InvalidCommentError,
    InvalidPostError,
    InvalidReadMarkError,
    NotAllowedError,
    NotAMemberError,
    NotAPollError,
    NotAQuestionError,
    PollClosedError,
    PostExistsError,
    PostHiddenError,
    PostNotFoundError,
    ShareRestrictedError,
    ThreadDeletedError,
    UnknownPollOptionError,
)
from agora.feed.domain.events import (
    AnswerAccepted,
    AnswerUnaccepted,
    CommentAdded,
    CommentDeleted,
    CommentEdited,
    CommentHidden,
    CommentRestored,
    CommunityMuted,
    CommunityUnmuted,
    NotificationPreferencesSet,
    NotificationsRead,
    PollVoted,
    PostDeleted,
    PostEdited,
    PostHidden,
    PostKind,
    PostPublished,
    PostReported,
    PostRestored,
    PostSubscribed,
    PostUnsubscribed,
    Praise,
    ReactionRemoved,
    ReactionSet,
    WorkItem,
)
from agora.feed.domain.state import InboxAggregate, InboxState, PostAggregate, PostState
from agora.feed.facts import CommunityFacts
from agora.feed.service import inbox_key

pytestmark = pytest.mark.unit

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
POSTS = PostAggregate()
INBOXES = InboxAggregate()
AUTHOR = Actor("author")
MEMBER = Actor("member")
MANAGER = Actor("manager")
OUTSIDER = Actor("outsider")
ADMIN = Actor("admin", roles=frozenset({"platform-admin"}))
COMMUNITY_MEMBERS = ("author", "member", "manager")


def community(
    visibility: str = "open", *, archived: bool = False, community_id: str = "c1"
) -> CommunityFacts:
    return CommunityFacts.model_validate(
        {
            "_id": community_id,
            "name": "Kubernetes",
            "visibility": visibility,
            "archived": archived,
            "members": list(COMMUNITY_MEMBERS),
            "managers": ["manager"],
        }
    )


def fold(state: PostState, events: Sequence[DomainEvent]) -> PostState:
    for event in events:
        state = POSTS.evolve(state, event)
    return state


def fold_inbox(state: InboxState, events: Sequence[DomainEvent]) -> InboxState:
    for event in events:
        state = INBOXES.evolve(state, event)
    return state


def types(events: Sequence[DomainEvent]) -> list[type[DomainEvent]]:
    return [type(event) for event in events]


def publish_command(
    kind: PostKind = "post",
    *,
    place: PlaceRef | None = None,
    praise: Praise | None = None,
    poll: PollSpec | None = None,
    text: str = "Hello https://example.com/a.",
    tags: tuple[str, ...] = (),
    mentions: tuple[str, ...] = (),
    post_id: str = "p1",
) -> PublishPost:
    return PublishPost(
        post_id=post_id,
        place=place or PlaceRef("community", "c1"),
        kind=kind,
        text=text,
        tags=tags,
        mentions=mentions,
        praise=praise,
        poll=poll,
    )


def poll_spec(
    closes_in: timedelta = timedelta(days=2), labels: Sequence[str] = ("A", "B")
) -> PollSpec:
    return PollSpec(labels=tuple(labels), closes_at=NOW + closes_in)


def published(
    kind: PostKind = "post",
    facts: CommunityFacts | None = None,
    *,
    profile: bool = False,
    poll: PollSpec | None = None,
) -> PostState:
    facts = None if profile else (facts or community())
    command = publish_command(
        kind,
        place=PlaceRef("profile", "author") if profile else None,
        poll=poll or (poll_spec() if kind == "poll" else None),
        praise=Praise(person_ids=("member",)) if kind == "praise" else None,
    )
    return fold(
        POSTS.initial_state(),
        decisions.decide_publish(POSTS.initial_state(), facts, AUTHOR, command, NOW),
    )


def commented(
    state: PostState, comment_id: str = "k1", *, by: Actor = MEMBER, parent: str | None = None
) -> PostState:
    facts = community() if state.place and state.place.kind == "community" else None
    command = AddComment(comment_id=comment_id, text="An answer", parent_comment_id=parent)
    return fold(state, decisions.decide_add_comment(state, facts, by, command))


# --- publishing --------------------------------------------------------------------------------


def test_a_member_publishes_with_the_community_visibility_links_tags_and_mentions() -> None:
    command = publish_command(tags=("k8s", "k8s", "ops"), mentions=("member", "member", "x"))

    events = decisions.decide_publish(
        POSTS.initial_state(), community("closed"), AUTHOR, command, NOW
    )

    assert types(events) == [PostPublished]
    event = events[0]
    assert isinstance(event, PostPublished)
    assert event.place.visibility == "closed"
    assert event.author_id == "author"
    assert event.content.text == "Hello https://example.com/a."
    assert event.content.links == ("https://example.com/a",)
    assert event.content.mentions == ("member", "x")
    assert event.tags == ("k8s", "ops")


def test_a_non_member_may_not_post_in_a_community() -> None:
    with pytest.raises(NotAMemberError):
        decisions.decide_publish(
            POSTS.initial_state(), community(), OUTSIDER, publish_command(), NOW
        )


def test_an_unknown_or_secret_community_is_not_found_for_a_non_member() -> None:
    with pytest.raises(CommunityNotFoundError):
        decisions.decide_publish(POSTS.initial_state(), None, AUTHOR, publish_command(), NOW)
    with pytest.raises(CommunityNotFoundError):
        decisions.decide_publish(
            POSTS.initial_state(), community("secret"), OUTSIDER, publish_command(), NOW
        )


def test_an_archived_community_is_read_only() -> None:
    with pytest.raises(CommunityReadOnlyError):
        decisions.decide_publish(
            POSTS.initial_state(), community(archived=True), AUTHOR, publish_command(), NOW
        )


def test_a_profile_post_goes_on_the_authors_own_profile_only() -> None:
    own = publish_command(place=PlaceRef("profile", "author"))
    other = publish_command(place=PlaceRef("profile", "member"))

    events = decisions.decide_publish(POSTS.initial_state(), None, AUTHOR, own, NOW)

    assert isinstance(events[0], PostPublished)
    assert events[0].place.kind == "profile"
    assert events[0].place.visibility == "open"
    with pytest.raises(NotAllowedError):
        decisions.decide_publish(POSTS.initial_state(), None, AUTHOR, other, NOW)


def test_an_existing_post_cannot_be_published_again() -> None:
    with pytest.raises(PostExistsError):
        decisions.decide_publish(published(), community(), AUTHOR, publish_command(), NOW)


def test_a_praise_names_other_people_and_only_a_praise_does() -> None:
    good = publish_command("praise", praise=Praise(person_ids=("member",), skill="k8s"))
    self_praise = publish_command("praise", praise=Praise(person_ids=("author",)))
    empty = publish_command("praise", praise=Praise(person_ids=()))
    missing = publish_command("praise")
    stray = publish_command("post", praise=Praise(person_ids=("member",)))

    assert types(
        decisions.decide_publish(POSTS.initial_state(), community(), AUTHOR, good, NOW)
    ) == [PostPublished]
    for command in (self_praise, empty, missing, stray):
        with pytest.raises(InvalidPostError):
            decisions.decide_publish(POSTS.initial_state(), community(), AUTHOR, command, NOW)


def test_a_poll_gets_ordered_option_ids_and_closes_within_a_year() -> None:
    command = publish_command("poll", poll=poll_spec(labels=("Mardi", "Mercredi", "Jeudi")))

    event = decisions.decide_publish(POSTS.initial_state(), community(), AUTHOR, command, NOW)[0]

    assert isinstance(event, PostPublished)
    assert event.poll is not None
    assert [(o.option_id, o.label) for o in event.poll.options] == [
        ("o1", "Mardi"),
        ("o2", "Mercredi"),
        ("o3", "Jeudi"),
    ]


@pytest.mark.parametrize(
    "spec",
    [
        poll_spec(labels=("Only one",)),
        poll_spec(labels=[f"option {n}" for n in range(11)]),
        poll_spec(labels=("Same", "Same")),
        poll_spec(closes_in=timedelta(0)),
        poll_spec(closes_in=-timedelta(hours=1)),
        poll_spec(closes_in=timedelta(days=366)),
    ],
    ids=["one-option", "eleven-options", "duplicates", "closing-now", "closed", "over-a-year"],
)
def test_a_poll_breaking_a_rule_is_refused(spec: PollSpec) -> None:
    with pytest.raises(InvalidPostError):
        decisions.decide_publish(
            POSTS.initial_state(), community(), AUTHOR, publish_command("poll", poll=spec), NOW
        )


def test_a_poll_needs_its_options_and_only_a_poll_has_them() -> None:
    for command in (publish_command("poll"), publish_command("post", poll=poll_spec())):
        with pytest.raises(InvalidPostError):
            decisions.decide_publish(POSTS.initial_state(), community(), AUTHOR, command, NOW)


def test_too_many_tags_or_mentions_are_refused() -> None:
    tags = tuple(f"t{n}" for n in range(11))
    mentions = tuple(f"p{n}" for n in range(51))
    for command in (publish_command(tags=tags), publish_command(mentions=mentions)):
        with pytest.raises(InvalidPostError):
            decisions.decide_publish(POSTS.initial_state(), community(), AUTHOR, command, NOW)


# --- work item threads -------------------------------------------------------------------------


def thread_command(post_id: str = "") -> OpenWorkItemThread:
    return OpenWorkItemThread(
        post_id=post_id or decisions.work_item_post_id("c1", "jira", "OPS-1"),
        community_id="c1",
        work_item=WorkItem(system="jira", item_id="OPS-1"),
        text="Let's talk about OPS-1",
    )


def test_the_work_item_thread_id_is_deterministic_per_community_and_item() -> None:
    first = decisions.work_item_post_id("c1", "jira", "OPS-1")

    assert first == decisions.work_item_post_id("c1", "jira", "OPS-1")
    assert first != decisions.work_item_post_id("c2", "jira", "OPS-1")
    assert first != decisions.work_item_post_id("c1", "github", "OPS-1")
    assert first.startswith("wi")
    assert len(first) == 32


def test_a_work_item_thread_is_opened_once_then_found() -> None:
    empty = POSTS.initial_state()
    opened = decisions.decide_open_work_item_thread(
        empty, community(), AUTHOR, thread_command(), NOW
    )
    state = fold(empty, opened)

    found = decisions.decide_open_work_item_thread(
        state, community(), MEMBER, thread_command(), NOW
    )

    assert types(opened) == [PostPublished]
    assert state.work_item == WorkItem(system="jira", item_id="OPS-1")
    assert found == []


def test_a_work_item_thread_is_not_opened_by_outsiders_nor_after_deletion() -> None:
    empty = POSTS.initial_state()
    state = fold(
        empty,
        decisions.decide_open_work_item_thread(empty, community(), AUTHOR, thread_command(), NOW),
    )
    deleted = fold(state, [PostDeleted()])

    with pytest.raises(NotAMemberError):
        decisions.decide_open_work_item_thread(
            empty, community("closed"), OUTSIDER, thread_command(), NOW
        )
    with pytest.raises(NotAMemberError):
        decisions.decide_open_work_item_thread(empty, community(), OUTSIDER, thread_command(), NOW)
    with pytest.raises(CommunityNotFoundError):
        decisions.decide_open_work_item_thread(
            empty, community("secret"), OUTSIDER, thread_command(), NOW
        )
    with pytest.raises(ThreadDeletedError):
        decisions.decide_open_work_item_thread(deleted, community(), MEMBER, thread_command(), NOW)
    assert (
        decisions.decide_open_work_item_thread(state, community(), OUTSIDER, thread_command(), NOW)
        == []
    )


# --- reading rules -----------------------------------------------------------------------------


@pytest.mark.parametrize("visibility", ["closed", "secret"])
def test_a_non_member_cannot_take_part_in_a_closed_or_secret_post(visibility: str) -> None:
    state = published(facts=community(visibility))

    with pytest.raises(PostNotFoundError):
        decisions.decide_set_reaction(state, community(visibility), OUTSIDER, "like")
    assert types(decisions.decide_set_reaction(state, community(visibility), MEMBER, "like")) == [
        ReactionSet
    ]


def test_any_employee_takes_part_in_open_community_and_profile_posts() -> None:
    open_post = published()
    profile_post = published(profile=True)

    assert types(decisions.decide_set_reaction(open_post, community(), OUTSIDER, "like")) == [
        ReactionSet
    ]
    assert types(decisions.decide_set_reaction(profile_post, None, OUTSIDER, "like")) == [
        ReactionSet
    ]


def test_a_missing_or_deleted_post_is_not_found() -> None:
    deleted = fold(published(), [PostDeleted()])

    for state in (POSTS.initial_state(), deleted):
        with pytest.raises(PostNotFoundError):
            decisions.decide_subscribe(state, community(), MEMBER)
        with pytest.raises(PostNotFoundError):
            decisions.decide_edit_post(state, community(), AUTHOR, EditPost(text="x"))


def test_a_post_whose_community_facts_are_missing_is_not_found() -> None:
    with pytest.raises(PostNotFoundError):
        decisions.decide_subscribe(published(), None, MEMBER)
    with pytest.raises(PostNotFoundError):
        decisions.decide_subscribe(published(), community(community_id="c2"), MEMBER)


def test_every_write_in_an_archived_community_is_read_only() -> None:
    state = commented(published("question"))
    archived = community(archived=True)
    writes: list[Callable[[], object]] = [
        lambda: decisions.decide_edit_post(state, archived, AUTHOR, EditPost(text="new")),
        lambda: decisions.decide_delete_post(state, archived, AUTHOR),
        lambda: decisions.decide_hide_post(state, archived, MANAGER, "spam"),
        lambda: decisions.decide_add_comment(state, archived, MEMBER, AddComment("k2", "hi")),
        lambda: decisions.decide_set_reaction(state, archived, MEMBER, "like"),
        lambda: decisions.decide_accept_answer(state, archived, AUTHOR, "k1"),
        lambda: decisions.decide_report(state, archived, MEMBER, Report("r1", "spam")),
        lambda: decisions.decide_subscribe(state, archived, OUTSIDER),
    ]
    for write in writes:
        with pytest.raises(CommunityReadOnlyError):
            write()


# --- editing, deleting, moderating -------------------------------------------------------------


def test_the_author_edits_and_unchanged_edits_store_nothing() -> None:
    state = published()

    events = decisions.decide_edit_post(
        state, community(), AUTHOR, EditPost(text="New text", tags=("a",))
    )
    same = decisions.decide_edit_post(state, community(), AUTHOR, EditPost(text=state.content.text))

    assert types(events) == [PostEdited]
    assert fold(state, events).tags == ("a",)
    assert same == []
    with pytest.raises(NotAllowedError):
        decisions.decide_edit_post(state, community(), MEMBER, EditPost(text="Mine now"))


def test_an_edit_keeps_mentions_unless_given() -> None:
    state = fold(
        POSTS.initial_state(),
        decisions.decide_publish(
            POSTS.initial_state(), community(), AUTHOR, publish_command(mentions=("member",)), NOW
        ),
    )

    kept = decisions.decide_edit_post(state, community(), AUTHOR, EditPost(text="Other"))[0]
    replaced = decisions.decide_edit_post(
        state, community(), AUTHOR, EditPost(text="Other", mentions=())
    )[0]

    assert isinstance(kept, PostEdited)
    assert isinstance(replaced, PostEdited)
    assert kept.content.mentions == ("member",)
    assert replaced.content.mentions == ()


def test_only_the_author_deletes_and_a_deleted_post_is_gone() -> None:
    state = published()

    with pytest.raises(NotAllowedError):
        decisions.decide_delete_post(state, community(), MANAGER)
    deleted = fold(state, decisions.decide_delete_post(state, community(), AUTHOR))

    assert deleted.deleted
    with pytest.raises(PostNotFoundError):
        decisions.decide_delete_post(deleted, community(), AUTHOR)


def test_managers_hide_and_restore_community_posts() -> None:
    state = published()

    hidden = fold(state, decisions.decide_hide_post(state, community(), MANAGER, "Off topic"))

    assert hidden.hidden
    assert decisions.decide_hide_post(hidden, community(), MANAGER, "again") == []
    assert types(decisions.decide_restore_post(hidden, community(), MANAGER)) == [PostRestored]
    assert decisions.decide_restore_post(state, community(), MANAGER) == []
    with pytest.raises(NotAllowedError):
        decisions.decide_hide_post(state, community(), MEMBER, "I dislike it")
    with pytest.raises(NotAllowedError):
        decisions.decide_hide_post(state, community(), ADMIN, "admins do not moderate communities")


def test_platform_admins_moderate_profile_posts() -> None:
    state = published(profile=True)

    assert types(decisions.decide_hide_post(state, None, ADMIN, "Spam")) == [PostHidden]
    with pytest.raises(NotAllowedError):
        decisions.decide_hide_post(state, None, MANAGER, "Spam")


def test_a_hidden_post_is_not_found_by_readers_and_closed_to_its_author() -> None:
    hidden = fold(published(), [PostHidden(moderator_id="manager", reason="spam")])

    with pytest.raises(PostNotFoundError):
        decisions.decide_set_reaction(hidden, community(), MEMBER, "like")
    with pytest.raises(PostHiddenError):
        decisions.decide_add_comment(hidden, community(), AUTHOR, AddComment("k1", "but why"))
    assert types(
        decisions.decide_edit_post(hidden, community(), AUTHOR, EditPost(text="Fixed"))
    ) == [PostEdited]


# --- reports and subscriptions -----------------------------------------------------------------


def test_a_report_is_stored_once_per_person_and_target() -> None:
    state = commented(published())

    first = decisions.decide_report(state, community(), MEMBER, Report("r1", "spam"))
    after = fold(state, first)
    again = decisions.decide_report(after, community(), MEMBER, Report("r2", "still spam"))
    on_comment = decisions.decide_report(after, community(), MEMBER, Report("r3", "rude", "k1"))
    other = decisions.decide_report(after, community(), MANAGER, Report("r4", "spam"))

    assert types(first) == [PostReported]
    assert after.report_of("member") == "r1"
    assert again == []
    assert types(on_comment) == [PostReported]
    assert types(other) == [PostReported]


def test_reports_need_a_readable_post_and_an_existing_comment() -> None:
    state = published(facts=community("closed"))

    with pytest.raises(PostNotFoundError):
        decisions.decide_report(state, community("closed"), OUTSIDER, Report("r1", "spam"))
    with pytest.raises(CommentNotFoundError):
        decisions.decide_report(state, community("closed"), MEMBER, Report("r1", "spam", "nope"))


def test_authors_and_commenters_follow_until_they_unsubscribe() -> None:
    state = commented(published())

    assert state.is_subscribed("author")
    assert state.is_subscribed("member")
    assert not state.is_subscribed("outsider")
    assert decisions.decide_subscribe(state, community(), AUTHOR) == []
    unsubscribed = fold(state, decisions.decide_unsubscribe(state, community(), AUTHOR))
    assert not unsubscribed.is_subscribed("author")
    assert decisions.decide_unsubscribe(unsubscribed, community(), AUTHOR) == []
    assert types(decisions.decide_subscribe(unsubscribed, community(), AUTHOR)) == [PostSubscribed]
    assert types(decisions.decide_subscribe(state, community(), OUTSIDER)) == [PostSubscribed]
    assert types(decisions.decide_unsubscribe(state, community(), MEMBER)) == [PostUnsubscribed]


# --- comments ----------------------------------------------------------------------------------


def test_replies_are_one_level_deep() -> None:
    state = commented(commented(published()), "k2", parent="k1")

    assert state.comments["k2"].parent_comment_id == "k1"
    with pytest.raises(InvalidCommentError):
        decisions.decide_add_comment(
            state, community(), MEMBER, AddComment("k3", "deep", parent_comment_id="k2")
        )
    with pytest.raises(CommentNotFoundError):
        decisions.decide_add_comment(
            state, community(), MEMBER, AddComment("k3", "?", parent_comment_id="zz")
        )


def test_a_comment_records_links_and_mentions() -> None:
    command = AddComment("k1", "See https://docs.example.com/x, @b", mentions=("b", "b"))

    event = decisions.decide_add_comment(published(), community(), MEMBER, command)[0]

    assert isinstance(event, CommentAdded)
    assert event.content.links == ("https://docs.example.com/x",)
    assert event.content.mentions == ("b",)


def test_only_the_comment_author_edits_or_deletes_it() -> None:
    state = commented(published())

    edited = decisions.decide_edit_comment(state, community(), MEMBER, EditComment("k1", "Better"))
    same = decisions.decide_edit_comment(state, community(), MEMBER, EditComment("k1", "An answer"))

    assert types(edited) == [CommentEdited]
    assert same == []
    assert types(decisions.decide_delete_comment(state, community(), MEMBER, "k1")) == [
        CommentDeleted
    ]
    with pytest.raises(NotAllowedError):
        decisions.decide_edit_comment(state, community(), AUTHOR, EditComment("k1", "Mine"))
    with pytest.raises(NotAllowedError):
        decisions.decide_delete_comment(state, community(), MANAGER, "k1")
    deleted = fold(state, [CommentDeleted(comment_id="k1")])
    with pytest.raises(CommentNotFoundError):
        decisions.decide_edit_comment(deleted, community(), MEMBER, EditComment("k1", "Back"))


def test_managers_hide_and_restore_comments() -> None:
    state = commented(published())

    hidden = fold(state, decisions.decide_hide_comment(state, community(), MANAGER, "k1", "rude"))

    assert hidden.comments["k1"].hidden
    assert decisions.decide_hide_comment(hidden, community(), MANAGER, "k1", "rude") == []
    assert types(decisions.decide_restore_comment(hidden, community(), MANAGER, "k1")) == [
        CommentRestored
    ]
    assert decisions.decide_restore_comment(state, community(), MANAGER, "k1") == []
    with pytest.raises(NotAllowedError):
        decisions.decide_hide_comment(state, community(), AUTHOR, "k1", "I can't")
    with pytest.raises(CommentHiddenError):
        decisions.decide_set_reaction(hidden, community(), AUTHOR, "like", "k1")


# --- reactions ---------------------------------------------------------------------------------


def test_a_reaction_is_set_changed_and_removed_once() -> None:
    state = commented(published())

    liked = fold(state, decisions.decide_set_reaction(state, community(), MEMBER, "like"))
    on_comment = fold(
        liked, decisions.decide_set_reaction(liked, community(), AUTHOR, "insightful", "k1")
    )

    assert liked.reaction_of("member") == "like"
    assert on_comment.reaction_of("author", "k1") == "insightful"
    assert decisions.decide_set_reaction(liked, community(), MEMBER, "like") == []
    assert types(decisions.decide_set_reaction(liked, community(), MEMBER, "celebrate")) == [
        ReactionSet
    ]
    assert types(decisions.decide_remove_reaction(liked, community(), MEMBER)) == [ReactionRemoved]
    assert decisions.decide_remove_reaction(state, community(), MEMBER) == []
    removed = fold(
        on_comment, decisions.decide_remove_reaction(on_comment, community(), AUTHOR, "k1")
    )
    assert removed.reaction_of("author", "k1") is None
    with pytest.raises(CommentNotFoundError):
        decisions.decide_set_reaction(state, community(), MEMBER, "like", "missing")


# --- accepted answers --------------------------------------------------------------------------


def test_the_asker_or_a_manager_accepts_changes_and_withdraws_the_answer() -> None:
    state = commented(commented(published("question")), "k2", by=MANAGER)

    accepted = decisions.decide_accept_answer(state, community(), AUTHOR, "k1")
    first = fold(state, accepted)
    changed = decisions.decide_accept_answer(first, community(), MANAGER, "k2")
    second = fold(first, changed)

    assert isinstance(accepted[0], AnswerAccepted)
    assert accepted[0].answer_author_id == "member"
    assert accepted[0].accepted_by == "author"
    assert first.accepted_comment_id == "k1"
    assert types(changed) == [AnswerAccepted]
    assert second.accepted_comment_id == "k2"
    assert decisions.decide_accept_answer(second, community(), AUTHOR, "k2") == []
    unaccepted = decisions.decide_unaccept_answer(second, community(), AUTHOR)
    assert types(unaccepted) == [AnswerUnaccepted]
    assert fold(second, unaccepted).accepted_comment_id is None
    assert decisions.decide_unaccept_answer(state, community(), AUTHOR) == []


def test_accepting_an_answer_has_rules() -> None:
    question = commented(published("question"))
    hidden = fold(question, [CommentHidden(comment_id="k1", moderator_id="manager", reason="x")])
    deleted = fold(question, [CommentDeleted(comment_id="k1")])

    with pytest.raises(NotAllowedError):
        decisions.decide_accept_answer(question, community(), MEMBER, "k1")
    with pytest.raises(NotAQuestionError):
        decisions.decide_accept_answer(commented(published()), community(), AUTHOR, "k1")
    with pytest.raises(CommentHiddenError):
        decisions.decide_accept_answer(hidden, community(), AUTHOR, "k1")
    with pytest.raises(CommentNotFoundError):
        decisions.decide_accept_answer(deleted, community(), AUTHOR, "k1")
    with pytest.raises(NotAllowedError):
        decisions.decide_unaccept_answer(question, community(), MEMBER)


def test_deleting_or_hiding_the_accepted_answer_withdraws_it() -> None:
    question = commented(published("question"))
    accepted = fold(question, decisions.decide_accept_answer(question, community(), AUTHOR, "k1"))

    deleted = decisions.decide_delete_comment(accepted, community(), MEMBER, "k1")
    hidden = decisions.decide_hide_comment(accepted, community(), MANAGER, "k1", "rude")

    assert types(deleted) == [AnswerUnaccepted, CommentDeleted]
    assert types(hidden) == [AnswerUnaccepted, CommentHidden]
    assert fold(accepted, deleted).accepted_comment_id is None


# --- polls -------------------------------------------------------------------------------------


def test_a_vote_is_counted_changed_and_refused_once_closed() -> None:
    state = published("poll")

    voted = fold(state, decisions.decide_vote(state, community(), MEMBER, "o1", NOW))

    assert voted.votes == {"member": "o1"}
    assert decisions.decide_vote(voted, community(), MEMBER, "o1", NOW) == []
    assert types(decisions.decide_vote(voted, community(), MEMBER, "o2", NOW)) == [PollVoted]
    with pytest.raises(PollClosedError):
        decisions.decide_vote(voted, community(), MEMBER, "o2", NOW + timedelta(days=2))
    with pytest.raises(UnknownPollOptionError):
        decisions.decide_vote(voted, community(), MEMBER, "o9", NOW)
    with pytest.raises(NotAPollError):
        decisions.decide_vote(published(), community(), MEMBER, "o1", NOW)


# --- sharing -----------------------------------------------------------------------------------


def share(
    source: PostState,
    source_facts: CommunityFacts | None,
    place: PlaceRef,
    target_facts: CommunityFacts | None,
    actor: Actor = MEMBER,
) -> list[DomainEvent]:
    return decisions.decide_share(
        POSTS.initial_state(),
        source=source,
        source_community=source_facts,
        target_community=target_facts,
        actor=actor,
        command=SharePost(post_id="s1", place=place, text="Worth reading"),
    )


def test_an_open_post_is_shared_anywhere_as_a_new_post() -> None:
    source = published()
    events = share(source, community(), PlaceRef("profile", "member"), None)

    assert types(events) == [PostPublished]
    event = events[0]
    assert isinstance(event, PostPublished)
    assert event.shared_post_id == "p1"
    assert event.kind == "post"
    assert event.author_id == "member"
    assert event.place.kind == "profile"
    other = community(community_id="c2")
    assert types(share(source, community(), PlaceRef("community", "c2"), other)) == [PostPublished]


@pytest.mark.parametrize("visibility", ["closed", "secret"])
def test_a_closed_or_secret_post_is_shared_only_inside_its_community(visibility: str) -> None:
    facts = community(visibility)
    source = published(facts=facts)

    inside = share(source, facts, PlaceRef("community", "c1"), facts)

    assert isinstance(inside[0], PostPublished)
    assert inside[0].place.visibility == visibility
    with pytest.raises(ShareRestrictedError):
        share(source, facts, PlaceRef("profile", "member"), None)
    with pytest.raises(ShareRestrictedError):
        share(source, facts, PlaceRef("community", "c2"), community(community_id="c2"))
    with pytest.raises(PostNotFoundError):
        share(source, facts, PlaceRef("profile", "outsider"), None, actor=OUTSIDER)


def test_a_deleted_or_hidden_post_is_not_shared() -> None:
    deleted = fold(published(), [PostDeleted()])
    hidden = fold(published(), [PostHidden(moderator_id="manager", reason="spam")])

    with pytest.raises(PostNotFoundError):
        share(deleted, community(), PlaceRef("profile", "member"), None)
    with pytest.raises(PostNotFoundError):
        share(hidden, community(), PlaceRef("profile", "member"), None)
    with pytest.raises(PostHiddenError):
        share(hidden, community(), PlaceRef("profile", "author"), None, actor=AUTHOR)


def test_sharing_into_a_community_needs_membership() -> None:
    with pytest.raises(NotAMemberError):
        share(published(), community(), PlaceRef("community", "c1"), community(), actor=OUTSIDER)


# --- inbox -------------------------------------------------------------------------------------


def test_preferences_store_a_change_only() -> None:
    empty = INBOXES.initial_state()

    events = decisions.decide_set_preferences(empty, ["reaction", "praise", "reaction"])
    state = fold_inbox(empty, events)

    assert types(events) == [NotificationPreferencesSet]
    assert state.disabled_kinds == {"reaction", "praise"}
    assert decisions.decide_set_preferences(state, ["praise", "reaction"]) == []
    assert decisions.decide_set_preferences(empty, []) == []


def test_muting_a_known_community_is_stored_once() -> None:
    empty = INBOXES.initial_state()

    muted = fold_inbox(empty, decisions.decide_mute(empty, community(), MEMBER, "c1"))

    assert muted.muted_communities == {"c1"}
    assert decisions.decide_mute(muted, community(), MEMBER, "c1") == []
    assert types(decisions.decide_unmute(muted, "c1")) == [CommunityUnmuted]
    assert decisions.decide_unmute(empty, "c1") == []
    assert types(decisions.decide_mute(empty, community("closed"), OUTSIDER, "c1")) == [
        CommunityMuted
    ]
    with pytest.raises(CommunityNotFoundError):
        decisions.decide_mute(empty, community("secret"), OUTSIDER, "c1")
    with pytest.raises(CommunityNotFoundError):
        decisions.decide_mute(empty, None, MEMBER, "c1")


def test_read_marks_name_ids_or_a_time_never_beyond_now() -> None:
    empty = INBOXES.initial_state()

    by_ids = decisions.decide_mark_read(empty, ["n1", "n1", "n2"], None, NOW)
    by_time = decisions.decide_mark_read(empty, [], NOW + timedelta(days=1), NOW)

    assert by_ids == [NotificationsRead(notification_ids=("n1", "n2"))]
    assert by_time == [NotificationsRead(up_to=NOW)]
    with pytest.raises(InvalidReadMarkError):
        decisions.decide_mark_read(empty, [], None, NOW)
    with pytest.raises(InvalidReadMarkError):
        decisions.decide_mark_read(empty, ["n1"], NOW, NOW)
    with pytest.raises(InvalidReadMarkError):
        decisions.decide_mark_read(empty, [f"n{i}" for i in range(201)], None, NOW)


# --- folding -----------------------------------------------------------------------------------


def test_the_state_survives_a_snapshot_round_trip() -> None:
    state = commented(commented(published("question")), "k2", parent="k1")
    state = fold(state, decisions.decide_set_reaction(state, community(), MEMBER, "support", "k2"))
    state = fold(state, decisions.decide_report(state, community(), MEMBER, Report("r1", "x")))
    inbox = fold_inbox(INBOXES.initial_state(), [CommunityMuted(community_id="c1")])

    assert PostState.model_validate_json(state.model_dump_json()) == state
    assert InboxState.model_validate_json(inbox.model_dump_json()) == inbox


def test_an_inbox_stream_takes_any_person_id() -> None:
    assert inbox_key("alice") == "alice"
    assert inbox_key("chloe.martin") == "chloe:2emartin"
    assert inbox_key("a:b@c") == "a:3ab:40c"
    assert inbox_key("é") == ":c3:a9"
    long_key = inbox_key("." * 100)
    assert long_key.startswith("sha256:")
    for key in ("chloe:2emartin", long_key):
        assert is_valid_stream_id(f"inbox-{key}")
