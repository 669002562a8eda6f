"""What the cmi5 and TinCan checkers share: the XSD, ids that must be absolute IRIs, launch paths."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from lxml import etree

from ..check import SCHEME, doctype_problems, missing_file, parse_xml
from ..errors import Problem
from ..xsd import xapi_schema

# An absolute IRI: a scheme, then no spaces (xs:anyURI also takes relative and odd values).
ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+")


class DescriptorRules:
    """Collects problems of one descriptor, each on its element's line."""

    standard = ""  # "cmi5" | "tincan": the schema to use
    namespace = ""
    root_tag = ""
    what = ""  # for messages: "a cmi5.xml"

    def __init__(self, data: bytes, where: str, names: list[str]):
        self.data, self.where = data, where
        self.names = set(names)
        self.by_lower = {n.lower(): n for n in sorted(names, reverse=True)}
        self.out: list[Problem] = []

    def add(self, el, key: str, message: str, warning: bool = False) -> None:
        self.out.append(Problem(self.where, el.sourceline or 0, 0, key, message, warning=warning))

    def check(self) -> list[Problem]:
        """Well-formed, the right root, the XSD, then the standard's own rules."""
        root, problems = parse_xml(self.data, self.where)
        if root is None:
            return problems
        qname = etree.QName(root)
        if (qname.namespace, qname.localname) != (self.namespace, self.root_tag):
            return [Problem(self.where, root.sourceline or 0, 0, "", f"the root element is '{qname.localname}' in "
                            f"namespace '{qname.namespace or ''}'; {self.what} has '{self.root_tag}' in {self.namespace}")]
        self.schema(root)
        self.rules(root)
        return self.out + doctype_problems(root, self.where, self.what)

    def schema(self, root) -> None:
        schema = xapi_schema(self.standard)
        try:
            if schema.validate(root):
                return
        except etree.XMLSchemaValidateError as e:
            self.out.append(Problem(self.where, message=f"schema: it cannot be validated ({e})"))
            return
        for error in schema.error_log:
            self.out.append(Problem(self.where, error.line or 0, 0, "",
                                    "schema: " + error.message.replace(f"{{{self.namespace}}}", "")))

    def rules(self, root) -> None:
        raise NotImplementedError

    def ids(self, elements, key: str) -> None:
        """Every id an absolute IRI, and unique among `elements`."""
        seen: dict[str, int] = {}
        for el in elements:
            ident = el.get("id")
            if ident is None:
                continue  # the XSD says so (cmi5); TinCan's may lack one, then it has no id to judge
            if not ABSOLUTE_IRI.fullmatch(ident):
                self.add(el, key, f"'{ident}' is not an absolute IRI; xAPI ids start with a scheme, such as "
                                  "https://kurs.example.no/likestilling (an LRS refuses statements about it)")
            if ident in seen:
                self.add(el, key, f"'{ident}' is already used on line {seen[ident]}; ids must be unique")
            else:
                seen[ident] = el.sourceline or 0

    def launch_path(self, el, key: str, url: str) -> None:
        """A relative launch URL names a file in the package; an absolute one is a web address."""
        url = url.strip()
        if SCHEME.match(url):
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                self.add(el, key, f"'{url}' is not a web address (http or https); a browser cannot launch it")
            return
        if url.startswith("/") or "\\" in url:
            self.add(el, key, f"'{url}' must be relative to the package root, with '/'")
            return
        missing = missing_file(url.split("#")[0].split("?")[0], self.names, self.by_lower)
        if missing:
            self.add(el, key, f"'{url}'{missing}")
