/*
 * Block part: question (docs/CONTRACT.md, "Block parts").
 * Knowledge checks (feedback at once, answers kept) and the scored test
 * (submit, per-question marks, weighted result, solutions as the test
 * policy says, attempts, retake, shuffled and drawn questions). Answer kinds
 * are handlers in KINDS below: a new kind is one entry there, nothing in
 * the core.
 *
 * State slice "question": "<test>;<checks>;<draft>" and, with shuffle or draw, ";<round>"
 *   test:   raw:correct:attempts:answers (answers may be dropped; they are
 *           dropped on a retake, as the result they belong to is gone)
 *   checks, draft, answers: one entry per question of that group in
 *           document order, comma-separated, trailing empty entries cut
 *   round:  seed:drawn of the current attempt:
 *           seed 8 hex digits, drawn hex digits, 4 test questions each
 */
ILM.block("question", function (core) {
  var $ = core.$, $$ = core.$$, el = core.el, str = core.str, cssEscape = core.cssEscape;
  // The config's entries, with a fill-in's accepted answers from its markup (they are words of
  // the page's language, kept out of the config so it is the same in every language).
  var QUESTIONS = {};
  Object.keys(core.config.questions || {}).forEach(function (id) {
    var q = Object.assign({}, core.config.questions[id]);
    var node = document.querySelector('[data-question="' + cssEscape(id) + '"][data-answers]');
    if (node) {
      try { q.answers = JSON.parse(node.getAttribute("data-answers")); } catch (e) { core.log("unreadable answers of " + id, e); }
    }
    QUESTIONS[id] = q;
  });
  var POLICY = core.config.testPolicy || {};
  var TEXT_FIELDS = "input, select, button[data-action='question-move-up'], button[data-action='question-move-down']";

  /* ------------------------------------------------------------------ */
  /* Answer kinds. An answer is whatever read() returns (null: none).     */
  /*   type:      SCORM 1.2 interaction type name                         */
  /*   read(box) / write(box, answer|null)                                */
  /*   encode(answer) -> text without "|", ";", "," or ":"; decode(text, q) */
  /*   isCorrect(answer, q); verdict(answer, q): correct|partly|wrong|    */
  /*              neutral|invalid                                         */
  /*   chosen(answer): option keys whose feedback to show                 */
  /*   response(answer, q) / patterns(q): the neutral interaction forms   */
  /* targets/scorm12.py mirrors encode()'s longest text (state_size).      */

  function checkedKeys(box) {
    return $$("input", box).filter(function (i) { return i.checked; }).map(function (i) { return i.value; });
  }

  function checkKeys(box, keys) {
    $$("input", box).forEach(function (i) { i.checked = !!keys && keys.indexOf(i.value) !== -1; });
  }

  function sameKeys(a, b) {
    return a.slice().sort().join(",") === b.slice().sort().join(",");
  }

  // Typed text in the state: the separators and "%" as %XX (a letter may take 3 characters).
  function escapeText(s) {
    return String(s).replace(/[%|;,:]/g, function (c) { return "%" + c.charCodeAt(0).toString(16).toUpperCase(); });
  }

  function unescapeText(s) {
    return String(s).replace(/%([0-9A-F]{2})/gi, function (m, h) { return String.fromCharCode(parseInt(h, 16)); });
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

  // matching: the answer is the chosen target key per source, "" where none yet.
  var matching = {
    type: "matching",
    // By source key, not by place: a shuffled test shows the sources in another order.
    read: function (box, q) {
      var picks = (q.sources || []).map(function (source) {
        var select = $('select[data-source="' + cssEscape(source) + '"]', box);
        return select ? select.value : "";
      });
      return picks.some(Boolean) ? picks : null;
    },
    write: function (box, picks, q) {
      (q.sources || []).forEach(function (source, i) {
        var select = $('select[data-source="' + cssEscape(source) + '"]', box);
        if (select) select.value = picks && picks[i] ? picks[i] : "";
      });
    },
    complete: function (picks) { return picks.every(Boolean); },
    encode: function (picks) { return picks.map(function (p) { return p || "-"; }).join(""); },
    decode: function (text, q) {
      var picks = (q.sources || []).map(function (s, i) {
        var k = text.charAt(i);
        return (q.targets || []).indexOf(k) !== -1 ? k : "";
      });
      return picks.some(Boolean) ? picks : null;
    },
    isCorrect: function (picks, q) {
      return (q.correct || []).every(function (pair, i) { return pair === q.sources[i] + "." + picks[i]; });
    },
    verdict: function (picks, q) {
      if (matching.isCorrect(picks, q)) return "correct";
      var hits = (q.correct || []).filter(function (pair, i) { return pair === q.sources[i] + "." + picks[i]; }).length;
      return hits > 0 ? "partly" : "wrong";
    },
    response: function (picks, q) {
      return (q.sources || []).map(function (s, i) { return [s, picks[i]]; }).filter(function (p) { return p[1]; });
    },
    patterns: function (q) { return [(q.correct || []).map(function (p) { return p.split("."); })]; }
  };

  // ordering: the answer is the item keys in the order shown (first shown: the build's mixed order).
  var ordering = {
    type: "sequencing",
    read: function (box) {
      return $$("li[data-item]", $("[data-order]", box)).map(function (li) { return li.getAttribute("data-item"); });
    },
    write: function (box, keys) {
      var q = QUESTIONS[box.getAttribute("data-question")];
      var list = $("[data-order]", box);
      (keys || q.initial || []).forEach(function (k) {
        var li = $('li[data-item="' + cssEscape(k) + '"]', list);
        if (li) list.appendChild(li);
      });
      $$("li[data-item]", list).forEach(function (x) { x.classList.remove("is-moved"); });
      markEnds(list);
    },
    encode: function (keys) { return keys.join(""); },
    decode: function (text, q) {
      var keys = text.split("");
      return keys.length === (q.correct || []).length && sameKeys(keys, q.correct) ? keys : null;
    },
    isCorrect: function (keys, q) { return keys.join(",") === (q.correct || []).join(","); },
    verdict: function (keys, q) { return ordering.isCorrect(keys, q) ? "correct" : "wrong"; },
    response: function (keys) { return keys.slice(); },
    patterns: function (q) { return [(q.correct || []).slice()]; }
  };

  // fill-in: the answer is the text typed. Compared in Unicode NFC, so an "å"
  // typed as a + ring is the letter å; case and spaces as the question says.
  function normalText(s, q) {
    s = String(s).normalize ? String(s).normalize("NFC") : String(s);
    if (q.normalizeWhitespace !== false) s = s.replace(/\s+/g, " ").trim();
    return q.caseSensitive ? s : s.toLowerCase();
  }

  var fillIn = {
    type: "fill-in",
    read: function (box) {
      var input = $("[data-answer]", box);
      return input && input.value.trim() ? input.value : null;
    },
    write: function (box, text) { var input = $("[data-answer]", box); if (input) input.value = text || ""; },
    encode: function (text) { return escapeText(text); },
    decode: function (text) { return text ? unescapeText(text) : null; },
    isCorrect: function (text, q) {
      var mine = normalText(text, q);
      return (q.answers || []).some(function (a) { return normalText(a, q) === mine; });
    },
    verdict: function (text, q) { return fillIn.isCorrect(text, q) ? "correct" : "wrong"; },
    response: function (text) { return String(text).normalize ? String(text).normalize("NFC").trim() : String(text).trim(); },
    patterns: function (q) { return q.answers && q.answers.length ? [String(q.answers[0])] : []; }
  };

  // numeric: the answer is the number as typed. "3,5" is 3.5 as Norwegians write
  // it; spaces between thousands and a typographic minus are fine.
  function parseNumber(text) {
    var s = String(text).replace(/[\s\u00a0\u202f]/g, "").replace(/\u2212/g, "-");
    if (s.indexOf(",") !== -1 && s.indexOf(".") !== -1) return null;
    s = s.replace(",", ".");
    if (!/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(s)) return null;
    s = s.replace(/^\+/, "").replace(/\.$/, "");
    if (s.charAt(0) === ".") s = "0" + s;
    if (s.slice(0, 2) === "-.") s = "-0" + s.slice(1);
    return s;
  }

  var numeric = {
    type: "numeric",
    read: function (box) {
      var input = $("[data-answer]", box);
      return input && input.value.trim() ? input.value.trim() : null;
    },
    write: function (box, text) { var input = $("[data-answer]", box); if (input) input.value = text || ""; },
    complete: function (text) { return parseNumber(text) !== null; },
    encode: function (text) { var n = parseNumber(text); return n === null ? "" : n; },
    decode: function (text) { return parseNumber(text); },
    isCorrect: function (text, q) {
      var n = parseNumber(text);
      if (n === null) return false;
      var x = Number(n), eps = 1e-9;
      if (typeof q.answer === "number") return Math.abs(x - q.answer) <= (q.tolerance || 0) + eps;
      return x >= q.min - eps && x <= q.max + eps;
    },
    verdict: function (text, q) {
      if (parseNumber(text) === null) return "invalid";
      return numeric.isCorrect(text, q) ? "correct" : "wrong";
    },
    response: function (text) { return parseNumber(text) || ""; },
    // SCORM 1.2's numeric pattern is one number: a range has none.
    patterns: function (q) { return typeof q.answer === "number" ? [String(q.answer)] : []; }
  };

  // likert: one step of a scale; never right or wrong.
  var likert = Object.assign({}, choice, {
    type: "likert",
    isCorrect: function () { return null; },
    verdict: function () { return "neutral"; },
    chosen: function () { return []; },
    response: function (keys) { return keys[0]; },
    patterns: function () { return []; }
  });

  var KINDS = {
    single: choice,
    multiple: choice,
    "true-false": Object.assign({}, choice, {
      type: "true-false",
      response: function (keys) { return keys[0] === "t"; },
      patterns: function (q) { return [(q.correct || [])[0] === "t"]; }
    }),
    matching: matching,
    ordering: ordering,
    "fill-in": fillIn,
    numeric: numeric,
    likert: likert
  };

  function kindOf(id) { return KINDS[QUESTIONS[id].kind] || choice; }
  function weightOf(id) { var w = QUESTIONS[id].weight; return typeof w === "number" ? w : 1; }

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
  var round = null;     // {seed, drawn: [ids] | null}: the current attempt's questions
  var shownAt = {};     // id -> ms the question was first on screen (this attempt)
  var answeredAt = {};  // id -> ms of the learner's last change to its answer

  function box(id) {
    return document.querySelector('[data-question="' + cssEscape(id) + '"]');
  }

  function readAnswer(id) {
    var b = box(id);
    return b ? kindOf(id).read(b, QUESTIONS[id]) : null;
  }

  function writeAnswer(id, answer) {
    var b = box(id);
    if (b) kindOf(id).write(b, answer, QUESTIONS[id]);
  }

  function complete(id, answer) {
    if (answer === null || answer === undefined) return false;
    var k = kindOf(id);
    return k.complete ? k.complete(answer) : true;
  }

  function isCorrect(id, answer) {
    return complete(id, answer) && kindOf(id).isCorrect(answer, QUESTIONS[id]) === true;
  }

  /* ------------------------------------------------------------------ */
  /* The attempt's questions: drawn and shuffled from a seed made of the   */
  /* learner's id and the attempt, kept in the state so a relaunch shows   */
  /* the same.                                                            */

  var randomized = !!(POLICY.shuffle || POLICY.draw);

  function hash32(text) {
    var h = 0x811c9dc5;
    for (var i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h >>> 0;
  }

  // mulberry32: a small PRNG that gives the same numbers in every browser.
  function prng(seed) {
    var a = seed >>> 0;
    return function () {
      a = (a + 0x6D2B79F5) >>> 0;
      var t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  function shuffled(list, rand) {
    var out = list.slice();
    for (var i = out.length - 1; i > 0; i--) {
      var j = Math.floor(rand() * (i + 1));
      var t = out[i]; out[i] = out[j]; out[j] = t;
    }
    return out;
  }

  function newRound() {
    var attempt = (test ? test.attempts : 0) + 1;
    var seed = hash32((core.learner || "") + "#" + attempt + "#" + core.config.courseId);
    var drawn = null;
    if (POLICY.draw) {
      var counted = TEST_IDS.filter(function (id) { return weightOf(id) > 0; });
      var picked = shuffled(counted, prng(seed ^ 0x5bd1e995)).slice(0, POLICY.draw);
      drawn = TEST_IDS.filter(function (id) { return weightOf(id) === 0 || picked.indexOf(id) !== -1; });
    }
    return {seed: seed, drawn: drawn};
  }

  function activeIds() {
    return round && round.drawn ? round.drawn : TEST_IDS;
  }

  // The document's order, kept so every shuffle starts from it: the same
  // seed gives the same order in this session and after a relaunch.
  var original = null;
  function rememberOrder() {
    if (original) return;
    original = {boxes: TEST_IDS.map(box).filter(Boolean), slots: [], children: {}};
    original.boxes.forEach(function (b) {
      var mark = document.createComment("ilm-question");
      b.parentNode.insertBefore(mark, b);
      original.slots.push(mark);
    });
    TEST_IDS.forEach(function (id) {
      var b = box(id), kind = QUESTIONS[id].kind;
      // A scale, true/false and an ordering question keep their order: it is part of the question.
      if (!b || kind === "likert" || kind === "true-false" || kind === "ordering") return;
      var parent = $(kind === "matching" ? ".ilm-matches" : ".ilm-options", b);
      if (parent) original.children[id] = {parent: parent, list: Array.prototype.slice.call(parent.children)};
    });
  }

  // Places the attempt's questions (and their options) in the round's order.
  function applyRound() {
    if (!round) return;
    var active = activeIds();
    TEST_IDS.forEach(function (id) {
      var b = box(id);
      if (b) b.hidden = active.indexOf(id) === -1;
    });
    if (!POLICY.shuffle) { numberTestQuestions(); return; }
    rememberOrder();
    var rand = prng(round.seed);
    shuffled(original.boxes, rand).forEach(function (b, i) {
      var slot = original.slots[i];
      slot.parentNode.insertBefore(b, slot.nextSibling);
    });
    TEST_IDS.forEach(function (id) {
      var o = original.children[id];
      if (o) shuffled(o.list, rand).forEach(function (child) { o.parent.appendChild(child); });
    });
    numberTestQuestions();
  }

  // "Question 1 of 5" at the start of each test question's legend, in the
  // order shown (after a draw and shuffle): seen, and heard as part of the
  // group's name.
  function numberTestQuestions() {
    var order = testOrder();
    TEST_IDS.forEach(function (id) {
      var b = box(id);
      var legend = b && ($("legend", b) || $(".ilm-prompt", b));
      if (!legend) return;
      var num = $(".ilm-q-number", legend);
      var n = order.indexOf(id);
      if (n === -1) { if (num) num.parentNode.removeChild(num); return; }
      if (!num) {
        num = el("span", "ilm-q-number");
        legend.insertBefore(num, legend.firstChild);
      }
      num.textContent = str("q_number", {n: n + 1, total: order.length});
      num.appendChild(el("span", "ilm-visually-hidden", ": "));
    });
  }

  function testOrder() {
    var active = activeIds();
    return $$("[data-question]").map(function (b) { return b.getAttribute("data-question"); }).filter(function (id) {
      return active.indexOf(id) !== -1;
    });
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

  function encodeRound() {
    if (!round || !randomized) return "";
    var seed = ("0000000" + round.seed.toString(16)).slice(-8);
    var bits = "";
    if (round.drawn) {
      for (var i = 0; i < TEST_IDS.length; i += 4) {
        var v = 0;
        for (var b = 0; b < 4; b++) if (round.drawn.indexOf(TEST_IDS[i + b]) !== -1) v |= 1 << b;
        bits += v.toString(16);
      }
    }
    return seed + ":" + bits;
  }

  function decodeRound(text) {
    var parts = (text || "").split(":");
    if (!randomized || !/^[0-9a-f]{8}$/.test(parts[0] || "")) return null;
    var drawn = null;
    if (POLICY.draw) {
      var hex = parts[1] || "";
      drawn = TEST_IDS.filter(function (id, i) {
        var digit = parseInt(hex.charAt(i >> 2), 16);
        return !isNaN(digit) && (digit & (1 << (i & 3))) !== 0;
      });
      if (!drawn.length) return null;
    }
    return {seed: parseInt(parts[0], 16) >>> 0, drawn: drawn};
  }

  function encodeSlice(keepDraft, keepTestAnswers, checksRoom) {
    var t = test;
    var testText = t ? [t.raw, t.correct, Math.min(t.attempts, 999),
      keepTestAnswers && t.answers ? encodeAnswers(TEST_IDS, t.answers) : ""].join(":") : "";
    var groups = [testText, fitAnswers(CHECK_IDS, checks, checksRoom), keepDraft ? encodeAnswers(TEST_IDS, draft) : ""];
    if (randomized) groups.push(encodeRound());
    return groups.join(";");
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
      draft = test && test.answers ? {} : decodeAnswers(TEST_IDS, g[2]);
      round = decodeRound(g[3]);
      core.testResult(test);
    }
  });

  /* ------------------------------------------------------------------ */
  /* Feedback, solutions, explanations                                    */

  function optionText(b, key) {
    var input = $('input[value="' + cssEscape(key) + '"]', b);
    var label = input && input.id ? $('label[for="' + cssEscape(input.id) + '"]', b) : null;
    return label ? label.textContent.trim() : key;
  }

  // The right answer and the explanation of a question, as the template wrote them.
  function appendSolution(out, b, withAnswer) {
    var sol = withAnswer && $("template[data-solution]", b);
    if (sol) out.appendChild(sol.content.cloneNode(true));
    var expl = $("template[data-explanation]", b);
    if (expl) {
      var wrap = el("div", "ilm-explanation");
      wrap.appendChild(el("p", "ilm-fb-label", str("explanation")));
      wrap.appendChild(expl.content.cloneNode(true));
      out.appendChild(wrap);
    }
  }

  var VERDICTS = {
    correct: ["fb_correct", "is-correct"], partly: ["fb_partly", "is-partly"], wrong: ["fb_wrong", "is-wrong"],
    neutral: ["likert_saved", "is-neutral"], invalid: ["numeric_invalid", "is-wrong"]
  };

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
    var v = complete(id, answer) ? kind.verdict(answer, QUESTIONS[id]) : (kind === numeric ? "invalid" : null);
    if (!v) {
      out.appendChild(el("p", "ilm-verdict ilm-verdict-hint", str("select_first")));
      return;
    }
    out.appendChild(el("p", "ilm-verdict " + VERDICTS[v][1], str(VERDICTS[v][0])));
    if (v === "invalid") return;
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
    // Choice questions explain themselves through each option's feedback;
    // the other kinds show the right answer when the learner's was not.
    appendSolution(out, b, v !== "correct" && kind !== choice && kind.type !== "true-false");
  }

  core.action("check", function (target) {
    var b = target.closest("[data-question]");
    if (!b) return;
    var id = b.getAttribute("data-question");
    if (!QUESTIONS[id]) return;
    var answer = readAnswer(id);
    if (complete(id, answer)) {
      checks[id] = answer;
      core.changed();
    }
    showCheck(id, answer);
  });

  /* ------------------------------------------------------------------ */
  /* Ordering: Move up / Move down, announced in the question's live region */

  function markEnds(list) {
    var items = $$("li[data-item]", list);
    items.forEach(function (li, i) {
      var up = $('[data-action="question-move-up"]', li), down = $('[data-action="question-move-down"]', li);
      if (up) up.setAttribute("aria-disabled", i === 0 ? "true" : "false");
      if (down) down.setAttribute("aria-disabled", i === items.length - 1 ? "true" : "false");
    });
  }

  function move(target, step) {
    var b = target.closest("[data-question]");
    var li = target.closest("li[data-item]");
    if (!b || !li || target.disabled || target.getAttribute("aria-disabled") === "true") return;
    var list = li.parentNode;
    var sibling = step < 0 ? li.previousElementSibling : li.nextElementSibling;
    if (!sibling) return;
    list.insertBefore(li, step < 0 ? sibling : sibling.nextElementSibling);
    markEnds(list);
    $$("li[data-item]", list).forEach(function (x) { x.classList.toggle("is-moved", x === li); });
    target.focus();   // the button moved with its item; keep the learner's place
    var items = $$("li[data-item]", list);
    var status = $("[data-order-status]", b);
    if (status) {
      status.textContent = str("order_moved", {item: $(".ilm-order-text", li).textContent.trim(),
        position: items.indexOf(li) + 1, total: items.length});
    }
    answerChanged(b);
  }

  core.action("question-move-up", function (target) { move(target, -1); });
  core.action("question-move-down", function (target) { move(target, 1); });

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
      if (b) $$(TEXT_FIELDS, b).forEach(function (i) { i.disabled = locked; });
    });
  }

  // A test question left unanswered: its error line is shown and added to
  // the question group's description, so a screen reader reads it when
  // focus lands in the group (3.3.1).
  function markMissing(b, missing, text) {
    if (!b) return;
    b.classList.toggle("is-missing", missing);
    var err = $("[data-q-error]", b);
    if (!err) return;
    err.hidden = !missing;
    err.textContent = text || str("q_unanswered");
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
      var s = $("[data-q-solution]", b);
      if (s) { s.hidden = true; s.textContent = ""; }
    });
  }

  function attemptsLeft() {
    if (!POLICY.attempts) return Infinity;
    return Math.max(0, POLICY.attempts - (test ? test.attempts : 0));
  }

  function passedNow() {
    var c = core.completion();
    if (!test) return false;
    if (c.rule === "passed" && c.mastery !== null) return test.raw >= c.mastery;
    return true;   // "answered" (or no rule): handing in is what counts
  }

  function solutionsShown() {
    var when = POLICY.solutions || "after-passing";
    if (when === "never") return false;
    if (when === "after-each-attempt") return true;
    if (when === "after-last-attempt") return passedNow() || attemptsLeft() === 0;
    return passedNow();
  }

  // Shows the test result: marks per question, score, status, solutions, retake.
  function showTestResult() {
    if (!testUi || !test) return;
    var t = test;
    clearQuestionMarks();
    var solutions = solutionsShown();
    TEST_IDS.forEach(function (id) {
      writeAnswer(id, t.answers && t.answers[id] ? t.answers[id] : null);
      if (!t.answers) return;
      var b = box(id);
      if (!b || b.hidden) return;
      var neutral = kindOf(id) === likert;
      var ok = isCorrect(id, t.answers[id]);
      if (!neutral) b.classList.add(ok ? "is-correct" : "is-wrong");
      var r = $("[data-q-result]", b);
      if (r && !neutral) {
        r.textContent = ok ? str("q_correct") : str("q_wrong");
        r.className = "ilm-q-result " + (ok ? "is-correct" : "is-wrong");
        r.hidden = false;
      }
      var s = $("[data-q-solution]", b);
      if (s && solutions) {
        appendSolution(s, b, !neutral);
        s.hidden = !s.childNodes.length;
      }
    });
    setTestLocked(true);

    var c = core.completion();
    var res = testUi.result;
    res.textContent = "";
    res.appendChild(el("h2", "ilm-result-heading", str("result_heading")));
    var counted = activeIds().filter(function (id) { return weightOf(id) > 0; });
    res.appendChild(el("p", "ilm-result-score",
      str("result_score", {score: t.raw, correct: t.correct, total: counted.length})));
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
    var left = attemptsLeft();
    var canRetake = !passed && left > 0 && !core.readOnly;
    if (!passed && POLICY.attempts) {
      res.appendChild(el("p", "ilm-result-attempts", left > 0 ? str("attempts_left", {count: left}) : str("attempts_used")));
    }
    if (!solutions && (POLICY.solutions || "after-passing") === "after-passing" && canRetake) {
      res.appendChild(el("p", "ilm-result-solutions", str("solutions_later")));
    }
    res.classList.add("is-shown");
    if (testUi.message) testUi.message.hidden = true;
    if (testUi.submit) testUi.submit.hidden = true;
    if (testUi.retake) testUi.retake.hidden = !canRetake;
  }

  // CMITimespan wants the time from first showing to answering; null when
  // either was in an earlier session (then the LMS gets no latency).
  function latency(id) {
    return shownAt[id] && answeredAt[id] && answeredAt[id] >= shownAt[id] ? answeredAt[id] - shownAt[id] : null;
  }

  function journal(ids, answers) {
    var now = Date.now();
    ids.forEach(function (id) {
      var q = QUESTIONS[id];
      var kind = kindOf(id);
      var neutral = kind === likert;
      core.interaction({
        id: id,
        type: kind.type,
        response: kind.response(answers[id], q),
        correct: kind.patterns(q),
        result: neutral ? "neutral" : isCorrect(id, answers[id]) ? "correct" : "wrong",
        weighting: neutral ? 0 : weightOf(id),
        latency: latency(id),
        timestamp: now
      });
    });
  }

  core.action("submit-test", function () {
    if (!testUi || core.readOnly) return;
    if (attemptsLeft() === 0) {
      testUi.message.textContent = str("attempts_used");
      testUi.message.hidden = false;
      return;
    }
    var ids = testOrder();
    var missing = [];
    ids.forEach(function (id) {
      var answer = readAnswer(id);
      var empty = !complete(id, answer);
      if (empty) missing.push(id);
      markMissing(box(id), empty, answer !== null && kindOf(id) === numeric ? str("numeric_invalid") : null);
    });
    if (missing.length) {
      testUi.message.textContent = str("unanswered", {count: missing.length});
      testUi.message.hidden = false;
      var first = $("input, select, button", box(missing[0]));
      if (first) first.focus();
      return;
    }
    var answers = {};
    var correct = 0, got = 0, total = 0;
    ids.forEach(function (id) {
      answers[id] = readAnswer(id);
      if (!answeredAt[id]) answeredAt[id] = Date.now();
      var w = kindOf(id) === likert ? 0 : weightOf(id);
      if (w <= 0) return;
      total += w;
      if (isCorrect(id, answers[id])) { correct++; got += w; }
    });
    test = {
      raw: total > 0 ? Math.round(100 * got / total) : 0,
      correct: correct,
      attempts: (test ? test.attempts : 0) + 1,
      answers: answers
    };
    draft = {};
    core.testResult(test);
    showTestResult();
    testUi.result.focus();
    journal(ids, answers);
    core.changed();
  });

  core.action("retake", function () {
    if (!testUi || core.readOnly || attemptsLeft() === 0) return;
    clearQuestionMarks();
    TEST_IDS.forEach(function (id) { writeAnswer(id, null); });
    // The result the answers belonged to is gone from the screen: keep the score, not them.
    if (test) test.answers = null;
    startRound();
    setTestLocked(false);
    testUi.result.textContent = "";
    testUi.result.classList.remove("is-shown");
    // Said in the result's live region: the answers are gone on purpose.
    testUi.result.appendChild(el("p", "ilm-retake-note", str("retake_done")));
    core.retaking();
    testUi.retake.hidden = true;
    testUi.submit.hidden = false;
    var firstId = testOrder()[0];
    var first = firstId && $("input, select, button", box(firstId));
    if (first) first.focus();
    core.changed();
  });

  function startRound() {
    round = randomized ? newRound() : null;
    shownAt = {};
    answeredAt = {};
    if (round) applyRound();
    watchShown();
  }

  // What the learner changed: the draft of a test answer, or the stale feedback of a check.
  function answerChanged(b) {
    var id = b.getAttribute("data-question");
    if (!QUESTIONS[id]) return;
    answeredAt[id] = Date.now();
    if (QUESTIONS[id].scored) {
      var answer = readAnswer(id);
      if (answer !== null) draft[id] = answer; else delete draft[id];
      if (complete(id, answer)) markMissing(b, false);
      core.changed();
    } else {
      // The shown feedback belongs to the old answer.
      var out = $("[data-feedback]", b);
      if (out) out.textContent = "";
    }
  }

  core.onChange(function (e) {
    var b = e.target.closest ? e.target.closest("[data-question]") : null;
    if (b) answerChanged(b);
  });

  // When each question is first on screen (for the interaction's latency).
  var observer = null;
  function watchShown() {
    if (!window.IntersectionObserver) return;
    if (observer) observer.disconnect();
    observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        var id = entry.target.getAttribute("data-question");
        if (entry.isIntersecting && !shownAt[id]) shownAt[id] = Date.now();
      });
    });
    QIDS.forEach(function (id) { var b = box(id); if (b) observer.observe(b); });
  }
  // A question that gets focus is in front of the learner even if the observer has not had a
  // frame to say so yet (keyboard users, a busy device): the latency must not go missing.
  document.addEventListener("focusin", function (e) {
    var b = e.target.closest ? e.target.closest("[data-question]") : null;
    var id = b && b.getAttribute("data-question");
    if (id && QUESTIONS[id] && !shownAt[id]) shownAt[id] = Date.now();
  });

  $$("[data-order]").forEach(markEnds);

  return {
    // After the core restored the saved state: show it.
    restore: function () {
      CHECK_IDS.forEach(function (id) {
        if (checks[id]) {
          writeAnswer(id, checks[id]);
          showCheck(id, checks[id]);
        }
      });
      if (TEST_IDS.length && randomized) {
        if (!round) round = newRound();
        applyRound();
      }
      numberTestQuestions();
      watchShown();
      if (test && test.answers) showTestResult();
      else {
        TEST_IDS.forEach(function (id) { if (draft[id]) writeAnswer(id, draft[id]); });
        if (test && attemptsLeft() === 0) showTestResult();
      }
      if (core.readOnly && testUi && testUi.submit) {
        testUi.submit.hidden = true;   // review: the attempt's result stands
        if (!test) setTestLocked(true);
      }
    }
  };
});
