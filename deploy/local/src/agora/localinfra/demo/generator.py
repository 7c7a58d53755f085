"""Generates the demo organisation: the same for the same seed and anchor, with no I/O.

People (hierarchy, skills, topics, follows, endorsements), communities (members, managers,
pending requests, invitations) and 90 days of content before ``anchor``: posts, questions,
praise, polls, work-item threads, comments with replies, reactions, votes, accepted answers and
shares. People, communities and content are referred to by stable keys (``elodie.lefevre``,
``kubernetes``, ``p0042``, ``p0042.c3``); the loader maps them to the ids the services assign.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta

from agora.localinfra.demo import data

SEED = 20261123
HISTORY_DAYS = 90
REGISTRATION_SPREAD_DAYS = 600
"""People joined the network (the one migrated from) up to this many days before the history."""
PEOPLE = 300
REACTIONS = ("like", "celebrate", "insightful", "support")
REACTION_WEIGHTS = (55, 12, 22, 11)
# Volumes, sized so that the whole load takes about three minutes on a two-core machine (the
# feed's read side, which fans every post out to its readers, is the slowest part).
COMMUNITY_SIZE = 0.6
"""Members of a community, as a share of its nominal size in ``data.COMMUNITIES``."""
POSTS_PER_MEMBER = 1.3
"""Community posts per member (times the community's activity)."""
PROFILE_POSTS_PER_PERSON = 0.4
THREADS_PER_TICKET = 1.5
"""Work-item threads per ticket title of a community's ticketing project."""
SHARES = 30


@dataclass(frozen=True)
class Person:
    """One employee as HR provisions them, and what they add to their profile."""

    key: str
    display_name: str
    email: str
    job_title: str
    department: str
    location: str
    languages: tuple[str, ...]
    start_date: date
    registered_on: date
    """When they joined the network (before the imported history): a migrated account."""
    level: int
    """0: the CEO, 1: department heads, 2: managers, 3: everyone else (provisioning order)."""
    manager: str | None
    bio: str | None
    skills: tuple[tuple[str, int], ...]
    interests: tuple[str, ...]
    help_topics: tuple[str, ...]
    follows: tuple[str, ...]


@dataclass(frozen=True)
class Endorsement:
    """``endorser`` endorses ``person``'s ``skill``."""

    endorser: str
    person: str
    skill: str


@dataclass(frozen=True)
class Community:
    """A community and how its members came in."""

    key: str
    name: str
    description: str
    tags: tuple[str, ...]
    kind: str
    visibility: str
    end_in_days: int | None
    owner: str
    managers: tuple[str, ...]
    """Members the owner promotes to manager."""
    members: tuple[str, ...]
    """Members besides the owner: they join (open), are approved (closed) or accept an
    invitation (secret)."""
    pending: tuple[str, ...]
    """People whose join request stays pending."""
    charter: str | None
    finished: bool


@dataclass(frozen=True)
class Comment:
    """A comment or a reply, with its reactions."""

    key: str
    author: str
    text: str
    at: datetime
    parent: str | None = None
    mentions: tuple[str, ...] = ()
    reactions: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class WorkItem:
    """An item of the pretend ticketing tool."""

    system: str
    item_id: str
    title: str
    url: str


@dataclass(frozen=True)
class Share:
    """``person`` shares the post onto their profile (or into a community)."""

    key: str
    person: str
    community: str | None
    text: str
    at: datetime


@dataclass(frozen=True)
class Post:
    """A post of any kind and everything that happens around it."""

    key: str
    author: str
    community: str | None
    """``None``: the author's profile."""
    kind: str
    text: str
    at: datetime
    tags: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()
    work_item: WorkItem | None = None
    praised: tuple[str, ...] = ()
    praise_skill: str | None = None
    poll_options: tuple[str, ...] = ()
    poll_closes_at: datetime | None = None
    poll_results: str = "always"
    comments: tuple[Comment, ...] = ()
    reactions: tuple[tuple[str, str], ...] = ()
    votes: tuple[tuple[str, str], ...] = ()
    accepted: str | None = None
    """The key of the comment the asker accepts as the answer."""
    shares: tuple[Share, ...] = ()


@dataclass(frozen=True)
class DemoOrganisation:
    """Everything the demo loads, in loading order within each list."""

    seed: int
    anchor: datetime
    people: tuple[Person, ...]
    endorsements: tuple[Endorsement, ...]
    communities: tuple[Community, ...]
    posts: tuple[Post, ...]
    """Oldest first; the last one is the welcome post, published last (the "loaded" mark)."""

    def person(self, key: str) -> Person:
        """The person with this key."""
        return next(person for person in self.people if person.key == key)


def handle(display_name: str) -> str:
    """``Élodie Lefèvre`` → ``elodie.lefevre``; ``Siobhan O'Brien`` → ``siobhan.obrien``."""
    decomposed = unicodedata.normalize("NFKD", display_name)
    ascii_name = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    first, _, last = ascii_name.partition(" ")
    return ".".join(re.sub(r"[^a-z0-9-]", "", part) for part in (first, last))


def generate(
    *, seed: int = SEED, anchor: datetime, people: int = PEOPLE, scale: float = 1.0
) -> DemoOrganisation:
    """The demo organisation for ``seed``, with its history in the 90 days before ``anchor``.

    ``scale`` multiplies the amount of content (posts and what happens around them).
    """
    return _Generator(seed, anchor.astimezone(UTC), people, scale).run()


def welcome(anchor: datetime) -> Post:
    """The CEO's welcome post, published (now) after everything else."""
    return Post(
        key="welcome",
        author=data.CEO,
        community=None,
        kind="post",
        text=data.WELCOME,
        at=anchor,
        tags=("bienvenue", "welcome"),
    )


@dataclass
class _Generator:
    seed: int
    anchor: datetime
    size: int
    scale: float
    rng: random.Random = field(init=False)
    people: dict[str, Person] = field(default_factory=dict)
    activity: dict[str, float] = field(default_factory=dict)
    members: dict[str, list[str]] = field(default_factory=dict)
    """Community key → everyone in it (owner first)."""
    post_count: int = 0

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)  # noqa: S311 - demo data, not secrets

    def run(self) -> DemoOrganisation:
        people = self._people()
        self.people = {person.key: person for person in people}
        self.activity = {p.key: self.rng.paretovariate(1.6) for p in people}
        endorsements = self._endorsements(people)
        communities = [self._community(spec) for spec in data.COMMUNITIES]
        posts = self._posts(communities)
        return DemoOrganisation(
            seed=self.seed,
            anchor=self.anchor,
            people=tuple(people),
            endorsements=tuple(endorsements),
            communities=tuple(communities),
            posts=tuple(posts),
        )

    # --- people ----------------------------------------------------------------------------

    def _people(self) -> list[Person]:
        rng = self.rng
        taken_names = {name for _, name, *_ in data.NAMED_PEOPLE}
        keys: set[str] = set()
        drafts: list[dict[str, object]] = []
        for key, name, home, title, location, level in data.NAMED_PEOPLE:
            keys.add(key)
            drafts.append(
                {"key": key, "name": name, "department": home, "title": title}
                | {"location": location, "level": level, "english": "O'" in name}
            )
        total_sizes = sum(d.size for d in data.DEPARTMENTS)
        for department in data.DEPARTMENTS:
            wanted = round(department.size * self.size / total_sizes)
            present = [d for d in drafts if d["department"] == department.key]
            has_head = any(d["level"] in (0, 1) for d in present)
            managers = max(0, (wanted - 1) // 9) if wanted >= 14 else 0
            for _ in range(wanted - len(present)):
                english = rng.random() < 0.3
                name = self._new_name(english, taken_names)
                key = handle(name)
                suffix = 2
                while key in keys:
                    key, suffix = f"{handle(name)}{suffix}", suffix + 1
                keys.add(key)
                if not has_head:
                    level, title, has_head = 1, department.head_title, True
                elif managers > 0 and department.key != "direction":
                    level, title = 2, department.manager_title
                    managers -= 1
                else:
                    level, title = 3, rng.choice(department.titles)
                if department.key == "direction" and level > 1:
                    level = 1
                drafts.append(
                    {"key": key, "name": name, "department": department.key, "title": title}
                    | {"location": self._location(english), "level": level, "english": english}
                )
        drafts.sort(key=lambda d: (int(str(d["level"])), str(d["department"]), str(d["key"])))
        return self._finish_people(drafts)

    def _new_name(self, english: bool, taken: set[str]) -> str:
        rng = self.rng
        firsts = data.ENGLISH_FIRST_NAMES if english else data.FRENCH_FIRST_NAMES
        lasts = data.ENGLISH_LAST_NAMES if english else data.FRENCH_LAST_NAMES
        while True:
            name = f"{rng.choice(firsts)} {rng.choice(lasts)}"
            if name not in taken:
                taken.add(name)
                return name

    def _location(self, english: bool) -> str:
        if self.rng.random() < 0.04:
            return data.REMOTE
        places = data.LOCATIONS_EN if english else data.LOCATIONS_FR
        return self.rng.choices([p for p, _ in places], [w for _, w in places])[0]

    def _finish_people(self, drafts: list[dict[str, object]]) -> list[Person]:
        rng = self.rng
        departments = {d.key: d for d in data.DEPARTMENTS}
        by_department: dict[str, list[dict[str, object]]] = {}
        for draft in drafts:
            by_department.setdefault(str(draft["department"]), []).append(draft)
        ceo = data.CEO
        people: list[Person] = []
        for draft in drafts:
            key, department = str(draft["key"]), departments[str(draft["department"])]
            level = int(str(draft["level"]))
            colleagues = by_department[department.key]
            manager = self._manager_of(key, level, colleagues, ceo)
            skills = self._skills(key, department, level)
            english = bool(draft["english"])
            people.append(
                Person(
                    key=key,
                    display_name=str(draft["name"]),
                    email=f"{key}@{data.EMAIL_DOMAIN}",
                    job_title=str(draft["title"]),
                    department=department.name,
                    location=str(draft["location"]),
                    languages=self._languages(english),
                    start_date=(start_date := self._start_date(level)),
                    registered_on=self._registered_on(key, start_date),
                    level=level,
                    manager=manager,
                    bio=self._bio(english, str(draft["location"]), skills),
                    skills=skills,
                    interests=tuple(rng.sample(data.INTERESTS, rng.choice((0, 0, 1, 2)))),
                    help_topics=self._help_topics(key, department),
                    follows=(),
                )
            )
        return self._with_follows(people)

    def _manager_of(
        self, key: str, level: int, colleagues: list[dict[str, object]], ceo: str
    ) -> str | None:
        if level == 0:
            return None
        if level == 1:
            return ceo
        heads = [str(c["key"]) for c in colleagues if c["level"] in (0, 1)]
        if level == 2:
            return heads[0]
        managers = sorted(str(c["key"]) for c in colleagues if c["level"] == 2)
        if not managers:
            return heads[0]
        return managers[sum(map(ord, key)) % len(managers)]

    def _skills(
        self, key: str, department: data.Department, level: int
    ) -> tuple[tuple[str, int], ...]:
        if key == data.PERSONA:
            return (("kubernetes", 4), ("observabilité", 3), ("terraform", 3), ("python", 2))
        rng = self.rng
        chosen = rng.sample(department.skills, min(len(department.skills), rng.choice((1, 2, 3))))
        if rng.random() < 0.15:
            chosen.append(rng.choice(("anglais", "gestion de projet", "excel", "management")))
        senior = 1 if level <= 2 else 0
        return tuple(
            (skill, min(4, rng.choices((1, 2, 3, 4), (15, 35, 35, 15))[0] + senior))
            for skill in dict.fromkeys(chosen)
        )

    def _help_topics(self, key: str, department: data.Department) -> tuple[str, ...]:
        if key == data.PERSONA:
            return ("kubernetes", "astreinte", "observabilité")
        if self.rng.random() < 0.65:
            return ()
        return tuple(self.rng.sample(department.help_topics, self.rng.choice((1, 1, 2))))

    def _languages(self, english: bool) -> tuple[str, ...]:
        if english:
            return ("en", "fr") if self.rng.random() < 0.4 else ("en",)
        return ("fr", "en") if self.rng.random() < 0.8 else ("fr",)

    def _registered_on(self, key: str, start_date: date) -> date:
        """A day before the history window, not before they were hired; drawn from a generator
        of its own so the rest of the organisation is the same as without it."""
        rng = random.Random(f"{self.seed}:{key}:registered")  # noqa: S311 - demo data
        history_starts = self.anchor.date() - timedelta(days=HISTORY_DAYS)
        drawn = history_starts - timedelta(days=rng.randrange(REGISTRATION_SPREAD_DAYS))
        return min(history_starts, max(start_date, drawn))

    def _start_date(self, level: int) -> date:
        first = date(2012, 1, 2) if level <= 1 else date(2015, 1, 5)
        span = (date(2026, 6, 29) - first).days
        return first + timedelta(days=self.rng.randrange(span))

    def _bio(self, english: bool, city: str, skills: Sequence[tuple[str, int]]) -> str | None:
        rng = self.rng
        if rng.random() > 0.25 or not skills:
            return None
        template = rng.choice(data.BIOS_EN if english else data.BIOS_FR)
        return template.format(
            year=rng.randrange(2013, 2026),
            city=city,
            skill=skills[0][0],
            previous=rng.choice(data.PREVIOUS_EMPLOYERS),
        )

    def _with_follows(self, people: list[Person]) -> list[Person]:
        rng = self.rng
        keys = [p.key for p in people]
        by_department: dict[str, list[str]] = {}
        for person in people:
            by_department.setdefault(person.department, []).append(person.key)
        named = [key for key, *_ in data.NAMED_PEOPLE]
        result = []
        for person in people:
            wanted: list[str] = []
            if person.manager:
                wanted.append(person.manager)
            team = [k for k in by_department[person.department] if k != person.key]
            wanted += rng.sample(team, min(len(team), rng.choice((1, 1, 2, 3))))
            wanted += rng.sample(keys, rng.choice((0, 0, 1)))
            if rng.random() < 0.25:
                wanted.append(data.CEO)
            if rng.random() < 0.15:
                wanted.append(rng.choice(named))
            if person.key == data.PERSONA:
                wanted += [k for k in named if k != person.key] + team[:8]
            follows = tuple(k for k in dict.fromkeys(wanted) if k != person.key)
            result.append(replace(person, follows=follows))
        return result

    def _endorsements(self, people: list[Person]) -> list[Endorsement]:
        rng = self.rng
        by_department: dict[str, list[Person]] = {}
        for person in people:
            by_department.setdefault(person.department, []).append(person)
        seen: set[tuple[str, str, str]] = set()
        result = []
        for person in people:
            if not person.skills:
                continue
            colleagues = [p.key for p in by_department[person.department] if p.key != person.key]
            count = rng.choice((0, 0, 0, 1, 1, 2))
            if person.key == data.PERSONA:
                count = 8
            for _ in range(count):
                skill = rng.choice(person.skills)[0]
                endorser = rng.choice(colleagues + list(person.follows))
                item = (endorser, person.key, skill)
                if endorser != person.key and item not in seen:
                    seen.add(item)
                    result.append(Endorsement(endorser, person.key, skill))
        return result

    # --- communities -----------------------------------------------------------------------

    def _community(self, spec: data.CommunitySpec) -> Community:
        rng = self.rng
        everyone = list(self.people.values())
        names = {d.key: d.name for d in data.DEPARTMENTS}
        wanted_departments = {names[key] for key in spec.departments}
        inside = [
            p for p in everyone if not wanted_departments or p.department in wanted_departments
        ]
        owner = spec.owner or min(inside, key=lambda p: (p.level, p.key)).key
        candidates = [p.key for p in inside if p.key != owner]
        rng.shuffle(candidates)
        count = min(round(spec.size * COMMUNITY_SIZE) - 1, len(candidates))
        members = candidates[:count]
        if wanted_departments and spec.visibility == "open":
            outside = [p.key for p in everyone if p.department not in wanted_departments]
            guests = max(1, round(spec.size * COMMUNITY_SIZE) // 7)
            members += rng.sample(outside, min(len(outside), guests))
        if spec.key in _PERSONA_COMMUNITIES and owner != data.PERSONA:
            members.append(data.PERSONA)
        members = [m for m in dict.fromkeys(members) if m != owner]
        others = [p.key for p in everyone if p.key != owner and p.key not in members]
        pending = tuple(rng.sample(others, min(spec.pending, len(others))))
        managers = tuple(rng.sample(members, min(len(members), 1 + spec.size // 40)))
        self.members[spec.key] = [owner, *members]
        return Community(
            key=spec.key,
            name=spec.name,
            description=spec.description,
            tags=spec.tags,
            kind=spec.kind,
            visibility=spec.visibility,
            end_in_days=spec.end_in_days,
            owner=owner,
            managers=managers,
            members=tuple(members),
            pending=pending,
            charter=spec.charter,
            finished=spec.finished,
        )

    # --- content ---------------------------------------------------------------------------

    def _posts(self, communities: list[Community]) -> list[Post]:
        specs = {spec.key: spec for spec in data.COMMUNITIES}
        posts: list[Post] = []
        for community in communities:
            spec = specs[community.key]
            per_member = spec.activity * POSTS_PER_MEMBER * self.scale
            for _ in range(round(len(self.members[community.key]) * per_member)):
                posts.append(self._community_post(community, spec))
            if spec.tickets:
                threads = len(data.TICKETS[spec.tickets]) * THREADS_PER_TICKET * self.scale
                for index in range(round(threads)):
                    posts.append(self._work_item_post(community, spec.tickets, index))
        for _ in range(round(len(self.people) * PROFILE_POSTS_PER_PERSON * self.scale)):
            posts.append(self._profile_post())
        posts.sort(key=lambda post: (post.at, post.key))
        posts = self._with_shares(posts, communities)
        return [*posts, welcome(self.anchor)]

    def _next_key(self) -> str:
        self.post_count += 1
        return f"p{self.post_count:04d}"

    def _author(self, pool: Sequence[str]) -> str:
        return self.rng.choices(pool, [self.activity[key] for key in pool])[0]

    def _moment(self, *, oldest: int = HISTORY_DAYS - 1, newest: int = 0) -> datetime:
        """A working-hours time ``newest`` to ``oldest`` days before the anchor, recent days
        more likely, weekends rare, and at least half an hour before the anchor."""
        rng = self.rng
        midnight = datetime.combine(self.anchor.date(), time(), tzinfo=UTC)
        days = list(range(newest, oldest + 1))
        weights = [1.0 + (oldest - day) / max(1, oldest) for day in days]
        while True:
            day = rng.choices(days, weights)[0]
            moment = midnight - timedelta(days=day)
            if moment.weekday() >= 5 and rng.random() > 0.15:
                continue
            moment += timedelta(hours=rng.triangular(6.5, 18.5, 12.5))
            moment = moment.replace(second=rng.randrange(60), microsecond=0)
            if moment <= self.anchor - timedelta(minutes=30):
                return moment

    def _later(self, after: datetime, *, most_hours: float = 48) -> datetime:
        """A time a little after ``after`` (a reply), still before the anchor."""
        rng = self.rng
        delay = timedelta(minutes=min(most_hours * 60, rng.expovariate(1 / 240) + 3))
        latest = self.anchor - timedelta(minutes=5)
        moment = min(after + delay, latest)
        if moment <= after:
            moment = after + timedelta(seconds=30)
        return moment.replace(microsecond=0)

    def _fill(self, template: str, pool: Sequence[str], author: str) -> tuple[str, tuple[str, ...]]:
        """A template with its placeholders filled, and the people it mentions."""
        rng = self.rng
        mentions: tuple[str, ...] = ()
        french = _looks_french(template)
        values = {
            "service": rng.choice(data.SERVICES_FR if french else data.SERVICES_EN),
            "n": str(rng.randrange(2, 40)),
            "pct": str(rng.randrange(8, 97)),
            "version": f"{rng.randrange(1, 6)}.{rng.randrange(0, 20)}",
            "day": rng.choice(data.DAYS_FR if french else data.DAYS_EN),
            "city": rng.choice(data.CITIES),
            "team": self.people[author].department,
            "skill": (self.people[author].skills or (("gestion de projet", 1),))[0][0],
            "person": "",
        }
        if "{person}" in template:
            others = [key for key in pool if key != author] or [data.CEO]
            mentioned = rng.choice(others)
            values["person"] = f"@{self.people[mentioned].display_name}"
            mentions = (mentioned,)
        return template.format(**values), mentions

    def _community_post(self, community: Community, spec: data.CommunitySpec) -> Post:
        rng = self.rng
        theme = data.THEMES[spec.theme]
        pool = self.members[community.key]
        author = self._author(pool)
        oldest, newest = (HISTORY_DAYS - 1, 25) if spec.finished else (HISTORY_DAYS - 1, 0)
        at = self._moment(oldest=oldest, newest=newest)
        key = self._next_key()
        roll = rng.random()
        if roll < 0.24 and theme.questions:
            return self._question(
                key=key, author=author, community=community.key, theme=theme, pool=pool, at=at
            )
        if roll < 0.30 and theme.polls:
            poll = rng.choice(theme.polls)
            return self._conversation(
                Post(
                    key=key,
                    author=author,
                    community=community.key,
                    kind="poll",
                    text=poll.text,
                    at=at,
                    tags=poll.tags,
                    poll_options=poll.options,
                    poll_closes_at=self.anchor + timedelta(days=rng.randrange(5, 40)),
                    poll_results=rng.choice(("always", "always", "after_voting")),
                    votes=tuple(
                        (voter, f"o{rng.randrange(1, len(poll.options) + 1)}")
                        for voter in rng.sample(pool, min(len(pool), rng.randrange(3, 13)))
                    ),
                ),
                pool,
                comments=rng.choice((0, 0, 1, 2)),
            )
        if roll < 0.38:
            return self._praise(key, author, community.key, pool, at)
        template, tags = rng.choice(theme.posts)
        text, mentions = self._fill(template, pool, author)
        return self._conversation(
            Post(
                key=key,
                author=author,
                community=community.key,
                kind="post",
                text=text,
                at=at,
                tags=tags,
                mentions=mentions,
            ),
            pool,
            comments=rng.choices((0, 1, 2, 3, 4), (38, 30, 17, 10, 5))[0],
        )

    def _question(
        self,
        *,
        key: str,
        author: str,
        community: str | None,
        theme: data.Theme,
        pool: Sequence[str],
        at: datetime,
    ) -> Post:
        rng = self.rng
        question = rng.choice(theme.questions)
        text, mentions = self._fill(question.text, pool, author)
        recent = at > self.anchor - timedelta(days=20)
        unanswered = recent and rng.random() < 0.5
        count = 0 if unanswered else rng.randrange(1, len(question.answers) + 2)
        answerers = [p for p in pool if p != author]
        comments: list[Comment] = []
        moment = at
        for index in range(min(count, len(answerers))):
            moment = self._later(moment, most_hours=30)
            text_of = (
                question.answers[index]
                if index < len(question.answers)
                else rng.choice(data.COMMENTS)
            )
            comments.append(
                Comment(
                    key=f"{key}.c{index + 1}",
                    author=self._author(answerers),
                    text=text_of,
                    at=moment,
                    reactions=self._reactions(answerers, exclude=None, most=2, chance=0.3),
                )
            )
        accepted = None
        if comments and comments[0].author != author and rng.random() < (0.4 if recent else 0.75):
            accepted = comments[0].key
        post = Post(
            key=key,
            author=author,
            community=community,
            kind="question",
            text=text,
            at=at,
            tags=question.tags,
            mentions=mentions,
            comments=tuple(comments),
            accepted=accepted,
        )
        return replace(post, reactions=self._reactions(pool, exclude=author, most=4))

    def _praise(
        self, key: str, author: str, community: str | None, pool: Sequence[str], at: datetime
    ) -> Post:
        rng = self.rng
        candidates = [p for p in pool if p != author]
        praised = tuple(rng.sample(candidates, min(len(candidates), rng.choice((1, 1, 1, 2)))))
        names = " et ".join(f"@{self.people[p].display_name}" for p in praised)
        text = rng.choice(data.PRAISE).format(names=names, what=rng.choice(data.PRAISE_WHAT))
        skills = self.people[praised[0]].skills
        skill = rng.choice(skills)[0] if skills and rng.random() < 0.75 else None
        post = Post(
            key=key,
            author=author,
            community=community,
            kind="praise",
            text=text,
            at=at,
            tags=("merci",),
            mentions=praised,
            praised=praised,
            praise_skill=skill,
        )
        return self._conversation(post, pool, comments=rng.choice((0, 1, 1, 2, 3)))

    def _work_item_post(self, community: Community, prefix: str, index: int) -> Post:
        rng = self.rng
        title, detail = data.TICKETS[prefix][index % len(data.TICKETS[prefix])]
        number = 1000 + rng.randrange(1, 999) * 10 + index % 10
        item_id = f"{prefix}-{number}"
        pool = self.members[community.key]
        author = self._author(pool)
        at = self._moment()
        key = self._next_key()
        comments: list[Comment] = []
        moment = at
        for index_ in range(rng.randrange(2, 6)):
            moment = self._later(moment, most_hours=20)
            comments.append(
                Comment(
                    key=f"{key}.c{index_ + 1}",
                    author=self._author(pool),
                    text=data.TICKET_COMMENTS[
                        (index_ + rng.randrange(3)) % len(data.TICKET_COMMENTS)
                    ],
                    at=moment,
                )
            )
        return Post(
            key=key,
            author=author,
            community=community.key,
            kind="post",
            text=f"{item_id} — {title}. {detail}",
            at=at,
            tags=(prefix.lower(),),
            work_item=WorkItem(
                system="tickets", item_id=item_id, title=title, url=f"{data.TICKETS_URL}{item_id}"
            ),
            comments=tuple(comments),
            reactions=self._reactions(pool, exclude=author, most=2),
        )

    def _profile_post(self) -> Post:
        rng = self.rng
        everyone = list(self.people)
        author = self._author(everyone)
        person = self.people[author]
        audience = [*person.follows, *(p for p in everyone if author in self.people[p].follows)]
        audience = list(dict.fromkeys(audience)) or everyone[:10]
        at = self._moment()
        key = self._next_key()
        department = next(d for d in data.DEPARTMENTS if d.name == person.department)
        theme = data.THEMES[department.theme]
        roll = rng.random()
        if roll < 0.2:
            return self._praise(key, author, None, audience, at)
        if roll < 0.3:
            return self._question(
                key=key, author=author, community=None, theme=theme, pool=audience, at=at
            )
        template, tags = rng.choice(data.PROFILE_POSTS if roll < 0.7 else theme.posts)
        text, mentions = self._fill(template, audience, author)
        post = Post(
            key=key,
            author=author,
            community=None,
            kind="post",
            text=text,
            at=at,
            tags=tags,
            mentions=mentions,
        )
        return self._conversation(post, audience, comments=rng.choice((0, 0, 1, 1, 2)))

    def _conversation(self, post: Post, pool: Sequence[str], *, comments: int) -> Post:
        """The post with ``comments`` comments (some with replies) and reactions."""
        rng = self.rng
        added: list[Comment] = []
        moment = post.at
        people = [p for p in pool if p != post.author] or [data.CEO]
        for _ in range(comments):
            moment = self._later(moment)
            author = self._author(people)
            comment = Comment(
                key=f"{post.key}.c{len(added) + 1}",
                author=author,
                text=rng.choice(data.COMMENTS),
                at=moment,
                reactions=self._reactions(pool, exclude=author, most=2, chance=0.2),
            )
            added.append(comment)
            if rng.random() < 0.2:
                reply_at = self._later(moment, most_hours=6)
                added.append(
                    Comment(
                        key=f"{post.key}.c{len(added) + 1}",
                        author=post.author if rng.random() < 0.6 else self._author(people),
                        text=rng.choice(data.REPLIES),
                        at=reply_at,
                        parent=comment.key,
                    )
                )
        added.sort(key=lambda c: (c.at, c.key))
        most = 8 if post.kind == "praise" else 5
        return replace(
            post,
            comments=tuple(added),
            reactions=self._reactions(
                pool, exclude=post.author, most=most, praise=post.kind == "praise"
            ),
        )

    def _reactions(
        self,
        pool: Sequence[str],
        *,
        exclude: str | None,
        most: int,
        chance: float = 0.75,
        praise: bool = False,
    ) -> tuple[tuple[str, str], ...]:
        rng = self.rng
        if rng.random() > chance:
            return ()
        people = [p for p in dict.fromkeys(pool) if p != exclude]
        count = min(len(people), int(rng.triangular(0, most, 1)))
        weights = (30, 60, 5, 5) if praise else REACTION_WEIGHTS
        return tuple(
            (person, rng.choices(REACTIONS, weights)[0]) for person in rng.sample(people, count)
        )

    def _with_shares(self, posts: list[Post], communities: list[Community]) -> list[Post]:
        rng = self.rng
        visibility = {c.key: c.visibility for c in communities}
        shareable = [
            index
            for index, post in enumerate(posts)
            if post.kind == "post"
            and (post.community is None or visibility[post.community] == "open")
            and post.work_item is None
        ]
        open_communities = [c.key for c in communities if c.visibility == "open" and not c.finished]
        for number, index in enumerate(
            sorted(rng.sample(shareable, min(len(shareable), round(SHARES * self.scale))))
        ):
            post = posts[index]
            sharer = rng.choice([p for p in self.people if p != post.author])
            joined = [c for c in open_communities if sharer in self.members[c]]
            target = rng.choice(joined) if joined and rng.random() < 0.25 else None
            share = Share(
                key=f"{post.key}.s{number}",
                person=sharer,
                community=target,
                text=rng.choice(data.SHARE_TEXTS),
                at=self._later(post.at, most_hours=72),
            )
            posts[index] = replace(post, shares=(share,))
        return posts


_PERSONA_COMMUNITIES = frozenset({"ops", "security", "archi", "phoenix", "running", "english"})


def _looks_french(text: str) -> bool:
    return bool(re.search(r"[éèàùçêô]|\b(le|la|les|des|du|une|est|pour)\b", text))
