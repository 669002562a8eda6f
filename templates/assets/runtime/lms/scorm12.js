/*
 * LMS adapter: SCORM 1.2 (docs/CONTRACT.md, "LMS adapters").
 * Finds the LMS's API object, keeps one session from LMSInitialize to
 * LMSFinish, writes the state text to cmi.suspend_data, the bookmark to
 * cmi.core.lesson_location and formats interaction records in 1.2's
 * vocabulary. In review/browse mode or without credit it writes nothing.
 */
ILM.lms("scorm12", function (core) {
  var API_MAX_PARENTS = 500;       // Rustici and pipwerks use 500
  var TEXT_MAX = 255;              // CMIString255: responses, patterns, lesson_location

  var api = null;
  var active = false;              // initialized and not finished
  var quiet = false;               // review/browse/no-credit: read, never write
  var noticeShown = false;
  var startedAt = Date.now();
  var location = null;             // last lesson_location written
  var suspend = null;              // last suspend_data written
  var nextInteraction = -1;        // -1: interactions not available

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
    var found = findApiFrom(window);
    if (found) return found;
    var openers = [];
    try { if (window.opener) openers.push(window.opener); } catch (e) { /* ignore */ }
    try { if (window.top && window.top.opener) openers.push(window.top.opener); } catch (e) { /* ignore */ }
    for (var i = 0; i < openers.length; i++) {
      found = findApiFrom(openers[i]);
      if (found) return found;
    }
    return null;
  }

  function call(name, a, b) {
    if (!api) return "";
    var r;
    try {
      r = arguments.length > 2 ? api[name](a, b) : api[name](a);
    } catch (e) {
      core.log(name + " threw", e);
      return "false";
    }
    return r === undefined || r === null ? "" : String(r);
  }

  function lastError() {
    try { return String(api.LMSGetLastError()); } catch (e) { return "101"; }
  }

  function errorText(code) {
    try { return String(api.LMSGetErrorString(code)); } catch (e) { return ""; }
  }

  function refused(what, code) {
    core.log("the LMS refused " + what + " (error " + code + " " + errorText(code) + ")");
    if (!noticeShown) {
      noticeShown = true;
      core.notice(core.str("lms_error"), "warning");
    }
  }

  function get(element) {
    if (!active) return "";
    var value = call("LMSGetValue", element);
    var code = lastError();
    if (code !== "0" && code !== "") {
      core.log("LMSGetValue(" + element + ") failed with error " + code);
      return "";
    }
    return value;
  }

  function set(element, value) {
    if (!active || quiet) return false;
    var r = call("LMSSetValue", element, String(value));
    if (r !== "true") {
      refused("LMSSetValue(" + element + ")", lastError());
      return false;
    }
    return true;
  }

  function pad(n, width) {
    var s = String(n);
    while (s.length < width) s = "0" + s;
    return s;
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
  function timeOfDay(ms) {
    var d = new Date(ms);
    return pad(d.getHours(), 2) + ":" + pad(d.getMinutes(), 2) + ":" + pad(d.getSeconds(), 2);
  }

  // A list cut at an item boundary so the joined text fits max characters.
  function joinCut(items, sep, max) {
    var out = "";
    for (var i = 0; i < items.length; i++) {
      var next = out ? out + sep + items[i] : String(items[i]);
      if (next.length > max) break;
      out = next;
    }
    return out;
  }

  // Text cut to max UTF-16 units without splitting a character made of two.
  function cutText(text, max) {
    var s = String(text);
    if (s.length <= max) return s;
    s = s.slice(0, max);
    var last = s.charCodeAt(s.length - 1);
    return last >= 0xD800 && last <= 0xDBFF ? s.slice(0, -1) : s;
  }

  // The neutral response of one interaction type as a 1.2 CMIFeedback string.
  function formatResponse(type, r) {
    if (r === null || r === undefined) return "";
    switch (type) {
      case "true-false": return r === true || r === "t" ? "t" : "f";
      case "choice": return joinCut(r.slice().sort(), ",", TEXT_MAX);
      case "sequencing": return joinCut(r, ",", TEXT_MAX);
      case "matching": return joinCut(r.map(function (p) { return p[0] + "." + p[1]; }), ",", TEXT_MAX);
      case "numeric": return /^-?\d+(\.\d+)?$/.test(String(r)) ? String(r).slice(0, TEXT_MAX) : "";
      default: return cutText(r, TEXT_MAX);   // fill-in, likert, performance
    }
  }

  function setSessionTime() {
    set("cmi.core.session_time", timespan(Date.now() - startedAt));
  }

  function commitNow() {
    if (!active || quiet) return;
    if (call("LMSCommit", "") !== "true") refused("LMSCommit", lastError());
  }

  return {
    budget: 4096,                  // CMIString4096: cmi.suspend_data

    start: function () {
      api = findApi();
      if (!api) return null;
      var ok = call("LMSInitialize", "") === "true";
      if (!ok) {
        var code = lastError();
        core.log("LMSInitialize failed with error " + code);
        // 101 after a reload of this page inside an open session: the LMS's
        // session is still usable. Anything else: run untracked.
        if (code === "101") {
          active = true;
          get("cmi.core.lesson_status");
          ok = lastError() === "0";
        }
        if (!ok) {
          active = false;
          api = null;
          core.notice(core.str("lms_init_failed"), "warning");
          return {tracked: false};
        }
      }
      active = true;
      startedAt = Date.now();

      var info = {tracked: true};
      info.entry = get("cmi.core.entry");
      info.mode = get("cmi.core.lesson_mode") || "normal";
      info.credit = get("cmi.core.credit") || "credit";
      info.learner = get("cmi.core.student_id") || null;
      info.status = get("cmi.core.lesson_status");
      var raw = parseFloat(get("cmi.core.score.raw"));
      info.raw = isNaN(raw) ? null : raw;
      var lmsMastery = get("cmi.student_data.mastery_score");
      info.mastery = lmsMastery !== "" && isFinite(Number(lmsMastery)) ? Number(lmsMastery) : null;
      quiet = info.mode === "review" || info.mode === "browse" || info.credit === "no-credit";

      var count = get("cmi.interactions._count");
      var code2 = lastError();
      if (code2 === "0" || code2 === "") nextInteraction = parseInt(count, 10) || 0;

      // "ab-initio" starts afresh, except that review shows what was done.
      if (info.entry !== "ab-initio" || quiet) {
        info.state = get("cmi.suspend_data");
        info.bookmark = get("cmi.core.lesson_location");
        suspend = info.state;
        location = info.bookmark;
      }

      if (!quiet) {
        if (info.status === "not attempted" || info.status === "") {
          if (set("cmi.core.lesson_status", "incomplete")) info.status = "incomplete";
        }
        set("cmi.core.exit", "suspend");
      }
      return info;
    },

    save: function (text, bookmark) {
      if (!active || quiet) return;
      if (bookmark && bookmark !== location) {
        if (set("cmi.core.lesson_location", bookmark.slice(0, TEXT_MAX))) location = bookmark;
      }
      if (text !== suspend) {
        if (set("cmi.suspend_data", text)) suspend = text;
      }
    },

    interaction: function (rec) {
      if (!active || quiet || nextInteraction < 0) return;
      var n = nextInteraction;
      var p = "cmi.interactions." + n + ".";
      // If the LMS refuses the id, n was not created: reuse it for the next one.
      if (!set(p + "id", rec.id)) return;
      nextInteraction = n + 1;
      set(p + "type", rec.type);
      set(p + "student_response", formatResponse(rec.type, rec.response));
      (rec.correct || []).forEach(function (pattern, i) {
        set(p + "correct_responses." + i + ".pattern", formatResponse(rec.type, pattern));
      });
      set(p + "result", rec.result === "correct" || rec.result === "neutral" ? rec.result : "wrong");
      set(p + "time", timeOfDay(rec.timestamp || Date.now()));
      if (typeof rec.weighting === "number") set(p + "weighting", String(rec.weighting));
      if (typeof rec.latency === "number") set(p + "latency", timespan(rec.latency));
    },

    // Score before status (Cornerstone reports 0 when the status comes first).
    report: function (o) {
      if (!active || quiet) return;
      if (o.raw !== null && o.raw !== undefined) {
        set("cmi.core.score.raw", String(o.raw));
        set("cmi.core.score.min", "0");
        set("cmi.core.score.max", "100");
      }
      set("cmi.core.lesson_status", o.status);
    },

    commit: function (opts) {
      if (opts && opts.leaving) setSessionTime();
      commitNow();
    },

    // done true/false: the learner pressed Finish (exit "" ends the attempt,
    // "suspend" keeps it open); null: the page is unloading, exit stays as set.
    // In review/browse/no-credit only LMSFinish is called: Moodle would add a
    // session_time to the closed attempt's total_time (shared/moodle-facts.md),
    // and time spent looking back is not time spent on the attempt.
    finish: function (opts) {
      if (!active) return;
      if (!quiet) {
        setSessionTime();
        if (opts && opts.done !== null && opts.done !== undefined) set("cmi.core.exit", opts.done ? "" : "suspend");
        commitNow();
      }
      var r = call("LMSFinish", "");
      active = false;
      if (r !== "true") core.log("LMSFinish returned " + r + " (error " + lastError() + ")");
    }
  };
});
