/*
 * Block part: question (docs/CONTRACT.md, "Block parts").
 * Knowledge checks (feedback at once, answers kept) and the scored test
 * (submit, per-question marks, result, retake). Answer kinds are handlers
 * in KINDS below: a new kind is one entry there, nothing in the core.
 *
 * State slice "question": "<test>;<checks>;<draft>"
 *   test:   raw:correct:attempts:answers (answers may be dropped)
 *   checks, draft, answers: one entry per question of that group in
 *   document order, comma-separated, trailing empty entries cut.
 */
ILM.block("question", function (core) {
  var $ = core.$, $$ = core.$$, el = core.el, str = core.str, cssEscape = core.cssEscape;
  var QUESTIONS = core.config.questions || {};

  /* ------------------------------------------------------------------ */
  /* Answer kinds. An answer is whatever read() returns (null: none).     */
  /*   type:      SCORM 1.2 interaction type name                         */
  /*   read(box) / write(box, answer|null)                                */
  /*   encode(answer) -> text without "|", ";" or ","; decode(text, q)    */
  /*   isCorrect(answer, q); verdict(answer, q): correct|partly|wrong     */
  /*   chosen(answer): option keys whose feedback to show                 */
  /*   response(answer, q) / patterns(q): the neutral interaction forms   */
  /* targets/scorm12.py: suspend_data_size mirrors encode()'s longest text.   */

  function checkedKeys(box) {
    return $$("input", box).filter(function (i) { return i.checked; }).map(function (i) { return i.value; });
  }

  function checkKeys(box, keys) {
    $$("input", box).forEach(function (i) { i.checked = !!keys && keys.indexOf(i.value) !== -1; });
  }

  function sameKeys(a, b) {
    return a.slice().sort().join(",") === b.slice().sort().join(",");
  }

  // single, multiple and true-false: the answer is a list of option keys.
  var choice = {
    type: "choice",
    read: function (box) { var k = checkedKeys(box); return k.length ? k : null; },
    write: checkKeys,
    encode: function (keys) { return keys.join(""); },
    decode: function (text, q) {
      var chosen = [];
      text.split("").forEach(function (k) {
        if ((q.options || []).indexOf(k) !== -1 && chosen.indexOf(k) === -1) chosen.push(k);
      });
      return chosen.length ? chosen : null;
    },
    isCorrect: function (keys, q) { return sameKeys(keys, q.correct || []); },
    verdict: function (keys, q) {
      if (sameKeys(keys, q.correct || [])) return "correct";
      var hits = keys.filter(function (k) { return (q.correct || []).indexOf(k) !== -1; }).length;
      return q.kind === "multiple" && hits > 0 ? "partly" : "wrong";
    },
    chosen: function (keys) { return keys; },
    response: function (keys) { return keys.slice(); },
    patterns: function (q) { return [(q.correct || []).slice()]; }
  };

  var KINDS = {
    single: choice,
    multiple: choice,
    "true-false": Object.assign({}, choice, {
      type: "true-false",
      response: function (keys) { return keys[0] === "t"; },
      patterns: function (q) { return [(q.correct || [])[0] === "t"]; }
    })
  };

  function kindOf(id) { return KINDS[QUESTIONS[id].kind] || choice; }

  // Questions in document order (the config's key order is not guaranteed).
  var QIDS = (function () {
    var order = {};
    $$("[data-question]").forEach(function (node, i) { order[node.getAttribute("data-question")] = i; });
    var rank = function (id) { return Object.prototype.hasOwnProperty.call(order, id) ? order[id] : Infinity; };
    return Object.keys(QUESTIONS).sort(function (a, b) {
      return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
    });
  })();
  var TEST_IDS = QIDS.filter(function (id) { return QUESTIONS[id].scored; });
  var CHECK_IDS = QIDS.filter(function (id) { return !QUESTIONS[id].scored; });
  if (TEST_IDS.length) core.declareTest();

  var checks = {};      // knowledge check id -> answer the learner checked
  var draft = {};       // test question id -> answer, test not yet submitted
  var test = null;      // {raw, correct, attempts, answers: {id: answer} | null}

  function box(id) {
    return document.querySelector('[data-question="' + cssEscape(id) + '"]');
  }

  function readAnswer(id) {
    var b = box(id);
    return b ? kindOf(id).read(b) : null;
  }

  function writeAnswer(id, answer) {
    var b = box(id);
    if (b) kindOf(id).write(b, answer);
  }

  function isCorrect(id, answer) {
    return answer !== null && answer !== undefined && kindOf(id).isCorrect(answer, QUESTIONS[id]);
  }

  /* ------------------------------------------------------------------ */
  /* State slice                                                          */

  function encodeAnswers(ids, map) {
    return ids.map(function (id) {
      return map[id] ? kindOf(id).encode(map[id]) : "";
    }).join(",").replace(/,+$/, "");
  }

  function decodeAnswers(ids, text) {
    var map = {};
    if (!text) return map;
    text.split(",").forEach(function (t, i) {
      var id = ids[i];
      if (!id || !t) return;
      var a = kindOf(id).decode(t, QUESTIONS[id]);
      if (a !== null && a !== undefined) map[id] = a;
    });
    return map;
  }

  // Keeps the first entries whole that fit in room characters.
  function fitAnswers(ids, map, room) {
    var text = encodeAnswers(ids, map);
    if (text.length <= room) return text;
    text = text.slice(0, Math.max(0, room));
    var cut = text.lastIndexOf(",");
    return cut < 0 ? "" : text.slice(0, cut).replace(/,+$/, "");
  }

  function encodeSlice(keepDraft, keepTestAnswers, checksRoom) {
    var t = test;
    var testText = t ? [t.raw, t.correct, Math.min(t.attempts, 999),
      keepTestAnswers && t.answers ? encodeAnswers(TEST_IDS, t.answers) : ""].join(":") : "";
    return [testText, fitAnswers(CHECK_IDS, checks, checksRoom),
      keepDraft ? encodeAnswers(TEST_IDS, draft) : ""].join(";");
  }

  // Over room, dropped first: unsubmitted test answers, then knowledge-check
  // answers from the end, then the submitted test answers (score stays).
  core.slice("question", {
    encode: function (room) {
      var text = encodeSlice(true, true, Infinity);
      if (text.length <= room) return text;
      var keepTest = [true, false];
      for (var i = 0; i < keepTest.length; i++) {
        var left = room - encodeSlice(false, keepTest[i], 0).length;
        if (left >= 0) return encodeSlice(false, keepTest[i], left);
      }
      return encodeSlice(false, false, 0);
    },
    decode: function (text) {
      var g = text.split(";");
      test = null;
      if (g[0]) {
        var t = g[0].split(":");
        var raw = parseInt(t[0], 10);
        if (!isNaN(raw) && raw >= 0 && raw <= 100) {
          var answers = decodeAnswers(TEST_IDS, t[3]);
          test = {raw: raw, correct: parseInt(t[1], 10) || 0, attempts: parseInt(t[2], 10) || 1,
                  answers: Object.keys(answers).length ? answers : null};
        }
      }
      checks = decodeAnswers(CHECK_IDS, g[1]);
      draft = test ? {} : decodeAnswers(TEST_IDS, g[2]);
      core.testResult(test);
    }
  });

  /* ------------------------------------------------------------------ */
  /* Knowledge checks                                                     */

  function optionText(b, key) {
    var input = $('input[value="' + cssEscape(key) + '"]', b);
    var label = input && input.id ? $('label[for="' + cssEscape(input.id) + '"]', b) : null;
    return label ? label.textContent.trim() : key;
  }

  function showCheck(id, answer) {
    var b = box(id);
    var out = b && $("[data-feedback]", b);
    if (!out) return;
    out.textContent = "";
    if (answer === null) {
      out.appendChild(el("p", "ilm-verdict ilm-verdict-hint", str("select_first")));
      return;
    }
    var kind = kindOf(id);
    var v = kind.verdict(answer, QUESTIONS[id]);
    var verdict = {correct: str("fb_correct"), partly: str("fb_partly"), wrong: str("fb_wrong")}[v];
    var cls = {correct: "is-correct", partly: "is-partly", wrong: "is-wrong"}[v];
    out.appendChild(el("p", "ilm-verdict " + cls, verdict));

    (kind.chosen ? kind.chosen(answer) : []).forEach(function (k) {
      var tpl = $('template[data-feedback-for="' + cssEscape(k) + '"]', b);
      if (!tpl) return;
      var item = el("div", "ilm-fb-item");
      var head = el("p", "ilm-fb-choice");
      head.appendChild(el("span", "ilm-fb-label", str("your_answer") + ": "));
      head.appendChild(document.createTextNode(optionText(b, k)));
      item.appendChild(head);
      item.appendChild(tpl.content.cloneNode(true));
      out.appendChild(item);
    });
    var expl = $("template[data-explanation]", b);
    if (expl) {
      var wrap = el("div", "ilm-explanation");
      wrap.appendChild(el("p", "ilm-fb-label", str("explanation")));
      wrap.appendChild(expl.content.cloneNode(true));
      out.appendChild(wrap);
    }
  }

  core.action("check", function (target) {
    var b = target.closest("[data-question]");
    if (!b) return;
    var id = b.getAttribute("data-question");
    if (!QUESTIONS[id]) return;
    var answer = readAnswer(id);
    if (answer !== null) {
      checks[id] = answer;
      core.changed();
    }
    showCheck(id, answer);
  });

  /* ------------------------------------------------------------------ */
  /* The test                                                             */

  var testSection = document.querySelector("section.ilm-page[data-test-page]");
  var testUi = testSection ? {
    message: $("[data-test-message]", testSection),
    submit: $('button[data-action="submit-test"]', testSection),
    result: $("[data-test-result]", testSection),
    retake: $('button[data-action="retake"]', testSection)
  } : null;

  function setTestLocked(locked) {
    TEST_IDS.forEach(function (id) {
      var b = box(id);
      if (b) $$("input", b).forEach(function (i) { i.disabled = locked; });
    });
  }

  // A test question left unanswered: its error line is shown and added to
  // the question group's description, so a screen reader reads it when
  // focus lands in the group (3.3.1).
  function markMissing(b, missing) {
    if (!b) return;
    b.classList.toggle("is-missing", missing);
    var err = $("[data-q-error]", b);
    if (!err) return;
    err.hidden = !missing;
    var group = $("fieldset", b);
    if (!group || !err.id) return;
    var ids = (group.getAttribute("aria-describedby") || "").split(/\s+/).filter(function (x) {
      return x && x !== err.id;
    });
    if (missing) ids.push(err.id);
    if (ids.length) group.setAttribute("aria-describedby", ids.join(" "));
    else group.removeAttribute("aria-describedby");
  }

  function clearQuestionMarks() {
    TEST_IDS.forEach(function (id) {
      var b = box(id);
      if (!b) return;
      b.classList.remove("is-correct", "is-wrong");
      markMissing(b, false);
      var r = $("[data-q-result]", b);
      if (r) { r.hidden = true; r.textContent = ""; }
    });
  }

  // Shows the test result: marks per question, score, status, retake.
  function showTestResult() {
    if (!testUi || !test) return;
    var t = test;
    clearQuestionMarks();
    TEST_IDS.forEach(function (id) {
      writeAnswer(id, t.answers && t.answers[id] ? t.answers[id] : null);
      if (!t.answers) return;
      var b = box(id);
      var ok = isCorrect(id, t.answers[id]);
      b.classList.add(ok ? "is-correct" : "is-wrong");
      var r = $("[data-q-result]", b);
      if (r) {
        r.textContent = ok ? str("q_correct") : str("q_wrong");
        r.className = "ilm-q-result " + (ok ? "is-correct" : "is-wrong");
        r.hidden = false;
      }
    });
    setTestLocked(true);

    var c = core.completion();
    var res = testUi.result;
    res.textContent = "";
    res.appendChild(el("h2", "ilm-result-heading", str("result_heading")));
    res.appendChild(el("p", "ilm-result-score",
      str("result_score", {score: t.raw, correct: t.correct, total: TEST_IDS.length})));
    var judged = c.rule === "passed" && c.mastery !== null;
    var passed = judged && t.raw >= c.mastery;
    var line, cls;
    if (judged) {
      line = str(passed ? "result_passed" : "result_failed", {mastery: c.mastery});
      cls = passed ? "is-correct" : "is-wrong";
    } else {
      line = str("result_completed");
      cls = "is-neutral";
    }
    res.appendChild(el("p", "ilm-result-status " + cls, line));
    if (c.pagesViewed < c.pagesRequired) {
      res.appendChild(el("p", "ilm-result-pages", str("pages_missing",
        {required: c.pagesRequired, total: c.pagesTotal, viewed: c.pagesViewed})));
    }
    res.classList.add("is-shown");
    if (testUi.message) testUi.message.hidden = true;
    if (testUi.submit) testUi.submit.hidden = true;
    if (testUi.retake) testUi.retake.hidden = passed || core.readOnly;
  }

  function journal(answers) {
    var now = Date.now();
    TEST_IDS.forEach(function (id) {
      var q = QUESTIONS[id];
      var kind = kindOf(id);
      core.interaction({
        id: id,
        type: kind.type,
        response: kind.response(answers[id], q),
        correct: kind.patterns(q),
        result: isCorrect(id, answers[id]) ? "correct" : "wrong",
        weighting: 1,
        latency: null,
        timestamp: now
      });
    });
  }

  core.action("submit-test", function () {
    if (!testUi || core.readOnly) return;
    var missing = [];
    TEST_IDS.forEach(function (id) {
      var empty = readAnswer(id) === null;
      if (empty) missing.push(id);
      markMissing(box(id), empty);
    });
    if (missing.length) {
      testUi.message.textContent = str("unanswered", {count: missing.length});
      testUi.message.hidden = false;
      var first = $("input", box(missing[0]));
      if (first) first.focus();
      return;
    }
    var answers = {};
    var correct = 0;
    TEST_IDS.forEach(function (id) {
      answers[id] = readAnswer(id);
      if (isCorrect(id, answers[id])) correct++;
    });
    test = {
      raw: Math.round(100 * correct / TEST_IDS.length),
      correct: correct,
      attempts: (test ? test.attempts : 0) + 1,
      answers: answers
    };
    draft = {};
    core.testResult(test);
    showTestResult();
    testUi.result.focus();
    journal(answers);
    core.changed();
  });

  core.action("retake", function () {
    if (!testUi || core.readOnly) return;
    clearQuestionMarks();
    TEST_IDS.forEach(function (id) { writeAnswer(id, null); });
    setTestLocked(false);
    testUi.result.textContent = "";
    testUi.result.classList.remove("is-shown");
    testUi.retake.hidden = true;
    testUi.submit.hidden = false;
    var first = TEST_IDS.length && $("input", box(TEST_IDS[0]));
    if (first) first.focus();
  });

  core.onChange(function (e) {
    var b = e.target.closest ? e.target.closest("[data-question]") : null;
    if (!b) return;
    var id = b.getAttribute("data-question");
    if (!QUESTIONS[id]) return;
    if (QUESTIONS[id].scored) {
      var answer = readAnswer(id);
      if (answer !== null) draft[id] = answer; else delete draft[id];
      if (answer !== null) markMissing(b, false);
    } else {
      // The shown feedback belongs to the old choice.
      var out = $("[data-feedback]", b);
      if (out) out.textContent = "";
    }
  });

  return {
    // After the core restored the saved state: show it.
    restore: function () {
      CHECK_IDS.forEach(function (id) {
        if (checks[id]) {
          writeAnswer(id, checks[id]);
          showCheck(id, checks[id]);
        }
      });
      if (test) showTestResult();
      else TEST_IDS.forEach(function (id) { if (draft[id]) writeAnswer(id, draft[id]); });
      if (core.readOnly && testUi && testUi.submit) {
        testUi.submit.hidden = true;   // review: the attempt's result stands
        if (!test) setTestLocked(true);
      }
    }
  };
});
