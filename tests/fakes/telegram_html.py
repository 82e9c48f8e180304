"""Telegram's HTML parse mode, re-implemented strictly for the fake Bot API.

This is the test double of the entity parser that Telegram runs on ``parse_mode=HTML``
(tdlib's ``parse_html``): it turns the markup into plain text plus a list of message
entities whose offsets and lengths are counted in UTF-16 code units, or fails with the
same wording Telegram uses after ``Bad Request: can't parse entities: ``.

Accepted tags: ``b strong i em u ins s strike del a code pre blockquote tg-spoiler
span tg-emoji`` (names case-insensitive), with the attributes Telegram reads:
``<a href="...">``, ``<code class="language-x">``, ``<span class="tg-spoiler">``,
``<blockquote expandable>``, ``<tg-emoji emoji-id="...">``. Nesting must be well-formed.
Byte offsets in error messages are UTF-8 offsets into the received markup, like tdlib's.

Deliberately stricter than Telegram (documented so nobody relies on the difference):

* every ``&`` must start ``&lt;`` ``&gt;`` ``&amp;`` ``&quot;`` ``&#NNN;`` or ``&#xHH;``
  (with the ``;``), in text and in attribute values alike; Telegram keeps a stray ``&``
  literally, which hides escaping bugs;
* ``<a>`` needs a non-empty ``href`` and ``<tg-emoji>`` needs an ``emoji-id``; Telegram
  silently drops such entities.

A bare ``>`` is accepted as text, as Telegram does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_ENTITY_TYPES: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(?:#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]+));")
_NAME_TOKEN_RE = re.compile(r"[A-Za-z0-9.\-]*")
_SPACES = " \t\r\n\f\v"


def utf16_len(text: str) -> int:
    """Length of ``text`` as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


class EntityParseError(ValueError):
    """The markup is not valid Telegram HTML; ``str(error)`` is Telegram's reason."""


