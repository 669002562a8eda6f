/*
 * ilmpack runtime: one launch page, one SCORM 1.2 session for the whole course.
 *
 * Reads the course config from <script id="ilmpack-config">, shows one
 * <section class="ilm-page"> at a time, runs knowledge checks and the final
 * test, and reports to the LMS (if one is found) as docs/CONTRACT.md says.
 * Without an LMS everything works the same, only nothing is saved.
 * Vanilla ES2017, no dependencies, nothing loaded from anywhere.
 */
(function () {
  "use strict";

  var SUSPEND_MAX = 4096;          // CMIString4096: never write more
  var SUSPEND_FORMAT = "1";        // first field of cmi.suspend_data
  var API_MAX_PARENTS = 500;       // Rustici and pipwerks use 500

  /* ------------------------------------------------------------------ */
  /* Config and strings                                                  */

  var config;
  try {
    config = JSON.parse(document.getElementById("ilmpack-config").textContent);
  } catch (e) {
    if (window.console) console.error("ilmpack: no readable #ilmpack-config", e);
    return;
  }
  var STR = config.strings || {};
  var PAGES = config.pages || [];
  var QUESTIONS = config.questions || {};
  var COMPLETION = config.completion || {};
  // Questions in document order (the config's key order is not guaranteed);
  // this order is used for suspend_data, the journal and the first unanswered.
  var QIDS = (function () {
    var order = {};
    Array.prototype.forEach.call(document.querySelectorAll("[data-question]"), function (node, i) {
      order[node.getAttribute("data-question")] = i;
    });
    var rank = function (id) { return Object.prototype.hasOwnProperty.call(order, id) ? order[id] : Infinity; };
    return Object.keys(QUESTIONS).sort(function (a, b) {
      return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
    });
  })();
  var TEST_IDS = QIDS.filter(function (id) { return QUESTIONS[id].scored; });
  var CHECK_IDS = QIDS.filter(function (id) { return !QUESTIONS[id].scored; });

  function str(key, vars) {
    var s = typeof STR[key] === "string" ? STR[key] : key;
    if (!vars) return s;
    return s.replace(/\{(\w+)\}/g, function (m, name) {
      return Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : m;
    });
  }

  function log() {
    if (window.console && console.warn) {
      console.warn.apply(console, ["ilmpack:"].concat(Array.prototype.slice.call(arguments)));
    }
  }

  function pad(n, width) {
    var s = String(n);
    while (s.length < width) s = "0" + s;
    return s;
  }

  /* ------------------------------------------------------------------ */
  /* Learner state (what suspend_data carries)                           */

  var state = {
    current: 0,
    viewed: PAGES.map(function () { return false; }),
    checks: {},      // knowledge check id -> keys the learner checked
    draft: {},       // test question id -> keys chosen, test not yet submitted
    test: null       // {raw, correct, attempts, answers: {id: keys} | null}
  };

  /* ------------------------------------------------------------------ */
  /* SCORM 1.2 API                                                       */

  // ADL's search: this window and its parents, then the opener and its parents.
  // Every step in try/catch: a cross-origin frame throws SecurityError.
  function findApiFrom(win) {
    for (var tries = 0; win && tries <= API_MAX_PARENTS; tries++) {
      try {
        if (win.API && win.API.LMSInitialize) return win.API;
      } catch (e) { /* cross-origin: keep climbing */ }
      var parent = null;
      try { parent = win.parent; } catch (e) { return null; }
      if (!parent || parent === win) return null;
      win = parent;
    }
    return null;
  }

  function findApi() {
    var api = findApiFrom(window);
    if (api) return api;
    var openers = [];
    try { if (window.opener) openers.push(window.opener); } catch (e) { /* ignore */ }
    try { if (window.top && window.top.opener) openers.push(window.top.opener); } catch (e) { /* ignore */ }
    for (var i = 0; i < openers.length; i++) {
      api = findApiFrom(openers[i]);
      if (api) return api;
    }
    return null;
  }

  var lms = {
    api: null,
    active: false,       // initialized and not finished
    finished: false,     // LMSFinish was called: no API call after this
    noticeShown: false,
    status: "",          // lesson_status as the LMS holds it (read, then what we set)
    raw: null,           // score.raw we reported
    location: null,      // last lesson_location written
    suspend: null,       // last suspend_data written
    startedAt: Date.now(),
    nextInteraction: -1  // -1: interactions not available
  };

  function lmsCall(name, a, b) {
    if (!lms.api || lms.finished) return "";
    var r;
    try {
      r = arguments.length > 2 ? lms.api[name](a, b) : lms.api[name](a);
    } catch (e) {
      log(name + " threw", e);
      return "false";
    }
    return r === undefined || r === null ? "" : String(r);
  }

  function lmsError() {
    try { return String(lms.api.LMSGetLastError()); } catch (e) { return "101"; }
  }

  function lmsErrorText(code) {
    try { return String(lms.api.LMSGetErrorString(code)); } catch (e) { return ""; }
  }

  function lmsRefused(what, code) {
    log("the LMS refused " + what + " (error " + code + " " + lmsErrorText(code) + ")");
    if (!lms.noticeShown) {
      lms.noticeShown = true;
      notice(str("lms_error"), "warning");
    }
  }

  function lmsGet(element) {
    if (!lms.active) return "";
    var value = lmsCall("LMSGetValue", element);
    var code = lmsError();
    if (code !== "0" && code !== "") {
      log("LMSGetValue(" + element + ") failed with error " + code);
      return "";
    }
    return value;
  }

  function lmsSet(element, value) {
    if (!lms.active) return false;
    var r = lmsCall("LMSSetValue", element, String(value));
    if (r !== "true") {
      lmsRefused("LMSSetValue(" + element + ")", lmsError());
      return false;
    }
    return true;
  }

  function lmsCommit() {
    if (!lms.active) return;
    if (lmsCall("LMSCommit", "") !== "true") lmsRefused("LMSCommit", lmsError());
  }

  function lmsFinish() {
    if (!lms.active) return;
    var r = lmsCall("LMSFinish", "");
    lms.active = false;
    lms.finished = true;
    if (r !== "true") log("LMSFinish returned " + r + " (error " + lmsError() + ")");
  }

  // CMITimespan HHHH:MM:SS.SS (hours 2 to 4 digits).
  function timespan(ms) {
    var cs = Math.max(0, Math.round(ms / 10));
    var h = Math.floor(cs / 360000);
    if (h > 9999) return "9999:59:59.99";
    cs -= h * 360000;
    var m = Math.floor(cs / 6000);
    cs -= m * 6000;
    var s = Math.floor(cs / 100);
    cs -= s * 100;
    return pad(h, 2) + ":" + pad(m, 2) + ":" + pad(s, 2) + "." + pad(cs, 2);
  }

  // CMITime: time of day HH:MM:SS.
  function timeOfDay() {
    var d = new Date();
    return pad(d.getHours(), 2) + ":" + pad(d.getMinutes(), 2) + ":" + pad(d.getSeconds(), 2);
  }

  /* ------------------------------------------------------------------ */
  /* suspend_data: "1|<fingerprint>|<viewed>|<test>|<checks>|<draft>"    */
  /*   (always five separators; empty fields stay empty)                 */
  /*   viewed: hex digits, 4 pages each, bit i = page i (config order)   */
  /*   test:   raw:correct:attempts:answers (answers may be dropped)     */
  /*   answers (test, checks, draft): one entry per question in config   */
  /*   order, comma-separated, each the chosen keys run together: "b,ac" */

  // FNV-1a over the course structure: index-based data from another
  // version of the course is not restored.
  function fingerprint() {
    var text = JSON.stringify([
      PAGES.map(function (p) { return p.id; }),
      QIDS.map(function (id) {
        var q = QUESTIONS[id];
        return [id, q.kind, q.options, q.correct, !!q.scored];
      })
    ]);
    var h = 0x811c9dc5;
    for (var i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h.toString(36);
  }
  var FINGERPRINT = fingerprint();

  function encodeAnswers(ids, map) {
    return ids.map(function (id) {
      return (map[id] || []).join("");
    }).join(",").replace(/,+$/, "");
  }

  function decodeAnswers(ids, text) {
    var map = {};
    if (!text) return map;
    text.split(",").forEach(function (keys, i) {
      var id = ids[i];
      if (!id || !keys) return;
      var valid = QUESTIONS[id].options || [];
      var chosen = [];
      keys.split("").forEach(function (k) {
        if (valid.indexOf(k) !== -1 && chosen.indexOf(k) === -1) chosen.push(k);
      });
      if (chosen.length) map[id] = chosen;
    });
    return map;
  }

  function encodeViewed() {
    var out = "";
    for (var i = 0; i < state.viewed.length; i += 4) {
      var v = 0;
      for (var b = 0; b < 4; b++) if (state.viewed[i + b]) v |= 1 << b;
      out += v.toString(16);
    }
    return out;
  }

  // Keeps the first entries whole that fit in room characters.
  function fitAnswers(ids, map, room) {
    var text = encodeAnswers(ids, map);
    if (text.length <= room) return text;
    text = text.slice(0, Math.max(0, room));
    var cut = text.lastIndexOf(",");
    return cut < 0 ? "" : text.slice(0, cut).replace(/,+$/, "");
  }

  function encodeState(keepDraft, keepTestAnswers, checksRoom) {
    var t = state.test;
    var test = t ? [t.raw, t.correct, t.attempts,
      keepTestAnswers && t.answers ? encodeAnswers(TEST_IDS, t.answers) : ""].join(":") : "";
    return [
      SUSPEND_FORMAT, FINGERPRINT, encodeViewed(), test,
      fitAnswers(CHECK_IDS, state.checks, checksRoom),
      keepDraft ? encodeAnswers(TEST_IDS, state.draft) : ""
    ].join("|");
  }

  // Never more than SUSPEND_MAX. Dropped first: unsubmitted test answers,
  // then knowledge-check answers from the end, then the submitted test
  // answers (score and attempts stay). Pages viewed are never dropped.
  function suspendData() {
    var text = encodeState(true, true, Infinity);
    if (text.length <= SUSPEND_MAX) return text;
    var keepTest = [true, false];
    for (var i = 0; i < keepTest.length; i++) {
      var room = SUSPEND_MAX - encodeState(false, keepTest[i], 0).length;
      if (room >= 0) {
        log("suspend_data over budget: dropped the least important answers");
        return encodeState(false, keepTest[i], room);
      }
    }
    log("suspend_data over budget even without answers: not saved");
    return "";
  }

  function restoreState(text) {
    var parts = String(text || "").split("|");
    if (parts[0] !== SUSPEND_FORMAT) return false;
    if (parts[1] !== FINGERPRINT) {
      log("suspend_data is from another version of the course: not restored");
      return false;
    }
    var hex = parts[2] || "";
    for (var i = 0; i < state.viewed.length; i++) {
      var digit = parseInt(hex.charAt(i >> 2), 16);
      state.viewed[i] = !isNaN(digit) && (digit & (1 << (i & 3))) !== 0;
    }
    if (parts[3]) {
      var t = parts[3].split(":");
      var raw = parseInt(t[0], 10);
      if (!isNaN(raw) && raw >= 0 && raw <= 100) {
        var answers = decodeAnswers(TEST_IDS, t[3]);
        state.test = {
          raw: raw,
          correct: parseInt(t[1], 10) || 0,
          attempts: parseInt(t[2], 10) || 1,
          answers: Object.keys(answers).length ? answers : null
        };
      }
    }
    state.checks = decodeAnswers(CHECK_IDS, parts[4]);
    if (!state.test) state.draft = decodeAnswers(TEST_IDS, parts[5]);
    return true;
  }

  /* ------------------------------------------------------------------ */
  /* Completion and score (docs/CONTRACT.md, "Completion rule")          */

  var mastery = typeof config.masteryScore === "number" ? config.masteryScore : null;
  var testRule = COMPLETION.test === "passed" || COMPLETION.test === "answered" ? COMPLETION.test : null;
  // A test rule without scored questions could never be met: pages only.
  if (!TEST_IDS.length) testRule = null;

  function pagesRequired() {
    var pct = typeof COMPLETION.pages === "number" ? COMPLETION.pages : 0;
    return Math.min(PAGES.length, Math.max(0, Math.ceil(PAGES.length * pct / 100 - 1e-9)));
  }

  function pagesViewed() {
    return state.viewed.filter(Boolean).length;
  }

  function testPassed(raw) {
    return testRule === "passed" && mastery !== null && raw >= mastery;
  }

  // What the LMS should hold now: {status, raw} or null (leave "incomplete").
  function outcome() {
    if (pagesViewed() < pagesRequired()) return null;
    if (!testRule) return {status: "completed", raw: null};
    if (!state.test) return null;
    var raw = state.test.raw;
    var status = "completed";
    if (testRule === "passed" && mastery !== null) status = raw >= mastery ? "passed" : "failed";
    return {status: status, raw: raw};
  }

  // Sets score (before status) and status when they change. True if it set anything.
  function report() {
    var o = outcome();
    if (!o || !lms.active) return false;
    if (o.status === lms.status && o.raw === lms.raw) return false;
    if (o.raw !== null) {
      lmsSet("cmi.core.score.raw", String(o.raw));
      lmsSet("cmi.core.score.min", "0");
      lmsSet("cmi.core.score.max", "100");
    }
    lmsSet("cmi.core.lesson_status", o.status);
    lms.status = o.status;
    lms.raw = o.raw;
    return true;
  }

  function courseDone() {
    return lms.status === "passed" || lms.status === "failed" || lms.status === "completed";
  }

  // Bookmark and suspend_data, then one commit.
  function save() {
    if (!lms.active) return;
    var page = PAGES[state.current];
    if (page && page.id !== lms.location) {
      if (lmsSet("cmi.core.lesson_location", page.id)) lms.location = page.id;
    }
    var data = suspendData();
    if (data !== lms.suspend) {
      if (lmsSet("cmi.suspend_data", data)) lms.suspend = data;
    }
    lmsCommit();
  }

  function setSessionTime() {
    lmsSet("cmi.core.session_time", timespan(Date.now() - lms.startedAt));
  }

  /* ------------------------------------------------------------------ */
  /* DOM                                                                 */

  var $ = function (sel, root) { return (root || document).querySelector(sel); };
  var $$ = function (sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); };

  var sections = PAGES.map(function (p) {
    return document.querySelector('section.ilm-page[data-page-id="' + cssEscape(p.id) + '"]');
  });
  var ui = {
    notice: $("#ilm-notice"),
    progress: $("[data-progress]"),
    progressFill: $("[data-progress-fill]"),
    prev: $('button[data-nav="prev"]'),
    next: $('button[data-nav="next"]'),
    finish: $('button[data-action="finish"]'),
    pager: $(".ilm-pager"),
    toc: $("#ilm-toc"),
    tocToggle: $("[data-toc-toggle]"),
    finished: $("[data-finished]"),
    finishedText: $("[data-finished-text]")
  };

  function cssEscape(s) {
    return window.CSS && CSS.escape ? CSS.escape(s) : String(s).replace(/["\\]/g, "\\$&");
  }

  function notice(text, kind) {
    if (!ui.notice) return;
    ui.notice.textContent = text;
    ui.notice.className = "ilm-notice" + (kind ? " ilm-notice-" + kind : "");
  }

  function questionBox(id) {
    return document.querySelector('[data-question="' + cssEscape(id) + '"]');
  }

  function readAnswer(id) {
    var box = questionBox(id);
    if (!box) return [];
    return $$("input", box).filter(function (i) { return i.checked; }).map(function (i) { return i.value; });
  }

  function writeAnswer(id, keys) {
    var box = questionBox(id);
    if (!box) return;
    $$("input", box).forEach(function (i) { i.checked = keys.indexOf(i.value) !== -1; });
  }

  function isCorrect(id, keys) {
    var want = (QUESTIONS[id].correct || []).slice().sort().join(",");
    return keys.slice().sort().join(",") === want;
  }

  function optionText(box, key) {
    var input = $('input[value="' + cssEscape(key) + '"]', box);
    var label = input && input.id ? $('label[for="' + cssEscape(input.id) + '"]', box) : null;
    return label ? label.textContent.trim() : key;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  /* ------------------------------------------------------------------ */
  /* Navigation                                                          */

  function showPage(index, opts) {
    opts = opts || {};
    if (lms.finished && opts.track !== false) return;
    if (index < 0 || index >= PAGES.length || !sections[index]) return;
    var last = PAGES.length - 1;
    sections.forEach(function (s, i) { if (s) s.hidden = i !== index; });
    state.current = index;
    state.viewed[index] = true;

    var page = PAGES[index];
    document.title = page.title + " – " + config.title;
    if (ui.progress) ui.progress.textContent = str("progress", {current: index + 1, total: PAGES.length});
    if (ui.progressFill) ui.progressFill.style.width = ((index + 1) / PAGES.length * 100).toFixed(1) + "%";
    if (ui.prev) ui.prev.disabled = index === 0;
    if (ui.next) ui.next.hidden = index === last;
    if (ui.finish) ui.finish.hidden = index !== last;
    updateToc();
    closeToc();
    markScrollingTables(sections[index]);

    if (opts.focus !== false) {
      window.scrollTo(0, 0);
      var h1 = $("h1", sections[index]);
      if (h1) h1.focus();
    }
    if (opts.track !== false) {
      report();
      save();
    }
  }

  // Each table in a scroll box of its own, so a wide table does not widen
  // the page (reflow at 320 px). A box that does scroll is made a named,
  // focusable region so keyboard users can scroll it.
  function wrapTables() {
    $$(".ilm-page-body table").forEach(function (table) {
      if (table.parentNode.classList.contains("ilm-table-wrap")) return;
      var wrap = el("div", "ilm-table-wrap");
      table.parentNode.insertBefore(wrap, table);
      wrap.appendChild(table);
    });
  }

  function markScrollingTables(section) {
    if (!section) return;
    $$(".ilm-table-wrap", section).forEach(function (wrap) {
      if (wrap.scrollWidth > wrap.clientWidth + 1) {
        var caption = $("caption", wrap);
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        wrap.setAttribute("aria-label", caption ? caption.textContent.trim() : str("table_label"));
      } else {
        wrap.removeAttribute("tabindex");
        wrap.removeAttribute("role");
        wrap.removeAttribute("aria-label");
      }
    });
  }

  function updateToc() {
    $$("a[data-goto]").forEach(function (a) {
      var i = pageIndex(a.getAttribute("data-goto"));
      if (i === state.current) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
      var seen = i >= 0 && state.viewed[i];
      a.classList.toggle("is-visited", seen);
      var label = $("[data-visited-label]", a);
      if (label) label.hidden = !seen;
    });
  }

  function pageIndex(id) {
    for (var i = 0; i < PAGES.length; i++) if (PAGES[i].id === id) return i;
    return -1;
  }

  function openToc(open) {
    if (!ui.toc || !ui.tocToggle) return;
    ui.toc.classList.toggle("is-open", open);
    ui.tocToggle.setAttribute("aria-expanded", open ? "true" : "false");
  }

  function closeToc() { openToc(false); }

  /* ------------------------------------------------------------------ */
  /* Knowledge checks                                                    */

  function showCheck(id, keys) {
    var box = questionBox(id);
    var out = box && $("[data-feedback]", box);
    if (!out) return;
    out.textContent = "";
    if (!keys.length) {
      out.appendChild(el("p", "ilm-verdict ilm-verdict-hint", str("select_first")));
      return;
    }
    var correct = QUESTIONS[id].correct || [];
    var hits = keys.filter(function (k) { return correct.indexOf(k) !== -1; }).length;
    var verdict, cls;
    if (isCorrect(id, keys)) { verdict = str("fb_correct"); cls = "is-correct"; }
    else if (QUESTIONS[id].kind === "multiple" && hits > 0) { verdict = str("fb_partly"); cls = "is-partly"; }
    else { verdict = str("fb_wrong"); cls = "is-wrong"; }
    out.appendChild(el("p", "ilm-verdict " + cls, verdict));

    keys.forEach(function (k) {
      var tpl = $('template[data-feedback-for="' + cssEscape(k) + '"]', box);
      if (!tpl) return;
      var item = el("div", "ilm-fb-item");
      var head = el("p", "ilm-fb-choice");
      head.appendChild(el("span", "ilm-fb-label", str("your_answer") + ": "));
      head.appendChild(document.createTextNode(optionText(box, k)));
      item.appendChild(head);
      item.appendChild(tpl.content.cloneNode(true));
      out.appendChild(item);
    });
    var expl = $("template[data-explanation]", box);
    if (expl) {
      var wrap = el("div", "ilm-explanation");
      wrap.appendChild(el("p", "ilm-fb-label", str("explanation")));
      wrap.appendChild(expl.content.cloneNode(true));
      out.appendChild(wrap);
    }
  }

  function onCheck(id) {
    var keys = readAnswer(id);
    if (keys.length) state.checks[id] = keys;
    showCheck(id, keys);
  }

  /* ------------------------------------------------------------------ */
  /* The test                                                            */

  var testSection = sections.filter(function (s) { return s && s.hasAttribute("data-test-page"); })[0] || null;
  var testUi = testSection ? {
    message: $("[data-test-message]", testSection),
    submit: $('button[data-action="submit-test"]', testSection),
    result: $("[data-test-result]", testSection),
    retake: $('button[data-action="retake"]', testSection)
  } : null;

  function setTestLocked(locked) {
    TEST_IDS.forEach(function (id) {
      var box = questionBox(id);
      if (!box) return;
      $$("input", box).forEach(function (i) { i.disabled = locked; });
    });
  }

  // A test question left unanswered: its error line is shown and added to
  // the question group's description, so a screen reader reads it when
  // focus lands in the group (3.3.1).
  function markMissing(box, missing) {
    if (!box) return;
    box.classList.toggle("is-missing", missing);
    var err = $("[data-q-error]", box);
    if (!err) return;
    err.hidden = !missing;
    var group = $("fieldset", box);
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
      var box = questionBox(id);
      if (!box) return;
      box.classList.remove("is-correct", "is-wrong");
      markMissing(box, false);
      var r = $("[data-q-result]", box);
      if (r) { r.hidden = true; r.textContent = ""; }
    });
  }

  // Shows state.test: marks per question, score, status, retake.
  function showTestResult() {
    if (!testUi || !state.test) return;
    var t = state.test;
    clearQuestionMarks();
    TEST_IDS.forEach(function (id) {
      writeAnswer(id, t.answers && t.answers[id] ? t.answers[id] : []);
      if (!t.answers) return;
      var box = questionBox(id);
      var ok = isCorrect(id, t.answers[id] || []);
      box.classList.add(ok ? "is-correct" : "is-wrong");
      var r = $("[data-q-result]", box);
      if (r) {
        r.textContent = ok ? str("q_correct") : str("q_wrong");
        r.className = "ilm-q-result " + (ok ? "is-correct" : "is-wrong");
        r.hidden = false;
      }
    });
    setTestLocked(true);

    var res = testUi.result;
    res.textContent = "";
    res.appendChild(el("h2", "ilm-result-heading", str("result_heading")));
    res.appendChild(el("p", "ilm-result-score",
      str("result_score", {score: t.raw, correct: t.correct, total: TEST_IDS.length})));
    var passed = testPassed(t.raw);
    var line, cls;
    if (testRule === "passed" && mastery !== null) {
      line = str(passed ? "result_passed" : "result_failed", {mastery: mastery});
      cls = passed ? "is-correct" : "is-wrong";
    } else {
      line = str("result_completed");
      cls = "is-neutral";
    }
    res.appendChild(el("p", "ilm-result-status " + cls, line));
    if (pagesViewed() < pagesRequired()) {
      res.appendChild(el("p", "ilm-result-pages", str("pages_missing",
        {required: pagesRequired(), total: PAGES.length, viewed: pagesViewed()})));
    }
    res.classList.add("is-shown");
    if (testUi.message) testUi.message.hidden = true;
    if (testUi.submit) testUi.submit.hidden = true;
    if (testUi.retake) testUi.retake.hidden = passed;
  }

  function journal(answers) {
    if (!lms.active || lms.nextInteraction < 0) return;
    var time = timeOfDay();
    TEST_IDS.forEach(function (id) {
      var q = QUESTIONS[id];
      var keys = (answers[id] || []).slice().sort();
      var n = lms.nextInteraction;
      var p = "cmi.interactions." + n + ".";
      // If the LMS refuses the id, n was not created: reuse it for the next one.
      if (!lmsSet(p + "id", id)) return;
      lms.nextInteraction = n + 1;
      var tf = q.kind === "true-false";
      lmsSet(p + "type", tf ? "true-false" : "choice");
      lmsSet(p + "student_response", keys.join(","));
      lmsSet(p + "correct_responses.0.pattern", (q.correct || []).slice().sort().join(","));
      lmsSet(p + "result", isCorrect(id, keys) ? "correct" : "wrong");
      lmsSet(p + "time", time);
      lmsSet(p + "weighting", "1");
    });
  }

  function onSubmitTest() {
    if (!testUi) return;
    var missing = [];
    TEST_IDS.forEach(function (id) {
      var box = questionBox(id);
      var empty = readAnswer(id).length === 0;
      if (empty) missing.push(id);
      markMissing(box, empty);
    });
    if (missing.length) {
      testUi.message.textContent = str("unanswered", {count: missing.length});
      testUi.message.hidden = false;
      var first = $("input", questionBox(missing[0]));
      if (first) first.focus();
      return;
    }
    var answers = {};
    var correct = 0;
    TEST_IDS.forEach(function (id) {
      answers[id] = readAnswer(id);
      if (isCorrect(id, answers[id])) correct++;
    });
    state.test = {
      raw: Math.round(100 * correct / TEST_IDS.length),
      correct: correct,
      attempts: (state.test ? state.test.attempts : 0) + 1,
      answers: answers
    };
    state.draft = {};
    showTestResult();
    testUi.result.focus();
    journal(answers);
    report();
    save();
  }

  function onRetake() {
    if (!testUi) return;
    clearQuestionMarks();
    TEST_IDS.forEach(function (id) { writeAnswer(id, []); });
    setTestLocked(false);
    testUi.result.textContent = "";
    testUi.result.classList.remove("is-shown");
    testUi.retake.hidden = true;
    testUi.submit.hidden = false;
    var first = TEST_IDS.length && $("input", questionBox(TEST_IDS[0]));
    if (first) first.focus();
  }

  /* ------------------------------------------------------------------ */
  /* Leaving and finishing                                               */

  function onLeave(event) {
    if (!lms.active) return;
    setSessionTime();
    save();
    // pagehide that is not going into the back/forward cache: the page is
    // really unloading, so close the session (status was set long before).
    if (event && event.type === "pagehide" && !event.persisted) lmsFinish();
  }

  function onFinish() {
    var tracked = lms.active;
    if (tracked) {
      setSessionTime();
      lmsSet("cmi.core.exit", courseDone() ? "" : "suspend");
      save();
      lmsFinish();
    } else {
      lms.finished = true;
    }
    var text = !tracked ? str("finished_untracked")
      : courseDone() ? str("finished_complete") : str("finished_saved");
    sections.forEach(function (s) { if (s) s.hidden = true; });
    if (ui.pager) ui.pager.hidden = true;
    if (ui.toc) ui.toc.hidden = true;
    if (ui.tocToggle) ui.tocToggle.hidden = true;
    if (ui.finishedText) ui.finishedText.textContent = text;
    // 2.4.2: the title names what is shown now.
    document.title = str("finished_title") + " – " + config.title;
    if (ui.finished) {
      ui.finished.hidden = false;
      window.scrollTo(0, 0);
      ui.finished.focus();
    }
  }

  /* ------------------------------------------------------------------ */
  /* Start                                                               */

  function startLms() {
    lms.api = findApi();
    if (!lms.api) {
      notice(str("not_tracked"), "info");
      return false;
    }
    var ok = lmsCall("LMSInitialize", "") === "true";
    if (!ok) {
      var code = lmsError();
      log("LMSInitialize failed with error " + code);
      // 101 after a reload of this page inside an open session: the LMS's
      // session is still usable. Anything else: run untracked.
      if (code === "101") {
        lms.active = true;
        lmsGet("cmi.core.lesson_status");
        ok = lmsError() === "0";
      }
      if (!ok) {
        lms.active = false;
        lms.api = null;
        notice(str("lms_init_failed"), "warning");
        return false;
      }
    }
    lms.active = true;
    lms.startedAt = Date.now();

    var entry = lmsGet("cmi.core.entry");
    lms.status = lmsGet("cmi.core.lesson_status");
    var raw = parseFloat(lmsGet("cmi.core.score.raw"));
    lms.raw = isNaN(raw) ? null : raw;

    var lmsMastery = lmsGet("cmi.student_data.mastery_score");
    if (lmsMastery !== "" && isFinite(Number(lmsMastery))) mastery = Number(lmsMastery);

    var count = lmsGet("cmi.interactions._count");
    var code2 = lmsError();
    if (code2 === "0" || code2 === "") lms.nextInteraction = parseInt(count, 10) || 0;

    // Restore on "resume", and also on "" (same attempt, exit was not
    // "suspend") when there is data; "ab-initio" starts afresh.
    var startAt = 0;
    if (entry !== "ab-initio") {
      var data = lmsGet("cmi.suspend_data");
      var restored = data ? restoreState(data) : false;
      if (restored) lms.suspend = data;
      var location = lmsGet("cmi.core.lesson_location");
      if (location && pageIndex(location) >= 0) {
        startAt = pageIndex(location);
        lms.location = location;
      }
      if (entry === "resume" && (restored || startAt > 0)) notice(str("resumed"), "info");
    }

    if (lms.status === "not attempted" || lms.status === "") {
      if (lmsSet("cmi.core.lesson_status", "incomplete")) lms.status = "incomplete";
    }
    lmsSet("cmi.core.exit", "suspend");
    return startAt;
  }

  function restoreUi() {
    CHECK_IDS.forEach(function (id) {
      if (state.checks[id]) {
        writeAnswer(id, state.checks[id]);
        showCheck(id, state.checks[id]);
      }
    });
    if (state.test) showTestResult();
    else TEST_IDS.forEach(function (id) { if (state.draft[id]) writeAnswer(id, state.draft[id]); });
  }

  function bindEvents() {
    document.addEventListener("click", function (e) {
      var target = e.target.closest ? e.target.closest("button, a[data-goto], a[data-page-link]") : null;
      if (!target) return;
      var nav = target.getAttribute("data-nav");
      var action = target.getAttribute("data-action");
      // data-page-link: a link in the text to another page of the course.
      var goto = target.getAttribute("data-goto");
      if (goto === null) goto = target.getAttribute("data-page-link");
      if (nav === "next") showPage(state.current + 1);
      else if (nav === "prev") showPage(state.current - 1);
      else if (goto !== null) {
        e.preventDefault();
        var i = pageIndex(goto);
        if (i >= 0) showPage(i);
      } else if (action === "check") {
        var box = target.closest("[data-question]");
        if (box) onCheck(box.getAttribute("data-question"));
      } else if (action === "submit-test") onSubmitTest();
      else if (action === "retake") onRetake();
      else if (action === "finish") onFinish();
      else if (target.hasAttribute("data-toc-toggle")) {
        openToc(target.getAttribute("aria-expanded") !== "true");
      }
    });

    document.addEventListener("change", function (e) {
      var box = e.target.closest ? e.target.closest("[data-question]") : null;
      if (!box) return;
      var id = box.getAttribute("data-question");
      if (!QUESTIONS[id]) return;
      if (QUESTIONS[id].scored) {
        var keys = readAnswer(id);
        if (keys.length) state.draft[id] = keys; else delete state.draft[id];
        if (keys.length) markMissing(box, false);
      } else {
        // The shown feedback belongs to the old choice.
        var out = $("[data-feedback]", box);
        if (out) out.textContent = "";
      }
    });

    if (ui.toc) {
      ui.toc.addEventListener("keydown", function (e) {
        if (e.key === "Escape" && ui.toc.classList.contains("is-open")) {
          closeToc();
          if (ui.tocToggle) ui.tocToggle.focus();
        }
      });
    }

    var resizeTimer = null;
    window.addEventListener("resize", function () {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(function () { markScrollingTables(sections[state.current]); }, 200);
    });

    // No unload/beforeunload: commit when the page is hidden or left.
    window.addEventListener("pagehide", onLeave);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") onLeave(null);
    });
  }

  function start() {
    document.documentElement.classList.add("ilm-js");
    if (ui.tocToggle) ui.tocToggle.hidden = false;
    wrapTables();
    bindEvents();
    var startAt = startLms() || 0;
    restoreUi();
    showPage(startAt, {focus: false});
  }

  // Read-only view for debugging and tests; nothing else is global.
  window.ilmpack = Object.freeze({
    get state() { return JSON.parse(JSON.stringify(state)); },
    get tracking() { return lms.active; },
    get finished() { return lms.finished; },
    get mastery() { return mastery; },
    get suspendData() { return suspendData(); }
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
