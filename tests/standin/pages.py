"""Reading the stand-in's hosted pages as the tests look at them."""

from __future__ import annotations

from html.parser import HTMLParser


class Page(HTMLParser):
    """Collects what the tests look at: tags, attributes, the button's and links' text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self._open: list[str] = []
        self.button = ""
        self.links: dict[str, str] = {}
        self._link: str | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._open.append(tag)
        if tag == "a":
            self._link = dict(attrs).get("href")
            self.links[self._link or ""] = ""

    def handle_endtag(self, tag):
        if self._open and self._open[-1] == tag:
            self._open.pop()
        if tag == "a":
            self._link = None

    def handle_data(self, data):
        self.text.append(data)
        if "button" in self._open:
            self.button += data
        if self._link is not None:
            self.links[self._link] += data


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    return page
