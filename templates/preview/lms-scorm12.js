/*
 * The LMS side of `ilmpack preview` for SCORM 1.2: window.API as strict as Moodle's.
 *
 * It refuses what Moodle 4.5's mod/scorm refuses (docs: "Uploading to an LMS"): values that are
 * not of the element's type (CMITimespan, CMITime, CMIIdentifier, CMIDecimal, vocabularies), out
 * of range, or too long at the standard's limits (255 and 4,096 characters: Moodle allows more
 * only when a site turns its strict setting off, other LMSs cut), read-only elements, statuses a
 * SCO may not set and interaction indexes that skip one. Each refusal is kept with a sentence for
 * the author (LMSGetDiagnostic), so a bad value shows in the preview before an admin meets it.
 *
 * At LMSFinish it does what Moodle does: "not attempted" becomes "completed"; with a mastery
 * score and a raw score, passed/failed is set by the score ("Mastery score overrides status");
 * session_time is added into total_time. A relaunch resumes (entry "resume" after exit
 * "suspend"), and a passed or completed attempt reopens in review mode.
 *
 * createPreviewLms12({learner, mastery, saved, onChange}) returns {api, attempt(), reset(learner)}.
 * No dependencies, no build step: an author's machine has no node_modules.
 */
(function () {
  "use strict";

  var T = {
    string255: {re: /^[\s\S]{0,255}$/, says: "at most 255 characters (CMIString255)"},
    string4096: {re: /^[\s\S]{0,4096}$/, says: "at most 4,096 characters (CMIString4096)"},
    time: {re: /^([0-2][0-9]):([0-5][0-9]):([0-5][0-9])(\.[0-9]{1,2})?$/,
           says: "a time of day HH:MM:SS or HH:MM:SS.SS (CMITime), not a duration"},
    timespan: {re: /^([0-9]{2,4}):([0-9]{2}):([0-9]{2})(\.[0-9]{1,2})?$/,
               says: "a duration HH:MM:SS, HHHH:MM:SS or with 1-2 decimals on the seconds (CMITimespan)"},
    decimal: {re: /^-?([0-9]{0,3})(\.[0-9]*)?$/, says: "a number such as 80 or 72.5 (CMIDecimal)"},
    sinteger: {re: /^-?[0-9]+$/, says: "a whole number (CMISInteger)"},
    identifier: {re: /^[\u0021-\u007E]{0,255}$/,
                 says: "printable ASCII without spaces, at most 255 characters (CMIIdentifier): no æ, ø, å"},
    status: {re: /^(passed|completed|failed|incomplete|browsed)$/,
             says: "passed, completed, failed, incomplete or browsed (a SCO may not set \"not attempted\")"},
    status2: {re: /^(passed|completed|failed|incomplete|browsed|not attempted)$/,
              says: "passed, completed, failed, incomplete, browsed or not attempted"},
    exit: {re: /^(time-out|suspend|logout|)$/, says: "time-out, suspend, logout or empty"},
    type: {re: /^(true-false|choice|fill-in|matching|performance|sequencing|likert|numeric)$/,
           says: "true-false, choice, fill-in, matching, performance, sequencing, likert or numeric"},
    result: {re: /^(correct|wrong|unanticipated|neutral|([0-9]{0,3})?(\.[0-9]{1,2})?)$/,
             says: "correct, wrong, unanticipated, neutral or a number (SCORM 1.2 says wrong, not incorrect)"}
  };

  // Element (indexes written n) -> [mode, type, range]. Modes: k keyword, r read-only,
  // w write-only, rw both.
  var MODEL = {
    "cmi._children": ["k"], "cmi._version": ["k"], "cmi.core._children": ["k"],
    "cmi.core.student_id": ["r"], "cmi.core.student_name": ["r"],
    "cmi.core.lesson_location": ["rw", "string255"], "cmi.core.credit": ["r"],
    "cmi.core.lesson_status": ["rw", "status"], "cmi.core.entry": ["r"],
    "cmi.core.score._children": ["k"],
    "cmi.core.score.raw": ["rw", "decimal", [0, 100]],
    "cmi.core.score.min": ["rw", "decimal", [0, 100]],
    "cmi.core.score.max": ["rw", "decimal", [0, 100]],
    "cmi.core.total_time": ["r"], "cmi.core.lesson_mode": ["r"],
    "cmi.core.exit": ["w", "exit"], "cmi.core.session_time": ["w", "timespan"],
    "cmi.suspend_data": ["rw", "string4096"], "cmi.launch_data": ["r"],
    "cmi.comments": ["rw", "string4096"], "cmi.comments_from_lms": ["r"],
    "cmi.objectives._children": ["k"], "cmi.objectives._count": ["k"],
    "cmi.objectives.n.id": ["rw", "identifier"],
    "cmi.objectives.n.score._children": ["k"],
    "cmi.objectives.n.score.raw": ["rw", "decimal", [0, 100]],
    "cmi.objectives.n.score.min": ["rw", "decimal", [0, 100]],
    "cmi.objectives.n.score.max": ["rw", "decimal", [0, 100]],
    "cmi.objectives.n.status": ["rw", "status2"],
    "cmi.student_data._children": ["k"], "cmi.student_data.mastery_score": ["r"],
    "cmi.student_data.max_time_allowed": ["r"], "cmi.student_data.time_limit_action": ["r"],
    "cmi.student_preference._children": ["k"],
    "cmi.student_preference.audio": ["rw", "sinteger", [-1, 100]],
    "cmi.student_preference.language": ["rw", "string255"],
    "cmi.student_preference.speed": ["rw", "sinteger", [-100, 100]],
    "cmi.student_preference.text": ["rw", "sinteger", [-1, 1]],
    "cmi.interactions._children": ["k"], "cmi.interactions._count": ["k"],
    "cmi.interactions.n.id": ["w", "identifier"],
    "cmi.interactions.n.objectives._count": ["k"],
    "cmi.interactions.n.objectives.n.id": ["w", "identifier"],
    "cmi.interactions.n.time": ["w", "time"],
    "cmi.interactions.n.type": ["w", "type"],
    "cmi.interactions.n.correct_responses._count": ["k"],
    "cmi.interactions.n.correct_responses.n.pattern": ["w", "string255"],
    "cmi.interactions.n.weighting": ["w", "decimal", [-100, 100]],
    "cmi.interactions.n.student_response": ["w", "string255"],
    "cmi.interactions.n.result": ["w", "result"],
    "cmi.interactions.n.latency": ["w", "timespan"]
  };

  var CHILDREN = {
    "cmi._children": "core,suspend_data,launch_data,comments,objectives,student_data,student_preference,interactions",
    "cmi._version": "3.4",
    "cmi.core._children": "student_id,student_name,lesson_location,credit,lesson_status,entry,score,total_time,lesson_mode,exit,session_time",
    "cmi.core.score._children": "raw,min,max",
    "cmi.objectives._children": "id,score,status",
    "cmi.objectives.n.score._children": "raw,min,max",
    "cmi.student_data._children": "mastery_score,max_time_allowed,time_limit_action",
    "cmi.student_preference._children": "audio,language,speed,text",
    "cmi.interactions._children": "id,objectives,time,type,correct_responses,weighting,student_response,result,latency"
  };

  var MESSAGES = {
    "0": "No error", "101": "General exception", "201": "Invalid argument error",
    "202": "Element cannot have children", "203": "Element not an array - cannot have count",
    "301": "Not initialized", "401": "Not implemented error",
    "402": "Invalid set value, element is a keyword", "403": "Element is read only",
    "404": "Element is write only", "405": "Incorrect data type"
  };

  function modelOf(element) {
    return element.replace(/\.\d+\./g, ".n.").replace(/\.\d+\./g, ".n.");
  }

  function show(value) {
    var text = String(value);
    return JSON.stringify(text.length > 60 ? text.slice(0, 57) + "..." : text) +
      (text.length > 60 ? " (" + text.length + " characters)" : "");
  }

  function seconds(timespan) {
    var m = T.timespan.re.exec(timespan || "");
    return m ? (+m[1]) * 3600 + (+m[2]) * 60 + (+m[3]) + (m[4] ? +m[4] : 0) : 0;
  }

  function timespan(total) {
    var h = Math.floor(total / 3600), m = Math.floor(total % 3600 / 60), s = Math.floor(total % 60);
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return (h < 10 ? "000" : h < 100 ? "00" : h < 1000 ? "0" : "") + h + ":" + two(m) + ":" + two(s);
  }

  function freshAttempt(learner) {
    return {learner: learner, launches: 0, values: {}, counts: {}, log: [], refused: [], open: false};
  }

  window.createPreviewLms12 = function (options) {
    var attempt = options.saved || freshAttempt(options.learner);
    var onChange = options.onChange || function () {};
    var errorCode = "0";
    var diagnostic = "";

    function changed(what) { onChange(attempt, what); }

    function fail(code, fn, element, value, why) {
      errorCode = code;
      diagnostic = why;
      attempt.refused.push({fn: fn, element: element || "", value: value === undefined ? null : String(value),
                            code: code, message: MESSAGES[code], why: why, at: Date.now()});
      changed("refused");
      return fn === "LMSGetValue" ? "" : "false";
    }

    function ok(result) { errorCode = "0"; diagnostic = ""; return result; }

    function value(element) {
      var v = attempt.values[element];
      return v === undefined ? "" : v;
    }

    // The count of the collection an element's index n belongs to, for each index in it.
    function indexes(element) {
      var parts = element.split("."), found = [];
      for (var i = 1; i < parts.length; i++) {
        if (/^\d+$/.test(parts[i])) found.push({collection: parts.slice(0, i).join("."), n: +parts[i]});
      }
      return found;
    }

    function launch() {
      var v = attempt.values;
      var status = v["cmi.core.lesson_status"] || "not attempted";
      var first = attempt.launches === 0;
      v["cmi.core.student_id"] = attempt.learner;
      v["cmi.core.student_name"] = "Preview, " + attempt.learner;
      v["cmi.core.credit"] = "credit";
      v["cmi.core.lesson_status"] = status;
      v["cmi.core.entry"] = first ? "ab-initio" : (v["cmi.core.exit"] === "suspend" ? "resume" : "");
      v["cmi.core.lesson_mode"] = status === "passed" || status === "completed" ? "review" : "normal";
      v["cmi.core.total_time"] = v["cmi.core.total_time"] || "0000:00:00";
      v["cmi.student_data.mastery_score"] = options.mastery === null || options.mastery === undefined ? "" : String(options.mastery);
      delete v["cmi.core.session_time"];
      attempt.launches += 1;
    }

    function finishSession() {
      var v = attempt.values;
      if (v["cmi.core.lesson_status"] === "not attempted") v["cmi.core.lesson_status"] = "completed";
      var mastery = v["cmi.student_data.mastery_score"], raw = v["cmi.core.score.raw"];
      if (v["cmi.core.lesson_mode"] === "normal" && mastery !== "" && raw !== undefined && raw !== "") {
        v["cmi.core.lesson_status"] = parseFloat(raw) >= parseFloat(mastery) ? "passed" : "failed";
      }
      if (v["cmi.core.session_time"]) {
        v["cmi.core.total_time"] = timespan(seconds(v["cmi.core.total_time"]) + seconds(v["cmi.core.session_time"]));
      }
    }

    var api = {
      LMSInitialize: function (arg) {
        attempt.log.push({fn: "LMSInitialize", at: Date.now()});
        if (arg !== "" && arg !== undefined) return fail("201", "LMSInitialize", "", arg, "LMSInitialize takes an empty string");
        if (attempt.open) return fail("101", "LMSInitialize", "", arg, "LMSInitialize was called twice without LMSFinish");
        launch();
        attempt.open = true;
        changed("initialize");
        return ok("true");
      },
      LMSFinish: function (arg) {
        if (arg !== "" && arg !== undefined) return fail("201", "LMSFinish", "", arg, "LMSFinish takes an empty string");
        if (!attempt.open) return fail("301", "LMSFinish", "", arg, "LMSFinish before LMSInitialize, or called twice");
        attempt.open = false;
        finishSession();
        attempt.log.push({fn: "LMSFinish", at: Date.now()});
        changed("finish");
        return ok("true");
      },
      LMSCommit: function (arg) {
        if (arg !== "" && arg !== undefined) return fail("201", "LMSCommit", "", arg, "LMSCommit takes an empty string");
        if (!attempt.open) return fail("301", "LMSCommit", "", arg, "LMSCommit outside a session (before LMSInitialize or after LMSFinish)");
        attempt.log.push({fn: "LMSCommit", at: Date.now()});
        changed("commit");
        return ok("true");
      },
      LMSGetValue: function (element) {
        element = element === undefined || element === null ? "" : String(element);
        if (!attempt.open) return fail("301", "LMSGetValue", element, undefined, "LMSGetValue outside a session");
        var name = modelOf(element), entry = MODEL[name];
        if (!entry) {
          var m = /^(.*)\.(_children|_count)$/.exec(name);
          if (m && (MODEL[m[1] + ".id"] || MODEL[m[1] + "._children"] || MODEL[m[1]])) {
            return fail(m[2] === "_children" ? "202" : "203", "LMSGetValue", element, undefined,
                        element + " does not exist: " + m[1] + " has no " + m[2]);
          }
          return fail("201", "LMSGetValue", element, undefined, element + " is not a SCORM 1.2 element");
        }
        if (entry[0] === "w") return fail("404", "LMSGetValue", element, undefined, element + " can be written, not read");
        if (CHILDREN[name]) return ok(CHILDREN[name]);
        if (/\._count$/.test(name)) return ok(String(attempt.counts[element.replace(/\._count$/, "")] || 0));
        return ok(value(element));
      },
      LMSSetValue: function (element, val) {
        element = element === undefined || element === null ? "" : String(element);
        val = val === undefined || val === null ? "" : String(val);
        if (!attempt.open) return fail("301", "LMSSetValue", element, val, "LMSSetValue outside a session");
        var entry = MODEL[modelOf(element)];
        if (!entry) return fail("201", "LMSSetValue", element, val, element + " is not a SCORM 1.2 element");
        if (entry[0] === "k") return fail("402", "LMSSetValue", element, val, element + " is a keyword: it can only be read");
        if (entry[0] === "r") return fail("403", "LMSSetValue", element, val, element + " is read-only: the LMS sets it");
        var type = T[entry[1]];
        if (!type.re.test(val)) {
          var what = /^string/.test(entry[1]) ? val.length + " characters" : show(val);
          return fail("405", "LMSSetValue", element, val, element + ": " + what + " is not " + type.says);
        }
        var range = entry[2];
        if (range && val !== "" && (parseFloat(val) < range[0] || parseFloat(val) > range[1])) {
          return fail("405", "LMSSetValue", element, val, element + ": " + show(val) + " is outside " + range[0] + " to " + range[1]);
        }
        var idx = indexes(element);
        for (var i = 0; i < idx.length; i++) {
          var count = attempt.counts[idx[i].collection] || 0;
          if (idx[i].n > count) {
            return fail("201", "LMSSetValue", element, val, element + ": index " + idx[i].n + " skips ahead; " +
                        idx[i].collection + " has " + count + ", so the next is " + count);
          }
        }
        for (i = 0; i < idx.length; i++) {
          if (idx[i].n === (attempt.counts[idx[i].collection] || 0)) attempt.counts[idx[i].collection] = idx[i].n + 1;
        }
        attempt.values[element] = val;
        changed(element);
        return ok("true");
      },
      LMSGetLastError: function () { return errorCode; },
      LMSGetErrorString: function (code) { return MESSAGES[String(code)] || ""; },
      LMSGetDiagnostic: function (code) {
        return code === undefined || code === "" || String(code) === errorCode ? diagnostic : (MESSAGES[String(code)] || "");
      }
    };

    return {
      api: api,
      attempt: function () { return attempt; },
      reset: function (learner) { attempt = freshAttempt(learner); errorCode = "0"; diagnostic = ""; changed("reset"); },
      setMastery: function (mastery) { options.mastery = mastery; }
    };
  };
})();
