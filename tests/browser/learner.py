"""The learner the browser tests share: every question kind answered with the keyboard alone,
and the answer key of a package (what a right and a wrong answer to each question is, and what
the LMS should then hold).

The key is read from the package's runtime config (#ilmpack-config); fill-in questions keep their
accepted answers out of it (they are words of the page's language, in the page markup), so those
are read from the course source, or from the package's markup when there is no source.
"""

from __future__ import annotations

import functools
import html.parser
import json
from pathlib import Path

from playwright.sync_api import expect

SHOWN_PAGE = "section.ilm-page:not([hidden])"
SUBMIT = 'button[data-action="submit-test"]'
RETAKE = 'button[data-action="retake"]'
RESULT = "[data-test-result]"
STEP_TIMEOUT_MS = 5_000  # as conftest.STEP_TIMEOUT_MS

CHOICE_KINDS = ("single", "multiple", "true-false", "likert")

# The SCORM 1.2 interaction type of each kind (README, "What the LMS gets for each test question").
INTERACTION_TYPE = {"single": "choice", "multiple": "choice", "true-false": "true-false", "matching": "matching",
                    "ordering": "sequencing", "fill-in": "fill-in", "numeric": "numeric", "likert": "likert"}


class Learner:
    """A learner who uses only the keyboard: focus moves by Tab or lands where the course puts
    it; choices are made with Space, arrow keys, Enter and typing. `package` needs `.config`."""

    def __init__(self, page, frame, package):
        self.page = page
        self.frame = frame
        self.package = package

    @classmethod
    def launch(cls, browsing, pkg, path, cmi, refuse=None, profile=None):
        """The SCO at `path` launched by the test LMS (tests/browser/harness) with `cmi`; in a
        fresh browser profile, or in `profile` (a browser context: its localStorage, where
        reflection answers stay, survives between launches)."""
        if profile is None:
            page = browsing.new_page()
        else:
            page = profile.new_page()
            page.set_default_timeout(STEP_TIMEOUT_MS)
            page.on("pageerror", lambda err: browsing.page_errors.append(f"{page.url}: {err}"))
        page.goto(f"{browsing.base_url}/harness.html")
        page.evaluate("options => startLms(options)", {"cmi": cmi, "src": path, "refuse": refuse})
        frame = page.frame(name="sco")
        assert frame is not None, "the harness did not create the SCO iframe"
        learner = cls(page, frame, pkg)
        expect(frame.locator(SHOWN_PAGE)).to_have_count(1)
        return learner

    def shown_page_id(self) -> str:
        shown = self.frame.locator(SHOWN_PAGE)
        expect(shown).to_have_count(1)
        return shown.get_attribute("data-page-id")

    def q(self, qid: str):
        return self.frame.locator(f'[data-question="{qid}"]')

    def press(self, locator, key: str) -> None:
        locator.focus()
        locator.press(key)

    def next_page(self) -> None:
        before = self.shown_page_id()
        self.press(self.frame.locator('button[data-nav="next"]'), "Enter")
        expect(self.frame.locator(SHOWN_PAGE)).not_to_have_attribute("data-page-id", before)

    def give(self, qid: str, answer) -> None:
        """Answer question qid with the keyboard; `answer` as the kind takes it: option keys for
        single, multiple, true-false and likert; the target key of each source (in the order of
        `sources`) for matching; the item keys in order for ordering; the text typed for fill-in
        and numeric."""
        q = self.package.config["questions"][qid]
        kind, box = q["kind"], self.q(qid)
        if kind in ("single", "true-false", "likert"):
            self.press(box.locator(f'input[value="{answer[0]}"]'), "Space")
        elif kind == "multiple":
            for key in q["options"]:
                want = key in answer
                box_input = box.locator(f'input[value="{key}"]')
                if box_input.is_checked() != want:
                    self.press(box_input, "Space")
        elif kind == "matching":
            for source, target in zip(q["sources"], answer):
                select = box.locator(f'select[data-source="{source}"]')
                values = select.locator("option").evaluate_all("os => os.map(o => o.value)")
                select.focus()
                steps = values.index(target) - values.index(select.input_value())
                for _ in range(abs(steps)):
                    select.press("ArrowDown" if steps > 0 else "ArrowUp")
                expect(select).to_have_value(target)
        elif kind == "ordering":
            for i, key in enumerate(answer):
                shown = box.locator("li[data-item]").evaluate_all("ls => ls.map(l => l.dataset.item)")
                up = box.locator(f'button[data-action="question-move-up"][data-item="{key}"]')
                for _ in range(shown.index(key) - i):
                    self.press(up, "Enter")
                    expect(up).to_be_focused()
            assert box.locator("li[data-item]").evaluate_all("ls => ls.map(l => l.dataset.item)") == list(answer)
        else:  # fill-in, numeric
            field = box.locator("input[data-answer]")
            field.focus()
            field.press("Control+A")
            field.press("Delete")
            self.page.keyboard.type(answer)
            field.press("Tab")   # leaving the field is the change

    def given(self, qid: str):
        """What the page shows as the answer to qid, in the form `give` takes."""
        q = self.package.config["questions"][qid]
        kind, box = q["kind"], self.q(qid)
        if kind in CHOICE_KINDS:
            return [k for k in q["options"] if box.locator(f'input[value="{k}"]').is_checked()]
        if kind == "matching":
            return [box.locator(f'select[data-source="{s}"]').input_value() for s in q["sources"]]
        if kind == "ordering":
            return box.locator("li[data-item]").evaluate_all("ls => ls.map(l => l.dataset.item)")
        return box.locator("input[data-answer]").input_value()

    def controls(self, qid: str):
        """The controls that answer qid (options, lists, move buttons, the text field)."""
        return self.q(qid).locator("input, select, button[data-action^='question-move']")

    def check(self, qid: str) -> None:
        self.press(self.q(qid).locator('button[data-action="check"]'), "Enter")

    def submit(self) -> None:
        self.press(self.frame.locator(SUBMIT), "Enter")
        expect(self.frame.locator(RESULT).first).to_be_visible()

    def retake(self) -> None:
        self.press(self.frame.locator(RETAKE), "Enter")
        expect(self.frame.locator(SUBMIT)).to_be_visible()

    def visible_test_ids(self) -> list[str]:
        return self.frame.locator('[data-question][data-scored]:not([hidden])').evaluate_all(
            "bs => bs.map(b => b.dataset.question)")

    # --- what the LMS holds (the test LMS's journal and data model)

    def lms_log(self) -> list[dict]:
        return self.page.evaluate("() => window.lmsLog")

    def lms_cmi(self) -> dict:
        return self.page.evaluate("() => lmsState()")["cmi"]["cmi"]

    def finish(self) -> None:
        self.press(self.frame.locator('button[data-action="finish"]:visible'), "Enter")
        self.page.wait_for_function("() => lmsLog.some(c => c.fn === 'LMSFinish')")

    def leave(self) -> str:
        """Close the player (the SCO document is unloaded); returns the suspend_data the LMS keeps."""
        self.page.evaluate("() => unloadSco()")
        return self.lms_cmi()["suspend_data"]


