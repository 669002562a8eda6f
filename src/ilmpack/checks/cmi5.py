"""cmi5.xml: CourseStructure.xsd, then the rules it cannot say (cmi5 Quartz §13-14)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from ..xsd import NS_CMI5
from .xapi import DescriptorRules

# Launch parameters the LMS adds (§8.1): an AU url must not use them itself.
LAUNCH_PARAMETERS = ("endpoint", "fetch", "actor", "registration", "activityId")


def _c(tag: str) -> str:
    return f"{{{NS_CMI5}}}{tag}"


class Cmi5Rules(DescriptorRules):
    """Unique absolute ids, AU urls that exist, a moveOn that means something."""

    standard = "cmi5"
    namespace = NS_CMI5
    root_tag = "courseStructure"
    what = "a cmi5.xml"

    def rules(self, root) -> None:
        self.ids(root.iter(_c("course"), _c("block"), _c("au"), _c("objective")), "@id")
        aus = list(root.iter(_c("au")))
        for au in aus:
            url = au.find(_c("url"))
            if url is not None and (url.text or "").strip():
                self.launch_path(url, "au/url", url.text)
                taken = [k for k, _ in parse_qsl(urlsplit(url.text.strip()).query) if k in LAUNCH_PARAMETERS]
                if taken:
                    self.add(url, "au/url", f"'{url.text.strip()}' uses '{taken[0]}', a name the LMS adds at launch; "
                                            "rename that query parameter")
        if aus and all(au.get("moveOn", "NotApplicable") == "NotApplicable" for au in aus):
            self.add(aus[0], "au/@moveOn", "no AU has a moveOn, so the LMS counts the course as done as soon as the "
                                           "learner is registered; set moveOn (Passed, Completed, ...) on the AUs",
                     warning=True)


def check(data: bytes, where: str, names: list[str]):
    """Every problem of a cmi5.xml, with the package's stored file names."""
    return Cmi5Rules(data, where, names).check()


def summary(root) -> dict:
    """Title (the course's first langstring), its languages, the AUs' mastery score in percent."""
    titles = root.findall(f"{_c('course')}/{_c('title')}/{_c('langstring')}")
    scores = []
    for au in root.iter(_c("au")):
        if au.get("masteryScore") is not None:
            score = round(float(au.get("masteryScore")) * 100, 2)
            score = int(score) if score.is_integer() else score
            if score not in scores:
                scores.append(score)
    return {"title": (titles[0].text or "").strip() or None if titles else None,
            "languages": sorted({t.get("lang") for t in titles if t.get("lang")}),
            # One number when the AUs agree, a list when they differ.
            "mastery_score": (scores[0] if len(scores) == 1 else scores) if scores else None}