@dataclass(frozen=True)
class Entity:
    """One MessageEntity; ``offset`` and ``length`` are in UTF-16 code units."""

    type: str
    offset: int
    length: int
    url: str | None = None
    language: str | None = None
    custom_emoji_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"type": self.type, "offset": self.offset, "length": self.length}
        for key in ("url", "language", "custom_emoji_id"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data


@dataclass(frozen=True)
class ParsedText:
    """The plain text Telegram would show, and its formatting entities."""

    text: str
    entities: tuple[Entity, ...] = ()


@dataclass
class _OpenTag:
    name: str
    start: int  # UTF-16 offset in the output where the tag's content begins
    argument: str = ""
    expandable: bool = False
    attributes: dict[str, str] = field(default_factory=dict)


class TelegramHTMLParser:
    """Single-use parser: ``TelegramHTMLParser(markup).parse()`` -> :class:`ParsedText`."""

    def __init__(self, markup: str) -> None:
        self._src = markup
        self._pos = 0
        self._out: list[str] = []
        self._out_len = 0
        self._stack: list[_OpenTag] = []
        self._entities: list[Entity] = []

    def parse(self) -> ParsedText:
        src = self._src
        while self._pos < len(src):
            char = src[self._pos]
            if char == "&":
                self._emit(self._read_entity())
            elif char == "<" and src.startswith("</", self._pos):
                self._close_tag()
            elif char == "<":
                self._open_tag()
            else:
                self._emit(char)
                self._pos += 1
        if self._stack:
            name = self._stack[-1].name
            raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{name}"')
        entities = sorted(self._entities, key=lambda e: (e.offset, -e.length))
        return ParsedText("".join(self._out), tuple(entities))

    # -- text -------------------------------------------------------------------------------

    def _emit(self, text: str) -> None:
        self._out.append(text)
        self._out_len += utf16_len(text)

    def _byte_offset(self, index: int) -> int:
        return len(self._src[:index].encode("utf-8", "surrogatepass"))

    def _read_entity(self) -> str:
        """Decode the character reference at ``self._pos`` and move past it."""
        match = _ENTITY_RE.match(self._src, self._pos)
        decoded = _decode_entity(match) if match else None
        if match is None or decoded is None:
            raise EntityParseError(
                "Character '&' is reserved and must be escaped as \"&amp;\" "
                f"at byte offset {self._byte_offset(self._pos)}"
            )
        self._pos = match.end()
        return decoded

    # -- tags -------------------------------------------------------------------------------

    def _read_until_space_or_gt(self) -> str:
        begin = self._pos
        while self._pos < len(self._src) and self._src[self._pos] not in _SPACES + ">":
            self._pos += 1
        return self._src[begin : self._pos]

    def _skip_spaces(self) -> None:
        while self._pos < len(self._src) and self._src[self._pos] in _SPACES:
            self._pos += 1

    def _at_end(self) -> bool:
        return self._pos >= len(self._src)

    def _open_tag(self) -> None:
        begin = self._pos
        offset = self._byte_offset(begin)
        self._pos += 1
        name = self._read_until_space_or_gt().lower()
        if self._at_end():
            raise EntityParseError(f"Unclosed start tag at byte offset {offset}")
        if name not in _ENTITY_TYPES:
            raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {offset}')
        tag = _OpenTag(name=name, start=self._out_len)
        while self._src[self._pos] != ">":
            self._read_attribute(tag, offset)
        self._pos += 1
        self._check_required_attributes(tag, offset)
        self._stack.append(tag)

    def _read_attribute(self, tag: _OpenTag, offset: int) -> None:
        self._skip_spaces()
        if self._at_end():
            raise EntityParseError(f'Unclosed start tag "{tag.name}" at byte offset {offset}')
        if self._src[self._pos] == ">":
            return
        begin = self._pos
        while not self._at_end() and self._src[self._pos] not in _SPACES + "=>":
            self._pos += 1
        attribute = self._src[begin : self._pos].lower()
        if not attribute:
            raise EntityParseError(
                f'Empty attribute name in the tag "{tag.name}" at byte offset {offset}'
            )
        self._skip_spaces()
        if self._at_end():
            raise EntityParseError(f'Unclosed start tag "{tag.name}" at byte offset {offset}')
        if self._src[self._pos] != "=":
            if tag.name == "blockquote" and attribute == "expandable":
                tag.expandable = True
                return
            raise EntityParseError(
                "Expected equal sign in declaration of an attribute of the tag "
                f'"{tag.name}" at byte offset {offset}'
            )
        self._pos += 1
        self._skip_spaces()
        if self._at_end():
            raise EntityParseError(f'Unclosed start tag "{tag.name}" at byte offset {offset}')
        tag.attributes[attribute] = self._read_attribute_value()
        if self._at_end():
            raise EntityParseError(f"Unclosed start tag at byte offset {offset}")

    def _read_attribute_value(self) -> str:
        quote = self._src[self._pos]
        if quote not in "'\"":
            begin = self._pos
            token = _NAME_TOKEN_RE.match(self._src, self._pos)
            self._pos = token.end() if token else self._pos
            if not self._at_end() and self._src[self._pos] not in _SPACES + ">":
                raise EntityParseError(
                    f"Unexpected end of name token at byte offset {self._byte_offset(begin)}"
                )
            return self._src[begin : self._pos].lower()
        self._pos += 1
        value: list[str] = []
        while not self._at_end() and self._src[self._pos] != quote:
            if self._src[self._pos] == "&":
                value.append(self._read_entity())
            else:
                value.append(self._src[self._pos])
                self._pos += 1
        if not self._at_end():
            self._pos += 1
        return "".join(value)

    @staticmethod
    def _check_required_attributes(tag: _OpenTag, offset: int) -> None:
        attrs = tag.attributes
        if tag.name == "span" and attrs.get("class") != "tg-spoiler":
            raise EntityParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {offset}'
            )
        if tag.name == "a":
            tag.argument = attrs.get("href", "")
            if not tag.argument:
                raise EntityParseError(
                    f'Tag "a" must have attribute "href" at byte offset {offset}'
                )
        if tag.name == "tg-emoji":
            tag.argument = attrs.get("emoji-id", "")
            if not tag.argument:
                raise EntityParseError(
                    f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {offset}'
                )
        if tag.name == "code" and attrs.get("class", "").startswith("language-"):
            tag.argument = attrs["class"][len("language-") :]

    def _close_tag(self) -> None:
        begin = self._pos
        offset = self._byte_offset(begin)
        if not self._stack:
            raise EntityParseError(f"Unexpected end tag at byte offset {offset}")
        self._pos += 2
        end_name = self._read_until_space_or_gt().lower()
        self._skip_spaces()
        if self._at_end() or self._src[self._pos] != ">":
            raise EntityParseError(f"Unclosed end tag at byte offset {offset}")
        self._pos += 1
        tag = self._stack.pop()
        if end_name and end_name != tag.name:
            raise EntityParseError(
                f'Unmatched end tag at byte offset {offset}, expected "</{tag.name}>", '
                f'found "</{end_name}>"'
            )
        self._add_entity(tag)

    def _add_entity(self, tag: _OpenTag) -> None:
        length = self._out_len - tag.start
        if length == 0:
            return
        kind = _ENTITY_TYPES[tag.name]
        if kind == "blockquote" and tag.expandable:
            kind = "expandable_blockquote"
        entity = Entity(kind, tag.start, length)
        if kind == "text_link":
            entity = Entity(kind, tag.start, length, url=tag.argument)
        elif kind == "custom_emoji":
            entity = Entity(kind, tag.start, length, custom_emoji_id=tag.argument)
        elif kind == "code" and tag.argument:
            entity = Entity(kind, tag.start, length, language=tag.argument)
        elif kind == "pre":
            entity = self._merge_pre_code(entity)
        self._entities.append(entity)

    def _merge_pre_code(self, pre: Entity) -> Entity:
        """``<pre><code class="language-x">...</code></pre>`` is one ``pre`` entity."""
        if self._entities:
            inner = self._entities[-1]
            same_span = (inner.offset, inner.length) == (pre.offset, pre.length)
            if inner.type == "code" and same_span:
                self._entities.pop()
                return Entity("pre", pre.offset, pre.length, language=inner.language)
        return pre


def _decode_entity(match: re.Match[str]) -> str | None:
    decimal, hexadecimal, name = match.groups()
    if name is not None:
        return _NAMED_ENTITIES.get(name)
    code = int(decimal) if decimal is not None else int(hexadecimal, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code)


def parse_html(markup: str) -> ParsedText:
    """Parse Telegram HTML; raises :class:`EntityParseError` with Telegram's wording."""
    return TelegramHTMLParser(markup).parse()