# ---------------------------------------------------------------------------
# The answer key


class _FillInAnswers(html.parser.HTMLParser):
    """data-answers of every fill-in question in a package's index.html."""

    def __init__(self):
        super().__init__()
        self.answers: dict[str, list[str]] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("data-kind") == "fill-in" and a.get("data-answers") is not None:
            self.answers[a["data-question"]] = json.loads(a["data-answers"])


@functools.cache
def _answers_from_source(course_dir: str, lang: str) -> dict[str, tuple[str, ...]]:
    from ilmpack.build import check_course

    course = check_course(course_dir, langs=[lang]).course
    return {b.id: tuple(str(a) for a in b.data["answers"]) for p in course.pages_in(lang) for b in p.blocks
            if b.kind == "question" and b.data.get("kind") == "fill-in"}


def fill_in_answers(pkg) -> dict[str, list[str]]:
    """The accepted answers of each fill-in question: from `pkg.source` (the course folder) when
    the package has one, else from the package's markup."""
    source = getattr(pkg, "source", None)
    if source is not None:
        return {k: list(v) for k, v in _answers_from_source(str(source), pkg.config["lang"]).items()}
    finder = _FillInAnswers()
    finder.feed((Path(pkg.sco_dir) / "index.html").read_text(encoding="utf-8"))
    return finder.answers


