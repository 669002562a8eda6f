"""```case: a service situation in steps; the learner picks an action, sees its consequence, and may go back."""

from __future__ import annotations

from typing import Mapping

from ..errors import Problem, close_matches
from ..sourcemap import SourceMap
from .base import SAME, BlockKind, BlockPage, StateShare


class CaseBlock(BlockKind):
    """A case with choices: steps joined by `goto`, end steps with an `outcome`. Scored by the path's
    points when `scored: true` on the test page."""

    name = "case"
    same_in_every_language = ("id", "start", "scored")
    config_key = "cases"

    def rules(self, data: Mapping, smap: SourceMap) -> list[Problem]:
        """Step ids unique, every goto and the start name a step, every step reachable, an end reachable."""
        steps = data["steps"]
        out: list[Problem] = []
        first: dict[str, int] = {}
        for i, step in enumerate(steps):
            if step["id"] in first:
                line = smap.locate(("steps", first[step["id"]], "id"))[0]
                out.append(smap.problem(("steps", i, "id"), f"duplicate step id '{step['id']}' (first on line {line}); "
                                        "each step needs its own id"))
            else:
                first[step["id"]] = i
            if "choices" in step and "outcome" in step:
                out.append(smap.problem(("steps", i, "outcome"), f"step '{step['id']}' has choices and an outcome; an end step "
                                        "has only an outcome, any other step only choices: remove one", key=True))
            elif "choices" not in step and "outcome" not in step:
                out.append(smap.problem(("steps", i), f"step '{step['id']}' has neither choices nor an outcome; give it "
                                        "choices, or an outcome if the case ends here"))
        if data["start"] not in first:
            out.append(smap.problem(("start",), f"'{data['start']}' is not the id of a step{_did_you_mean(data['start'], first)}"))
        for i, step in enumerate(steps):
            for j, choice in enumerate(step.get("choices", [])):
                if choice["goto"] not in first:
                    out.append(smap.problem(("steps", i, "choices", j, "goto"), f"'{choice['goto']}' is not the id of a step"
                                            f"{_did_you_mean(choice['goto'], first)}"))
        if out:
            return out  # the graph is not whole yet: reachability would only repeat these
        graph = {s["id"]: [c["goto"] for c in s.get("choices", [])] for s in steps}
        ends = {s["id"] for s in steps if "choices" not in s}
        seen = _reachable(graph, data["start"])
        for i, step in enumerate(steps):
            if step["id"] not in seen:
                out.append(smap.problem(("steps", i, "id"), f"step '{step['id']}' cannot be reached from the start "
                                        f"('{data['start']}'); let a choice go to it (goto: {step['id']}) or remove it", warning=True))
        if not ends & seen:
            out.append(smap.problem(("start",), "no end step can be reached from here; let a path end in a step with an "
                                    "outcome and no choices"))
            return out
        reverse: dict[str, list[str]] = {}
        for sid, targets in graph.items():
            for t in targets:
                reverse.setdefault(t, []).append(sid)
        can_end = set().union(*(_reachable(reverse, e) for e in ends))
        for i, step in enumerate(steps):
            if step["id"] in seen and step["id"] not in can_end:
                out.append(smap.problem(("steps", i, "id"), f"no end step can be reached from step '{step['id']}'; the learner "
                                        "can only go back from it: let one of its paths end in an outcome", warning=True))
        if data.get("scored"):
            out += _scored_rules(data, smap, graph)
        return out

    def translation_problems(self, base: Mapping, other: Mapping, smap: SourceMap, base_file: str) -> list[Problem]:
        """Same id, start and scoring; the same steps in the same order with the same choices, gotos and points."""
        out = super().translation_problems(base, other, smap, base_file)
        if out:
            return out
        s0, s1 = base["steps"], other["steps"]
        if [s["id"] for s in s0] != [s["id"] for s in s1]:
            return [smap.problem(("steps",), f"has the steps {', '.join(s['id'] for s in s1)} but {base_file} has "
                                 f"{', '.join(s['id'] for s in s0)}; {SAME}: keep the step ids and their order")]
        for i, (a, b) in enumerate(zip(s0, s1)):
            c0, c1 = a.get("choices", []), b.get("choices", [])
            if len(c0) != len(c1):
                out.append(smap.problem(("steps", i, "choices") if c1 else ("steps", i), f"step '{b['id']}' has {len(c1)} "
                                        f"choices here but {len(c0)} in {base_file}; {SAME}"))
                continue
            for j, (x, y) in enumerate(zip(c0, c1)):
                for key in ("goto", "points"):
                    if x.get(key) != y.get(key):
                        out.append(smap.problem(("steps", i, "choices", j, key) if key in y else ("steps", i, "choices", j),
                                                f"is {_show(y.get(key))} here but {_show(x.get(key))} in "
                                                f"{base_file}; {SAME}: keep {key} as it is"))
        return out

    def view(self, data: Mapping, page: BlockPage) -> dict:
        """`case` for blocks/case.html: every step with its text, choices and consequences as HTML."""
        steps = [{"id": s["id"], "text_html": page.inline(s["text"]), "outcome_html": page.inline(s.get("outcome", "")),
                  "choices": [{"number": j, "html": page.inline(str(c["text"])), "goto": c["goto"],
                               "consequence_html": page.inline(c["consequence"])} for j, c in enumerate(s.get("choices", []))]}
                 for s in data["steps"]]
        return {"case": {"id": data["id"], "title": data["title"], "start": data["start"], "steps": steps,
                         "scored": bool(data.get("scored")) and page.is_test}}

    def state_size(self, blocks: list[tuple[Mapping, bool]], policy: Mapping, exact: Mapping) -> StateShare:
        """The paths, one digit a choice, comma-separated; all of them may be dropped."""
        return StateShare(0, {data["id"]: longest_path(data) + (1 if i else 0) for i, (data, _) in enumerate(blocks)})

    def runtime_entry(self, data: Mapping, view: dict, page: BlockPage) -> dict:
        """The graph (step -> [[goto, points], ...]; [] for an end step), the start, and for a scored case the best path's points."""
        scored = view["case"]["scored"]
        steps = {s["id"]: [[c["goto"], c.get("points", 0)] for c in s.get("choices", [])] for s in data["steps"]}
        return {"page": page.id, "start": data["start"], "scored": scored, "steps": steps,
                "best": best_points(steps, data["start"]) if scored else None}


