"""A small, safe XML tree for files from outside.

Built on expat directly rather than xml.etree so that (1) any DTD is refused outright: no
entity declarations, so no "billion laughs" expansion and no external entities; (2) every
element keeps its line number, so problems can name the line; (3) elements are known by
local name, so EDEXML (no namespace) and the UWLR message (namespaced) read alike; and
(4) text of elements Consentry must never hold (national numbers, origin, weights) and whole
vendor blocks are dropped while parsing, so they never even reach memory as a tree.
The raw bytes go to expat, which honours the declared encoding and a byte-order mark.
"""

from dataclasses import dataclass, field
from xml.parsers import expat

SKIPPED_SUBTREES = frozenset({"toevoegingen"})


class UnsafeXml(ValueError):
    """The file declares a DTD or entities, which roster files never need."""


class XmlSyntaxError(ValueError):
    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.line = line


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    line: int
    children: list["Node"] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(self.parts).strip()

    def find(self, tag: str) -> "Node | None":
        return next((child for child in self.children if child.tag == tag), None)

    def findall(self, tag: str) -> list["Node"]:
        return [child for child in self.children if child.tag == tag]

    def child_text(self, tag: str) -> str:
        child = self.find(tag)
        return child.text if child is not None else ""

    def key(self) -> str:
        return self.attrs.get("key", "").strip()


def _local(name: str) -> str:
    return name.rsplit(" ", 1)[-1]


class _Builder:
    def __init__(self, parser, drop_text: frozenset[str]):
        self.parser = parser
        self.drop_text = drop_text
        self.stack: list[Node] = []
        self.root: Node | None = None
        self.skipping = 0

    def start(self, name: str, attrs: dict[str, str]) -> None:
        tag = _local(name)
        if self.skipping or tag in SKIPPED_SUBTREES:
            self.skipping += 1
            return
        local_attrs = {_local(k): v for k, v in attrs.items()}
        node = Node(tag, local_attrs, self.parser.CurrentLineNumber)
        if self.stack:
            self.stack[-1].children.append(node)
        else:
            self.root = node
        self.stack.append(node)

    def end(self, name: str) -> None:
        if self.skipping:
            self.skipping -= 1
            return
        self.stack.pop()

    def data(self, text: str) -> None:
        if self.skipping or not self.stack:
            return
        node = self.stack[-1]
        if node.tag not in self.drop_text:
            node.parts.append(text)


def _refuse_doctype(
    name: str, sysid: str | None, pubid: str | None, has_internal_subset: bool
) -> None:
    raise UnsafeXml("DTDs are not allowed in roster files")


def _refuse_entity(*_args: object) -> None:
    raise UnsafeXml("entity declarations are not allowed in roster files")


def _refuse_external(context: str, base: str | None, sysid: str | None, pubid: str | None) -> int:
    raise UnsafeXml("external entities are not allowed in roster files")


def parse(data: bytes, *, drop_text: frozenset[str] = frozenset()) -> Node:
    """The document's root element. Raises UnsafeXml or XmlSyntaxError."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    builder = _Builder(parser, drop_text)
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.EntityDeclHandler = _refuse_entity
    parser.ExternalEntityRefHandler = _refuse_external
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    parser.buffer_text = True
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        message = expat.errors.messages.get(exc.code, str(exc))
        raise XmlSyntaxError(message, exc.lineno) from None
    if builder.root is None:
        raise XmlSyntaxError("no root element", 1)
    return builder.root
