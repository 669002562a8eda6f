"""tincan.xml: tincan.xsd, then the rules it cannot say (Rustici's launch; what LMSs check on upload)."""

from __future__ import annotations

from ..xsd import NS_TINCAN
from .xapi import DescriptorRules


def _t(tag: str) -> str:
    return f"{{{NS_TINCAN}}}{tag}"


class TinCanRules(DescriptorRules):
    """Exactly one launchable activity, unique absolute ids, launch paths that exist."""

    standard = "tincan"
    namespace = NS_TINCAN
    root_tag = "tincan"
    what = "a tincan.xml"

    def rules(self, root) -> None:
        activities = list(root.iter(_t("activity")))
        self.ids(activities, "activity/@id")
        launchable = [a for a in activities if a.find(_t("launch")) is not None or a.find(_t("resource")) is not None]
        if not launchable:
            self.add(root, "activity/launch", "no activity has a <launch>; an LMS has nothing to start: give the "
                                              "course activity <launch>index.html</launch>")
        for extra in launchable[1:]:
            self.add(extra, "activity/launch", f"activity '{extra.get('id')}' is launchable too, but only one may be "
                                               f"(the first is on line {launchable[0].sourceline}); LMSs refuse the package")
        for activity in launchable:
            if activity.get("id") is None:
                self.add(activity, "activity/@id", "the launchable activity has no id; statements need it as their object")
            for el in activity.findall(_t("launch")):
                if (el.text or "").strip():
                    self.launch_path(el, "activity/launch", el.text)


def check(data: bytes, where: str, names: list[str]):
    """Every problem of a tincan.xml, with the package's stored file names."""
    return TinCanRules(data, where, names).check()


def summary(root) -> dict:
    """Title and languages of the launchable activity; TinCan states no mastery score."""
    launchable = [a for a in root.iter(_t("activity")) if a.find(_t("launch")) is not None]
    names = launchable[0].findall(_t("name")) if launchable else []
    return {"title": (names[0].text or "").strip() or None if names else None,
            "languages": sorted({n.get("lang") for n in names if n.get("lang")}),
            "mastery_score": None}
