"""Deterministic random RSS 2.0 and Atom 1.0 documents for the fast-path differential test.

Mostly documents the fast path takes (so their fields are compared with feedparser's), with a
sprinkling of everything that must make it fall back: odd attributes, repeated elements,
comments inside text, handled extension elements, xml:base, other versions and encodings.
"""

from __future__ import annotations

import random

_TEXTS = [
    "Plain words",
    "  spaced \n  out\ttext  ",
    "",
    "   ",
    "A &amp; B",
    "A &amp;amp; B twice escaped",
    "Acme &lt;b&gt;launches&lt;/b&gt; a rocket",
    "&lt;p&gt;Para&lt;/p&gt;&lt;script&gt;x()&lt;/script&gt;",
    "<![CDATA[<p>Cdata <em>markup</em> & more</p>]]>",
    "<![CDATA[  padded cdata  ]]>",
    "Caf\u00e9 cr\u00e8me",
    "\u00c3\u00a9t\u00c3\u00a9 mojibake",
    "&#x85;ellipsis&#150;dash&#x9f;",
    "&#128;uro and \u20ac",
    "emoji \U0001f600 here",
    "a &lt; b and c &gt; d",
    "&#60;i&#62;char refs&#60;/i&#62;",
    "x &amp;copy; y &amp;nbsp; z",
    "&lt;/unknowntag&gt; &amp;bogus;",
    "&lt;br/&gt;line&lt;br&gt;break",
    "\u00a0nbsp edges\u00a0",
    "Only &amp;#38; ref",
    "tab\tand\r\nnewline",
]
_URLS = [
    "https://site.example/a/1",
    "https://site.example/a?x=1&amp;y=2",
    "https://site.example/a?x=1&amp;amp;y=2",
    "https://site.example/a?x=1&amp;y;=2",
    "http:///triple.example/x",
    "https:////four.example/",
    "/relative/path",
    "relative/page.html",
    "",
    "  https://ws.example/padded  ",
    "tag:site.example,2024:1",
    "urn:uuid:60a76c80-d399-11d9-b91C-0003939e0af6",
    "https://site.example/caf\u00e9",
    "javascript:alert(1)",
    "HTTPS://UP.example/Path",
    "https://site.example/a#frag",
    "https://[::1]:8080/v6",
    "http://site.example:99999/badport",
]
_DATES = [
    "Tue, 05 Mar 2024 09:30:00 +0100",
    "Mon, 04 Mar 2024 08:00:00 GMT",
    "2024-04-01T10:00:00+02:00",
    "2024-04-02T09:15:00Z",
    "garbage",
    "",
    "  2024-04-01  ",
    "2024-13-45",
    "Wed, 06 Mar 2099 15:45:00 GMT",
    "Sun, 3 Mar 24 12:00:00 EST",
]
_AUTHORS = [
    "desk@news.example.com (Business Desk)",
    "Jane Reporter",
    "",
    "Name &lt;n@example.com&gt;",
    "n@example.com",
    "(Only Paren)",
    "Caf\u00e9 Writer",
]
_NAMESPACES = (
    ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
    ' xmlns:content="http://purl.org/rss/1.0/modules/content/"'
    ' xmlns:slash="http://purl.org/rss/1.0/modules/slash/"'
    ' xmlns:wfw="http://wellformedweb.org/commentAPI/"'
    ' xmlns:media="http://search.yahoo.com/mrss/"'
    ' xmlns:atom="http://www.w3.org/2005/Atom"'
    ' xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"'
    ' xmlns:ext="http://ext.example/ns"'
)

