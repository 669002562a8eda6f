/*
 * Block part: case (docs/CONTRACT.md, "Block parts" and "blocks/case.html").
 * One step shown at a time; a choice shows its consequence (a live region)
 * and moves on; "back one step" and "start again" let the learner try
 * another path. Reaching an end step journals the path (type performance,
 * the step ids; result neutral, or for a scored case correct when the path
 * earned the best possible points, else wrong, weighted by those points).
 *
 * State slice "case": per case in document order, the path as choice
 * numbers (one digit each, 0-8), comma-separated, trailing empty entries cut.
 */
ILM.block("case", function (core) {
  var $ = core.$, $$ = core.$$, el = core.el, str = core.str, cssEscape = core.cssEscape;
  var CASES = core.config.cases || {};
  var TEXT_MAX = 255;              // SCORM 1.2 CMIFeedback: student_response
  var PATH_MAX = 200;              // choices kept per case (a looping case could go on for ever)

  var boxes = $$("[data-case]").filter(function (b) {
    return Object.prototype.hasOwnProperty.call(CASES, b.getAttribute("data-case"));
  });
  if (!boxes.length) return;
  var IDS = boxes.map(function (b) { return b.getAttribute("data-case"); });
  var paths = {};                  // case id -> [choice number, ...]
  IDS.forEach(function (id) { paths[id] = []; });

  function boxOf(id) { return $('[data-case="' + cssEscape(id) + '"]'); }
  function stepNode(box, sid) { return $('[data-step="' + cssEscape(sid) + '"]', box); }

  // The step ids of a path from the start, and the points it collected.
  function walk(id, path) {
    var c = CASES[id], steps = [c.start], points = 0;
    path.forEach(function (n) {
      var choice = c.steps[steps[steps.length - 1]][n];
      steps.push(choice[0]);
      points += choice[1] || 0;
    });
    return {steps: steps, points: points, at: steps[steps.length - 1]};
  }

  // Keep only the part of a saved path that is still a path of this case.
  function validPath(id, path) {
    var c = CASES[id], at = c.start, out = [];
    for (var i = 0; i < path.length && i < PATH_MAX; i++) {
      var choices = c.steps[at] || [];
      if (!(path[i] >= 0 && path[i] < choices.length)) break;
      out.push(path[i]);
      at = choices[path[i]][0];
    }
    return out;
  }

  // Step ids joined with ",", at most 255 characters: whole ids from the
  // start, and always the end step the learner reached.
  function pathResponse(steps) {
    var all = steps.join(",");
    if (all.length <= TEXT_MAX) return all;
    var last = steps[steps.length - 1], out = "";
    for (var i = 0; i < steps.length - 1; i++) {
      var next = out ? out + "," + steps[i] : steps[i];
      if (next.length + 1 + last.length > TEXT_MAX) break;
      out = next;
    }
    return out ? out + "," + last : last;
  }

  function choiceButton(box, sid, n) {
    return $('button[data-choice="' + n + '"]', stepNode(box, sid));
  }

  function consequenceHtml(box, sid, n) {
    var t = $('template[data-consequence="' + n + '"]', stepNode(box, sid));
    return t ? t.innerHTML : "";
  }

  // Show the case as its path says; focus the new step when the learner acted.
  function render(id, opts) {
    opts = opts || {};
    var box = boxOf(id), c = CASES[id], path = paths[id], w = walk(id, path);
    $$("[data-step]", box).forEach(function (s) { s.hidden = s.getAttribute("data-step") !== w.at; });
    // The path so far, as the learner's own choices.
    var list = $("[data-case-path]", box);
    list.textContent = "";
    path.forEach(function (n, i) {
      list.appendChild(el("li", "", choiceButton(box, w.steps[i], n).textContent.trim()));
    });
    $("[data-case-trail]", box).hidden = path.length === 0;
    // The consequence of the last choice.
    var region = $("[data-case-consequence]", box);
    if (path.length) {
      var last = path[path.length - 1], from = w.steps[w.steps.length - 2];
      region.innerHTML = "";
      region.appendChild(el("p", "ilm-case-chosen", str("case_you_chose", {choice: choiceButton(box, from, last).textContent.trim()})));
      var body = el("div", "ilm-case-consequence-text");
      body.innerHTML = consequenceHtml(box, from, last);
      region.appendChild(body);
    } else {
      region.textContent = "";
    }
    var ended = !(c.steps[w.at] || []).length;
    var result = $("[data-case-result]", box);
    if (ended) {
      result.textContent = str("case_done") + (c.scored && c.best ? " " + str("case_points", {points: w.points, best: c.best}) : "");
    }
    result.hidden = !ended;
    var ro = core.readOnly;
    $$("button[data-choice]", box).forEach(function (b) { b.disabled = ro; });
    $('button[data-action="case-back"]', box).disabled = ro || path.length === 0;
    $('button[data-action="case-restart"]', box).disabled = ro || path.length === 0;
    if (opts.focus) stepNode(box, w.at).focus();
    return {ended: ended, walk: w};
  }

  function journal(id, w) {
    var c = CASES[id];
    var rec = {id: id, type: "performance", response: pathResponse(w.steps), correct: [], result: "neutral",
               weighting: null, latency: null, timestamp: Date.now()};
    if (c.scored && c.best) {
      rec.result = w.points >= c.best ? "correct" : "wrong";
      rec.weighting = c.best;
    }
    core.interaction(rec);
  }

  boxes.forEach(function (box) {
    var id = box.getAttribute("data-case");
    box.addEventListener("click", function (e) {
      var b = e.target.closest ? e.target.closest("button[data-choice]") : null;
      if (!b || !box.contains(b) || b.disabled) return;
      if (paths[id].length >= PATH_MAX) return;
      paths[id].push(Number(b.getAttribute("data-choice")));
      var shown = render(id, {focus: true});
      if (shown.ended) journal(id, shown.walk);
      core.changed();
    });
  });

  function caseOf(button) { return button.closest("[data-case]").getAttribute("data-case"); }

  core.action("case-back", function (button) {
    var id = caseOf(button);
    if (!paths[id].length) return;
    paths[id].pop();
    render(id, {focus: true});
    core.changed();
  });

  core.action("case-restart", function (button) {
    var id = caseOf(button);
    paths[id] = [];
    render(id, {focus: true});
    core.changed();
  });

  core.slice("case", {
    encode: function (room) {
      var parts = IDS.map(function (id) { return paths[id].join(""); });
      var text = parts.join(",").replace(/,+$/, "");
      // Over its room, the cases from the end start afresh on the next launch.
      while (text.length > room && parts.length) {
        parts.pop();
        text = parts.join(",").replace(/,+$/, "");
      }
      return text;
    },
    decode: function (text) {
      var parts = text ? text.split(",") : [];
      IDS.forEach(function (id, i) {
        var digits = (parts[i] || "").split("").map(Number);
        paths[id] = validPath(id, digits);
      });
    }
  });

  return {
    restore: function () {
      boxes.forEach(function (box) {
        var s = $("[data-case-static]", box);
        if (s) s.hidden = true;
        $("[data-case-play]", box).hidden = false;
        render(box.getAttribute("data-case"));
      });
    }
  };
});
