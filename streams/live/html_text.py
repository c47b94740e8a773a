"""Plain text from the HTML of a Mastodon status, with the standard library's parser.

Paragraphs become blank lines, ``<br>`` a newline, entities are decoded, and
the hidden parts of shortened links are kept so URLs stay whole.

>>> html_to_text('<p>Flood in <a href="https://x/tags/Valencia" class="mention hashtag">#<span>Valencia</span></a>'
...              '</p><p>roads &amp; rail shut<br>stay safe</p>')
'Flood in #Valencia\\n\\nroads & rail shut\\nstay safe'
>>> html_to_text('<p><a href="https://example.com/a/long/path"><span class="invisible">https://</span>'
...              '<span class="ellipsis">example.com/a/lo</span><span class="invisible">ng/path</span></a></p>')
'https://example.com/a/long/path'
"""

from __future__ import annotations

from html.parser import HTMLParser

_BLOCKS = {"p", "div", "blockquote", "li", "ul", "ol", "pre", "h1", "h2", "h3", "h4", "h5", "h6"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def _break(self, sep: str) -> None:
        if self.parts and not self.parts[-1].endswith("\n"):
            self.parts.append(sep)

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCKS:
            self._break("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS:
            self._break("\n\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts).strip()
