"""Clause text from Markdown to safe HTML: markdown-it-py renders, nh3 sanitises.

Two layers, so that one mistake does not let script through. markdown-it-py runs CommonMark
with raw HTML off (any tag typed in the text is shown as text), images and headings off (a
clause's structure is its identifier; headings inside it would break the page's outline), and
its own check on link targets. nh3 (the ammonia sanitiser) then keeps only the tags and
attributes below, only http, https and mailto links, and gives every link
rel="nofollow noopener noreferrer".
"""

from __future__ import annotations

from functools import cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = frozenset({"p", "br", "em", "strong", "ul", "ol", "li", "blockquote", "code", "pre", "a", "hr"})
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener noreferrer"


@cache
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).disable(
        ["image", "heading", "lheading", "html_block", "html_inline"])


def render(text: str) -> Markup:
    """Safe HTML for a clause's Markdown text."""
    html = _parser().render(text)
    return Markup(nh3.clean(html, tags=set(ALLOWED_TAGS), attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
                            url_schemes=set(URL_SCHEMES), link_rel=LINK_REL, strip_comments=True))