def counts(q: dict) -> bool:
    """Whether the question counts in the score (likert and weight 0 do not)."""
    return q["kind"] != "likert" and q.get("weight", 1) > 0


def _number(x: float) -> str:
    """A number as a Norwegian learner types it: a decimal comma."""
    text = f"{float(x):.6f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def _accepted(q: dict, answers: list[str], typed: str) -> bool:
    def norm(s: str) -> str:
        s = " ".join(s.split()) if q.get("normalizeWhitespace", True) else s
        return s if q.get("caseSensitive") else s.casefold()
    return norm(typed) in {norm(a) for a in answers}


def right_answer(pkg, qid: str):
    """A right answer to qid in the form Learner.give takes (likert: the top of the scale)."""
    q = pkg.config["questions"][qid]
    kind = q["kind"]
    if kind in ("single", "multiple", "true-false"):
        return list(q["correct"])
    if kind == "likert":
        return [q["options"][-1]]
    if kind == "matching":
        target = dict(pair.split(".") for pair in q["correct"])
        return [target[s] for s in q["sources"]]
    if kind == "ordering":
        return list(q["correct"])
    if kind == "numeric":
        return _number(q["answer"] if "answer" in q else (q["min"] + q["max"]) / 2)
    if kind == "fill-in":
        answers = fill_in_answers(pkg)[qid]
        return answers[0]
    raise AssertionError(f"{qid}: unknown kind {kind}")


def wrong_answer(pkg, qid: str):
    """A wrong answer to qid in the form Learner.give takes (likert: the bottom of the scale)."""
    q = pkg.config["questions"][qid]
    kind = q["kind"]
    if kind in ("single", "multiple", "true-false"):
        others = [k for k in q["options"] if k not in q["correct"]]
        assert others, f"every option is correct, no wrong answer possible: {q}"
        return others if kind == "multiple" else others[:1]
    if kind == "likert":
        return [q["options"][0]]
    if kind == "matching":
        good = right_answer(pkg, qid)
        return good[1:] + good[:1]
    if kind == "ordering":
        return list(reversed(q["correct"]))
    if kind == "numeric":
        top = q["answer"] + q.get("tolerance", 0) if "answer" in q else q["max"]
        return _number(top + 1)
    if kind == "fill-in":
        typed = "vet ikke"
        assert not _accepted(q, fill_in_answers(pkg)[qid], typed), f"{qid} accepts {typed!r}"
        return typed
    raise AssertionError(f"{qid}: unknown kind {kind}")


def scorm_response(pkg, qid: str, answer) -> str:
    """cmi.interactions.n.student_response for `answer` (as Learner.give takes it), as the README
    documents it for each kind."""
    q = pkg.config["questions"][qid]
    kind = q["kind"]
    if kind in CHOICE_KINDS:
        return ",".join(k for k in q["options"] if k in answer)
    if kind == "matching":
        return ",".join(f"{s}.{t}" for s, t in zip(q["sources"], answer))
    if kind == "ordering":
        return ",".join(answer)
    if kind == "numeric":
        return answer.replace(" ", "").replace(",", ".")
    return answer