_RELS = ["", 'rel="alternate" ', 'rel="alternate" ', 'rel="self" ', 'rel="enclosure" ']
_RELS += ['rel="related" ', 'rel="ALTERNATE" ', 'rel="" ']
_LINK_TYPES = ["", "", 'type="text/html" ', 'type="application/xhtml+xml" ', 'type="TEXT/HTML" ']
_LINK_TYPES += ['type="application/atom+xml" ', 'type="html" ']
_ENTRY_HAZARDS = [
    "<source><title>S</title></source>",
    "<contributor><name>C</name></contributor>",
    "<rights>r</rights>",
    "<media:title>m</media:title>",
    "<media:description>m</media:description>",
    "<dc:title>d</dc:title>",
    '<media:content url="https://cdn.example/a.jpg"><media:title>t</media:title></media:content>',
    '<content src="https://site.example/c"/>',
]
# Extension elements the fast path reads past (feedparser only stores them under their names).
_EXTENSIONS = [
    "<comments>https://site.example/c</comments>",
    "<slash:comments>4</slash:comments>",
    "<wfw:commentRss>https://site.example/c.rss</wfw:commentRss>",
    "<ext:thing a='1'>value</ext:thing>",
    '<media:content url="https://cdn.example/a.jpg" medium="image"/>',
    '<media:thumbnail url="https://cdn.example/t.jpg" width="1"/>',
    "<media:thumbnail>https://cdn.example/t2.jpg</media:thumbnail>",
    '<media:credit role="author">Photo Desk</media:credit>',
    "<media:keywords>a, b ,c</media:keywords>",
    "<media:rating>nonadult</media:rating>",
    "<dc:subject>Business</dc:subject>",
    "<dc:publisher>Pub (pub@site.example)</dc:publisher>",
    "<dc:rights>All rights</dc:rights>",
    "<dc:language>en</dc:language>",
]
_ATOM_NAMESPACES = _NAMESPACES.replace(' xmlns:atom="http://www.w3.org/2005/Atom"', "")


