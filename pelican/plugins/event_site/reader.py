"""Pelican's Markdown reader, also keeping each file's header lines as written, so the plugin reads no file twice."""

from __future__ import annotations

from typing import Any

from pelican.readers import MarkdownReader

Headers = dict[str, dict[str, str]]


def header_keeping_reader(headers: Headers) -> type[MarkdownReader]:
    """A MarkdownReader that stores each file's header in `headers`, keyed by the path Pelican read it from."""

    class HeaderKeepingReader(MarkdownReader):
        def _parse_metadata(self, meta: dict[str, list[str]]) -> dict[str, Any]:
            # The meta extension's raw lines, before Pelican turns them into its own types; read_header's shape.
            headers[str(self._source_path)] = {key: " ".join(lines).strip() for key, lines in meta.items()}
            return super()._parse_metadata(meta)

    return HeaderKeepingReader


def keep_headers(readers: Any, headers: Headers) -> None:
    """readers_init: read Markdown with the header-keeping reader, unless the site configured its own reader."""
    reader = header_keeping_reader(headers)
    for extension in MarkdownReader.file_extensions:
        if readers.reader_classes.get(extension) is MarkdownReader:
            readers.reader_classes[extension] = reader