PATH_MAX = 200  # choices the runtime keeps per case (blocks/case.js), for cases that loop


def longest_path(data: Mapping) -> int:
    """The most choices a learner can make in the case before an end (PATH_MAX if it can loop)."""
    graph = {s["id"]: [c["goto"] for c in s.get("choices", [])] for s in data["steps"]}
    memo: dict[str, int] = {}
    busy: set[str] = set()

    def longest(sid: str) -> int:
        if sid in busy:
            raise RecursionError  # a loop: the learner can go round it until PATH_MAX
        if sid not in memo:
            busy.add(sid)
            memo[sid] = max((1 + longest(g) for g in graph.get(sid, [])), default=0)
            busy.discard(sid)
        return memo[sid]

    try:
        return min(longest(data["start"]), PATH_MAX)
    except RecursionError:
        return PATH_MAX


def best_points(steps: Mapping[str, list], start: str) -> int:
    """The most points any path from `start` to an end step collects (the graph has no cycle: rules say so)."""
    memo: dict[str, int] = {}

    def best(sid: str) -> int:
        if sid not in memo:
            choices = steps[sid]
            memo[sid] = max((points + best(goto) for goto, points in choices), default=0)
        return memo[sid]

    return best(start)


def _scored_rules(data: Mapping, smap: SourceMap, graph: dict) -> list[Problem]:
    """A scored case has points to give and no path that returns to a step (its best path must be finite)."""
    out = []
    if not any(c.get("points") for s in data["steps"] for c in s.get("choices", [])):
        out.append(smap.problem(("scored",), "the case is scored but no choice has points; give the better choices "
                                "points: (a whole number 0-100), or remove scored: true"))
    index = {s["id"]: i for i, s in enumerate(data["steps"])}
    state: dict[str, int] = {}  # 1 on the current path, 2 done

    def visit(sid: str) -> None:
        state[sid] = 1
        for j, goto in enumerate(graph[sid]):
            if state.get(goto) == 1:
                out.append(smap.problem(("steps", index[sid], "choices", j, "goto"), f"goes back to step '{goto}', which "
                                        "is earlier on the same path; a scored case cannot loop (its best score would "
                                        "have no end): the learner has the 'back' control instead"))
            elif goto not in state:
                visit(goto)
        state[sid] = 2

    visit(data["start"])
    return out


def _reachable(graph: Mapping[str, list], start: str) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        for nxt in graph.get(todo.pop(), []):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _show(value) -> str:
    return "not given" if value is None else f"'{value}'" if isinstance(value, str) else str(value)


def _did_you_mean(value: str, ids) -> str:
    close = close_matches(value, list(ids), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else f"; the steps are: {', '.join(ids)}"


BLOCK = CaseBlock()