class FeedGenerator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 -- reproducible test data, not secrets
        # A third of the documents carry rare constructs the fast path must refuse; the rest
        # none, so that most documents have their fields compared.
        self.risky = self.rng.random() < 0.35

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def rare(self, p: float) -> bool:
        return self.risky and self.rng.random() < p

    def pick(self, options: list[str]) -> str:
        return self.rng.choice(options)

    def text(self) -> str:
        return self.pick(_TEXTS) if self.chance(0.8) else self.pick(_TEXTS) + self.pick(_TEXTS)

    def hazard(self) -> str:
        """Markup inside a text element that is rare and must make the fast path fall back."""
        return (
            self.pick(["<!-- a comment -->", "<?pi x?>", "<b>child</b>"])
            if self.rare(0.02 * 3)
            else ""
        )

    def element(self, tag: str, value: str, attributes: str = "") -> str:
        if self.rare(0.02 * 3):
            attributes += self.pick([' type="html"', ' xml:base="https://b.example/"', " foo='1'"])
        if self.chance(0.03):
            attributes += ' xml:lang="en"'
        return f"<{tag}{attributes}>{value}{self.hazard()}</{tag}>"

    def shuffled(self, parts: list[str]) -> str:
        if self.chance(0.7):
            self.rng.shuffle(parts)
        if parts and self.rare(0.03 * 3):
            parts.append(self.rng.choice(parts))  # a repeated element
        # Pretty-printed or not, with comments, processing instructions and stray text.
        separators = ["", "", "\n  ", "\n    ", "<!-- note -->", "<?pi x?>", " stray "]
        return "".join(part + self.pick(separators) for part in parts)

    # --- RSS 2.0 ------------------------------------------------------------------------------

    def rss_item(self) -> str:
        parts = []
        if self.chance(0.85):
            parts.append(self.element("title", self.text()))
        if self.chance(0.8):
            parts.append(self.element("link", self.pick(_URLS)))
        if self.chance(0.6):
            permalink = self.pick(
                ["", ' isPermaLink="false"', ' isPermaLink="true"', ' isPermaLink="True"']
            )
            parts.append(self.element("guid", self.pick(_URLS), permalink))
        if self.chance(0.7):
            parts.append(self.element("pubDate", self.pick(_DATES)))
        if self.chance(0.7):
            parts.append(self.element("description", self.text()))
        if self.chance(0.3):
            parts.append(self.element("content:encoded", self.text()))
        if self.chance(0.3):
            parts.append(self.element(self.pick(["author", "dc:creator"]), self.pick(_AUTHORS)))
        if self.chance(0.15):
            parts.append(self.element("dc:date", self.pick(_DATES)))
        if self.chance(0.3):
            parts.append(f'<category domain="d">{self.text()}</category>')
        if self.chance(0.2):
            parts.append(
                '<enclosure url="https://cdn.example/a.mp3" length="1" type="audio/mpeg"/>'
            )
        if self.chance(0.2):
            parts.append(self.pick(_EXTENSIONS))
        if self.rare(0.04 * 3):
            parts.append(self.pick(['<media:title>m</media:title>',
                                    '<atom:link href="https://site.example/x"/>',
                                    "<source url='https://s.example/'>S</source>",
                                    "<foo>unknown</foo>", "<image><url>u</url></image>",
                                    '<x xmlns="http://default.example/">d</x>']))  # fmt: skip
        return f"<item>{self.shuffled(parts)}</item>"

    def rss(self) -> str:
        parts = []
        if self.chance(0.9):
            parts.append(self.element("title", self.text()))
        if self.chance(0.85):
            parts.append(self.element("link", self.pick(_URLS)))
        if self.chance(0.5):
            parts.append(self.element("description", self.text()))
        if self.chance(0.3):
            parts.append(self.element("ttl", self.pick(["60", " 30 ", "abc", "0", "9999999"])))
        if self.chance(0.3):
            parts.append("<language>en-us</language><generator>Gen</generator>")
        if self.chance(0.2):
            parts.append("<lastBuildDate>Mon, 04 Mar 2024 08:00:00 GMT</lastBuildDate>")
        if self.chance(0.2):
            extra = self.pick(["", "", "<description>d</description>", "<foo>f</foo>"])
            parts.append(
                f"<image><url>https://site.example/logo.png</url><title>{self.text()}</title>"
                f"<link>{self.pick(_URLS)}</link>{extra}</image>"
            )
        if self.chance(0.3):
            rel = self.pick(['rel="self" ', 'rel="self" ', 'rel="alternate" ', "", 'rel="hub" '])
            kind = self.pick(['type="application/rss+xml"', 'type="text/html"', ""])
            parts.append(f'<atom:link {rel}{kind} href="{self.pick(_URLS)}"/>')
        if self.chance(0.2):
            parts.append("<sy:updatePeriod>hourly</sy:updatePeriod>")
        if self.chance(0.2):
            parts.append(self.pick(_EXTENSIONS[1:]))
        if self.chance(0.1):
            parts.append("<managingEditor>ed@site.example (Ed)</managingEditor>")
        items = [self.rss_item() for _ in range(self.rng.randint(0, 6))]
        order = parts + items if self.chance(0.8) else items + parts
        version = self.pick(['version="2.0"'] * 8 + ['version="0.92"', ""])
        if self.rare(0.1):
            version += ' xmlns="http://backend.userland.com/rss2"'
        return f"<rss {version}{_NAMESPACES}><channel>{self.shuffled(order) if self.chance(0.1) else ''.join(order)}</channel></rss>"  # noqa: E501

    # --- Atom 1.0 -----------------------------------------------------------------------------

    def atom_text(self, tag: str) -> str:
        kind = self.pick(
            ["", "", ' type="text"', ' type="html"', ' type="HTML"', ' type="text/html"']
        )
        if self.rare(0.03 * 3):
            kind = self.pick([' type="xhtml"', ' type="image/png"', ' mode="escaped"'])
        return self.element(tag, self.text(), kind)

    def atom_link(self) -> str:
        rel = self.pick(_RELS)
        kind = self.pick(_LINK_TYPES)
        href = "" if self.rare(0.03 * 3) else f'href="{self.pick(_URLS)}"'
        return f"<link {rel}{kind}{href}/>"

    def atom_author(self, tag: str = "author") -> str:
        parts = []
        if self.chance(0.8):
            parts.append(f"<name>{self.pick(_AUTHORS)}</name>")
        if self.chance(0.4):
            parts.append(f"<email>{self.pick(['a@b.example', '', ' c@d.example '])}</email>")
        if self.chance(0.2):
            parts.append(f"<uri>{self.pick(_URLS)}</uri>")
        if self.rare(0.03 * 3):
            parts.append(self.pick(["stray text", "<name>Second</name>"]))
        return f"<{tag}>\n  {' '.join(parts)}\n</{tag}>"

    def atom_entry(self) -> str:
        parts = []
        if self.chance(0.85):
            parts.append(self.atom_text("title"))
        parts += [self.atom_link() for _ in range(self.rng.choice([0, 1, 1, 2, 3]))]
        if self.chance(0.8):
            parts.append(self.element("id", self.pick(_URLS)))
        if self.chance(0.6):
            parts.append(self.element("published", self.pick(_DATES)))
        if self.chance(0.6):
            parts.append(self.element("updated", self.pick(_DATES)))
        if self.chance(0.6):
            parts.append(self.atom_text("summary"))
        if self.chance(0.4):
            parts.append(self.atom_text("content"))
        if self.chance(0.4):
            parts.append(self.atom_author())
        if self.chance(0.2):
            parts.append('<category term="t" scheme="s" label="l"/>')
        if self.chance(0.15):
            parts.append(self.pick(_EXTENSIONS[1:]))
        if self.rare(0.04 * 3):
            parts.append(self.pick(_ENTRY_HAZARDS))
        return f"<entry>{self.shuffled(parts)}</entry>"

    def atom(self) -> str:
        parts = []
        if self.chance(0.9):
            parts.append(self.atom_text("title"))
        parts += [self.atom_link() for _ in range(self.rng.choice([0, 1, 2]))]
        if self.chance(0.7):
            parts.append(self.element("id", self.pick(_URLS)))
        if self.chance(0.5):
            parts.append(f"<updated>{self.pick(_DATES)}</updated>")
        if self.chance(0.3):
            parts.append(self.atom_text("subtitle"))
        if self.chance(0.3):
            parts.append(self.atom_author())
        if self.chance(0.2):
            parts.append('<generator uri="https://gen.example/" version="1">Gen</generator>')
        if self.chance(0.2):
            parts.append("<icon>/favicon.ico</icon><logo>/logo.png</logo>")
        if self.chance(0.2):
            parts.append(self.pick(_EXTENSIONS[1:]))
        entries = [self.atom_entry() for _ in range(self.rng.randint(0, 6))]
        order = parts + entries if self.chance(0.8) else entries + parts
        namespace = 'xmlns="http://www.w3.org/2005/Atom"'
        if self.rare(0.03 * 3):
            namespace = self.pick(
                [
                    'xmlns="http://purl.org/atom/ns#"',
                    'xmlns:rss="http://purl.org/rss/1.0/" ' + namespace,
                ]
            )
        lang = ' xml:lang="en"' if self.chance(0.1) else ""
        return f"<feed {namespace}{lang}{_ATOM_NAMESPACES}>{''.join(order)}</feed>"

    # --- documents ----------------------------------------------------------------------------

    def document(self) -> tuple[bytes, dict[str, str]]:
        """(body, response headers as feeds.parsing passes them to the parsers)."""
        text = self.rss() if self.chance(0.5) else self.atom()
        encoding = self.pick(["utf-8"] * 8 + ["iso-8859-1", "windows-1252", "utf-16", "none"])
        headers = {"content-type": "application/xml"}
        if self.rare(0.2):
            headers["content-type"] = (
                f"application/xml; charset={self.pick(['utf-8', 'iso-8859-1', 'us-ascii'])}"
            )
        if encoding == "none":
            return text.encode(), headers
        try:
            body = f'<?xml version="1.0" encoding="{encoding}"?>\n{text}'.encode(encoding)
        except UnicodeEncodeError:
            body = f'<?xml version="1.0" encoding="utf-8"?>\n{text}'.encode()
        if self.chance(0.05):
            body = b"\xef\xbb\xbf" + body
        return body, headers
