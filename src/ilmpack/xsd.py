"""Validate manifests against the schemas shipped in schemas/: SCORM 1.2 (scorm12/), cmi5, TinCan."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from lxml import etree

from .resources import data_dir

CONTROL_FILES = ("imscp_rootv1p1p2.xsd", "adlcp_rootv1p2.xsd", "imsmd_rootv1p2p1.xsd", "ims_xml.xsd")

NS_IMSCP = "http://www.imsproject.org/xsd/imscp_rootv1p1p2"
NS_ADLCP = "http://www.adlnet.org/xsd/adlcp_rootv1p2"
NS_IMSMD = "http://www.imsglobal.org/xsd/imsmd_rootv1p2p1"

# A driver that imports all three namespaces: libxml2 ignores xsi:schemaLocation, and imscp's
# strict wildcards need the adlcp and imsmd declarations in the same compiled schema.
_DRIVER = f"""<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:ilmpack:driver">
  <xsd:import namespace="{NS_IMSCP}" schemaLocation="imscp_rootv1p1p2.xsd"/>
  <xsd:import namespace="{NS_ADLCP}" schemaLocation="adlcp_rootv1p2.xsd"/>
  <xsd:import namespace="{NS_IMSMD}" schemaLocation="imsmd_rootv1p2p1.xsd"/>
</xsd:schema>"""


class _PatchedSchemas(etree.Resolver):
    """Serve the 2001 schemas with two known defects mended in memory (the files stay verbatim).

    - ims_xml.xsd binds the XML namespace as default namespace, which libxml2 refuses.
    - imsmd's `##any` wildcard breaks Unique Particle Attribution; `##other` is what it means.
    """

    def __init__(self, folder: Path):
        super().__init__()
        self.folder = folder

    def resolve(self, url, pubid, context):
        name = Path(url).name
        if name not in CONTROL_FILES:
            return None
        text = (self.folder / name).read_text(encoding="utf-8")
        if name == "ims_xml.xsd":
            text = text.replace('xmlns="http://www.w3.org/XML/1998/namespace"', "")
        if name == "imsmd_rootv1p2p1.xsd":
            text = text.replace('namespace="##any"', 'namespace="##other"')
        return self.resolve_string(text.encode("utf-8"), context)


@lru_cache(maxsize=1)
def scorm12_schema() -> etree.XMLSchema:
    """The compiled SCORM 1.2 CAM schema set."""
    folder = data_dir("schemas") / "scorm12"
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    parser.resolvers.add(_PatchedSchemas(folder))
    driver = etree.fromstring(_DRIVER.encode(), parser, base_url=(folder / "driver.xsd").as_uri())
    return etree.XMLSchema(driver)


def control_files() -> dict[str, Path]:
    """The four control documents, to ship at the package root."""
    folder = data_dir("schemas") / "scorm12"
    return {name: folder / name for name in CONTROL_FILES}


def schema_errors(tree: etree._Element) -> list[str]:
    """XSD errors of a manifest tree, as 'line N: message' strings (empty when valid)."""
    schema = scorm12_schema()
    if schema.validate(tree):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]


# cmi5 and TinCan: one self-contained XSD each, taken verbatim (schemas/<standard>/SOURCE.md).
XAPI_SCHEMAS = {"cmi5": "cmi5/CourseStructure.xsd", "tincan": "tincan/tincan.xsd"}
NS_CMI5 = "https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"
NS_TINCAN = "http://projecttincan.com/tincan.xsd"


@lru_cache(maxsize=None)
def xapi_schema(standard: str) -> etree.XMLSchema:
    """The compiled course-structure schema of `cmi5` or `tincan`."""
    path = data_dir("schemas") / XAPI_SCHEMAS[standard]
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    return etree.XMLSchema(etree.parse(str(path), parser))


def xapi_schema_errors(standard: str, tree) -> list[str]:
    """XSD errors of a cmi5.xml or tincan.xml tree, as 'line N: message' strings (empty when valid)."""
    schema = xapi_schema(standard)
    if schema.validate(tree):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]
