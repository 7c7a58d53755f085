"""User text: stored as written, rendered as a safe Markdown subset, links and tags extracted.

markdown-it-py renders CommonMark with raw HTML disabled; nh3 (the ammonia sanitiser) then keeps
only an allow-list of tags and attributes and the http, https and mailto link schemes, so a
``javascript:`` link or an injected attribute never reaches a browser.
"""

import re

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "del",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h3",
    "h4",
    "hr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_PATTERN = re.compile(r"https?://[^\s<>()\[\]\"']+", re.IGNORECASE)
TRAILING_PUNCTUATION = ".,;:!?"
TAG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,49}$")
MAX_LINKS = 20

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).disable("image")


def render_html(text: str) -> str:
    """The text as sanitised HTML (a Markdown subset: emphasis, lists, quotes, code, links)."""
    return nh3.clean(
        _markdown.render(text),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


def extract_links(text: str) -> tuple[str, ...]:
    """The distinct http(s) URLs written in the text, in order of appearance (at most 20)."""
    links: list[str] = []
    for match in LINK_PATTERN.finditer(text):
        link = match.group(0).rstrip(TRAILING_PUNCTUATION)
        if link not in links:
            links.append(link)
    return tuple(links[:MAX_LINKS])


def normalise_tag(tag: str) -> str:
    """A tag as stored and matched: without a leading ``#``, trimmed, lower case."""
    return tag.strip().removeprefix("#").strip().lower()


def is_valid_tag(tag: str) -> bool:
    """Whether a normalised tag is 1 to 50 of ``a-z 0-9 _ -``, starting with a letter or digit."""
    return TAG_PATTERN.fullmatch(tag) is not None


def words(text: str) -> set[str]:
    """The lower-case words of a text, for matching questions to people's expertise."""
    return set(re.findall(r"[\w+#.-]+", text.lower()))
