"""HTML mail bodies as safe plain text, with the standard library's html.parser.

Scripts, styles and the head are dropped, blocks become line breaks, entities are
unescaped, links keep their address. The result is text: no tag survives, and templates
escape it like any other text when they show it.
"""

import re
from html.parser import HTMLParser

SKIP = {"script", "style", "head", "title", "template", "noscript", "object", "iframe", "svg", "math"}
BLOCK = {"p", "div", "br", "tr", "table", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6",
         "blockquote", "pre", "hr", "section", "article", "header", "footer", "address",
         "dl", "dt", "dd", "center", "form", "fieldset"}
VOID = {"br", "hr", "img", "meta", "link", "input", "col", "area", "base", "wbr", "source"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skipping: list[str] = []
        self.pre = 0
        self.links: list[tuple[str, int]] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in SKIP and tag not in VOID:
            self.skipping.append(tag)
            return
        if self.skipping:
            return
        if tag in BLOCK:
            self.out.append("\n")
        if tag == "pre":
            self.pre += 1
        elif tag == "li":
            self.out.append("\n- ")
        elif tag in ("td", "th"):
            self.out.append(" ")
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            self.links.append((href, len(self.out)))

    def handle_startendtag(self, tag: str, attrs) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.skipping:
            if tag == self.skipping[-1]:
                self.skipping.pop()
            return
        if tag in BLOCK:
            self.out.append("\n")
        if tag == "pre" and self.pre:
            self.pre -= 1
        elif tag == "a" and self.links:
            href, start = self.links.pop()
            label = "".join(self.out[start:]).strip()
            if re.match(r"https?://", href, re.IGNORECASE) and href.strip() != label:
                self.out.append(f" ({href.strip()})")

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        self.out.append(data if self.pre else re.sub(r"\s+", " ", data))


def html_to_text(markup: str) -> str:
    """Readable plain text of an HTML document or fragment."""
    parser = _TextExtractor()
    try:
        parser.feed(markup)
        parser.close()
    except Exception:  # html.parser is lenient; never let a body stop the intake
        return re.sub(r"<[^>]*>?", " ", markup).strip()
    lines = [" ".join(line.split()) for line in "".join(parser.out).split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
