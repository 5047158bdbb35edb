"""Read a report page back with html.parser: its elements, attributes and text.

Used on the page as patchscope writes it and on the DOM Chromium dumps after
loading it, so the same assertions hold for both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

from patchscope.render.html import ARCHIVE

# Every element the templates use.  Anything else on a page came from the input.
TEMPLATE_TAGS = {
    "html", "head", "meta", "title", "style", "body", "header", "main", "footer", "nav",
    "section", "article", "aside", "figure", "figcaption", "details", "summary",
    "h1", "h2", "h3", "h4", "p", "dl", "dt", "dd", "ul", "ol", "li", "pre", "code",
    "span", "strong", "br", "wbr", "a", "mark", "del", "ins", "div",
    "table", "caption", "colgroup", "col", "thead", "tbody", "tr", "th", "td",
    "svg", "line", "rect", "text",
}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    text: str = ""  # the text directly and indirectly inside, filled at the end tag


@dataclass
class PageScan(HTMLParser):
    elements: list[Element] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    _open: list[tuple[Element, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        HTMLParser.__init__(self, convert_charrefs=True)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        el = Element(tag, dict(attrs))
        self.elements.append(el)
        if tag not in ("meta", "br", "wbr", "col", "line", "rect"):
            self._open.append((el, len(self.texts)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(Element(tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._open) - 1, -1, -1):
            el, start = self._open[i]
            if el.tag == tag:
                el.text = "".join(self.texts[start:])
                del self._open[i:]
                return

    def handle_data(self, data: str) -> None:
        self.texts.append(data)

    @property
    def text(self) -> str:
        return "".join(self.texts)

    def find(self, tag: str, cls: str | None = None) -> list[Element]:
        return [
            e for e in self.elements
            if e.tag == tag and (cls is None or cls in (e.attrs.get("class") or "").split())
        ]


def scan(page: str) -> PageScan:
    parser = PageScan()
    parser.feed(page)
    parser.close()
    return parser


def unsafe_parts(page: PageScan) -> list[str]:
    """What on the page could run script or load something: must be empty."""
    bad: list[str] = []
    for e in page.elements:
        if e.tag not in TEMPLATE_TAGS:
            bad.append(f"element <{e.tag}>")
        for name, value in e.attrs.items():
            if name.startswith("on"):
                bad.append(f"<{e.tag} {name}=...>")
            if name in ("href", "src", "xlink:href", "action", "formaction") and value:
                # a plain link to the list archive loads nothing until it is followed
                archive = (e.tag == "a" and name == "href" and value.startswith(ARCHIVE)
                           and e.attrs.get("rel") == "noreferrer")
                if not value.startswith("#") and not archive:
                    bad.append(f"<{e.tag} {name}={value!r}>")
            if name == "style":
                bad.append(f"<{e.tag} style=...> (inline style attribute)")
    return bad
