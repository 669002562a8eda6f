/*
 * xAPI helper for the cmi5 and TinCan adapters (docs/CONTRACT.md, "xAPI adapters").
 * Not an adapter itself: it sets ILM.xapi, which lms/cmi5.js and lms/tincan.js
 * build on. It owns what both standards share:
 * - the launch URL's parameters, statement ids (UUID v4), ISO 8601 times;
 * - the statement queue: every statement is put in localStorage (keyed by
 *   course and registration) before it is sent, sent one at a time in order
 *   with PUT ?statementId= (so a resend is never a second statement), and
 *   removed only when the LRS has it. LRS down or refusing: the statements
 *   wait for the next chance or the next launch; a quiet notice says so;
 * - the learner's state document in the State API, mirrored in localStorage
 *   until the LRS has it;
 * - one adapter body (save, interaction, report, commit, finish) whose
 *   standard-specific parts (context, read-only, what ends a session) the
 *   two adapters give as hooks.
 */
var X = ILM.xapi = {};
var VERSION = "1.0.3";
var VERBS = "http://adlnet.gov/expapi/verbs/";
var RETRY_MS = 15000;
var KEEPALIVE_MAX = 60000;       // browsers give keepalive requests 64 KiB together
var STATE_ID = "ilmpack.state";  // our own State API document (LMS.LaunchData is the LMS's)

X.verb = function (name) { return {id: VERBS + name, display: {"en-US": name}}; };

// Launch parameters (URL-encoded, in any order).
X.launchParams = function () {
  var out = {};
  var query = window.location.search.replace(/^\?/, "");
  if (!query) return out;
  query.split("&").forEach(function (pair) {
    if (!pair) return;
    var i = pair.indexOf("=");
    var key = i < 0 ? pair : pair.slice(0, i);
    var value = i < 0 ? "" : pair.slice(i + 1);
    try { out[decodeURIComponent(key.replace(/\+/g, " "))] = decodeURIComponent(value.replace(/\+/g, " ")); }
    catch (e) { /* a broken pair is skipped */ }
  });
  return out;
};

// RFC 4122 version 4, from the browser's cryptographic random source.
X.uuid = function () {
  var b = new Uint8Array(16);
  window.crypto.getRandomValues(b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  var h = Array.prototype.map.call(b, function (x) { return (x < 16 ? "0" : "") + x.toString(16); }).join("");
  return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
};

// ISO 8601 duration, e.g. PT1H2M3.45S (centiseconds, as cmi5 asks).
X.duration = function (ms) {
  var cs = Math.max(0, Math.round(ms / 10));
  var h = Math.floor(cs / 360000); cs -= h * 360000;
  var m = Math.floor(cs / 6000); cs -= m * 6000;
  var s = (cs / 100).toFixed(2).replace(/\.?0+$/, "");
  return "PT" + (h ? h + "H" : "") + (m ? m + "M" : "") + (s || "0") + "S";
};

X.timestamp = function (ms) { return new Date(ms).toISOString(); };

// The launch actor; old LMSs send TinCan 0.9's arrays ({"name": ["..."], "mbox": ["mailto:..."]}).
X.agent = function (text) {
  var a;
  try { a = typeof text === "string" ? JSON.parse(text) : text; } catch (e) { return null; }
  if (!a || typeof a !== "object") return null;
  var out = {objectType: "Agent"};
  function first(v) { return Array.isArray(v) ? v[0] : v; }
  if (a.name) out.name = String(first(a.name));
  if (a.mbox) out.mbox = String(first(a.mbox));
  else if (a.mbox_sha1sum) out.mbox_sha1sum = String(first(a.mbox_sha1sum));
  else if (a.openid) out.openid = String(first(a.openid));
  else if (a.account) {
    var acc = first(a.account);
    out.account = {homePage: acc.homePage || acc.accountServiceHomePage, name: acc.name || acc.accountName};
  } else return null;
  return out;
};

// A question's activity id under the launched activity (targets/xapi.py: question_iri).
X.questionId = function (activity, qid, config) {
  var q = (config.questions || {})[qid];
  var page = q && q.scored ? q.page : null;
  return page ? activity + "/test/" + page + "/question/" + qid : activity + "/question/" + qid;
};

// The neutral response of a record as an xAPI response string.
X.response = function (type, r) {
  if (r === null || r === undefined) return "";
  switch (type) {
    case "true-false": return r === true || r === "t" ? "true" : "false";
    case "choice": return r.slice().sort().join("[,]");
    case "sequencing": return r.join("[,]");
    case "matching": return r.map(function (p) { return p[0] + "[.]" + p[1]; }).join("[,]");
    default: return String(r);
  }
};

// The interaction's definition: the build's (names in every language), else one from the record.
X.definition = function (config, rec) {
  var built = ((config.xapi || {}).interactions || {})[rec.id];
  if (built) return built;
  var d = {type: "http://adlnet.gov/expapi/activities/cmi.interaction", interactionType: rec.type};
  if (rec.correct && rec.correct.length) d.correctResponsesPattern = rec.correct.map(function (c) { return X.response(rec.type, c); });
  return d;
};

function storage() {
  try { return window.localStorage; } catch (e) { return null; }
}

function readJson(key, fallback) {
  var s = storage();
  if (!s) return fallback;
  try { var v = JSON.parse(s.getItem(key)); return v === null ? fallback : v; } catch (e) { return fallback; }
}

function writeJson(key, value) {
  var s = storage();
  if (!s) return;
  try {
    if (value === null) s.removeItem(key);
    else s.setItem(key, JSON.stringify(value));
  } catch (e) { /* full or blocked: the LRS copy is all there is */ }
}

function withSlash(endpoint) { return endpoint.charAt(endpoint.length - 1) === "/" ? endpoint : endpoint + "/"; }

function query(params) {
  return Object.keys(params).map(function (k) {
    return encodeURIComponent(k) + "=" + encodeURIComponent(params[k]);
  }).join("&");
}

/*
 * The LRS client for one launch: requests, the statement queue, the state document.
 * o: {endpoint, auth, actor, registration, activityId, key (course id), core}
 */
X.client = function (o) {
  var core = o.core;
  var base = withSlash(o.endpoint);
  var queueKey = "ilmpack.xapi.queue." + o.key + "." + o.registration;
  var stateKey = "ilmpack.xapi.state." + o.key + "." + o.registration;
  var flushing = null;             // the running flush (one at a time keeps the order)
  var inFlight = null;             // id of the statement that flush is sending
  var sentLeaving = {};            // ids already in a keepalive batch: never in two requests at once
  var storing = null;              // the running write of the state document
  var storeAgain = false;
  var retryTimer = null;
  var offlineShown = false;

  function request(method, resource, params, body, keepalive) {
    var headers = {"X-Experience-API-Version": VERSION, "Authorization": o.auth};
    if (body !== undefined) headers["Content-Type"] = "application/json";
    return window.fetch(base + resource + (params ? "?" + query(params) : ""), {
      method: method, headers: headers, keepalive: !!keepalive, cache: "no-store",
      body: body === undefined ? undefined : JSON.stringify(body)
    });
  }

  function docParams(stateId) {
    var p = {activityId: o.activityId, agent: JSON.stringify(o.actor), stateId: stateId};
    if (o.registration) p.registration = o.registration;
    return p;
  }

  // A document, or null when there is none (404); a refusal rejects.
  function getDoc(resource, params) {
    return request("GET", resource, params).then(function (r) {
      if (r.status === 404) return null;
      if (!r.ok) throw new Error(resource + " answered " + r.status);
      return r.text().then(function (t) { return t ? JSON.parse(t) : null; });
    });
  }

  function offline(why) {
    core.log("LRS not reachable: " + why);
    if (!offlineShown) {
      offlineShown = true;
      core.notice(core.str("lrs_offline"), "info");
    }
    if (!retryTimer) retryTimer = window.setTimeout(function () { retryTimer = null; flush(); }, RETRY_MS);
  }

  function backOnline() {
    if (offlineShown) {
      offlineShown = false;
      core.notice(core.str("lrs_back"), "info");
    }
  }

  function queue() { return readJson(queueKey, []); }

  // Remove statements the LRS has (or will never take) from the stored queue.
  function drop(ids) {
    writeJson(queueKey, queue().filter(function (s) { return ids.indexOf(s.id) < 0; }));
  }

  // Sends the queue in order, one statement at a time; stops at the first failure.
  function flush() {
    if (flushing) return flushing;
    flushing = (function next() {
      var pending = queue();
      if (!pending.length) { backOnline(); return Promise.resolve(true); }
      var s = pending[0];
      inFlight = s.id;
      return request("PUT", "statements", {statementId: s.id}, s).then(function (r) {
        inFlight = null;
        // 409: the LRS has a statement with this id already (a resend after a lost answer).
        if (r.ok || r.status === 409) { drop([s.id]); return next(); }
        if (r.status === 400) {
          core.log("the LRS refused statement " + s.id + " as invalid; it is left out", s);
          drop([s.id]);
          return next();
        }
        offline("statement " + s.id + " answered " + r.status);
        return false;
      }, function (e) { inFlight = null; offline(String(e)); return false; });
    })().then(function (ok) { flushing = null; return ok; }, function (e) { flushing = null; core.log("flush failed", e); return false; });
    return flushing;
  }

  // The page is going away: what waits goes out in one request the browser finishes after the
  // page is gone (keepalive, at most 64 KiB). An LRS that had some of it already keeps one
  // copy (same ids); what does not fit, or fails, is sent at the next launch.
  function flushLeaving() {
    var batch = [], size = 2;
    queue().some(function (s) {
      if (s.id === inFlight || sentLeaving[s.id]) return false;
      size += JSON.stringify(s).length + 1;
      if (size > KEEPALIVE_MAX) return true;
      batch.push(s);
      return false;
    });
    if (!batch.length) return Promise.resolve(true);
    batch.forEach(function (s) { sentLeaving[s.id] = true; });
    return request("POST", "statements", null, batch, true).then(function (r) {
      if (r.ok) drop(batch.map(function (s) { return s.id; }));
      return r.ok;
    }, function () { return false; });
  }

  // One write of the state document at a time, so an older one never lands after a newer one;
  // a write asked for meanwhile follows. Leaving, the newest goes out at once (keepalive).
  function storeState(keepalive) {
    var local = readJson(stateKey, null);
    if (!local || !local.unsaved) return Promise.resolve(true);
    if (storing && !keepalive) { storeAgain = true; return storing; }
    var body = JSON.stringify(local.doc);
    var done = request("PUT", "activities/state", docParams(STATE_ID), local.doc, keepalive).then(function (r) {
      if (!r.ok) { offline("state answered " + r.status); return false; }
      var now = readJson(stateKey, null);
      // Only mark it stored if it did not change while the request ran.
      if (now && JSON.stringify(now.doc) === body) writeJson(stateKey, {unsaved: false, doc: now.doc});
      return true;
    }, function (e) { offline(String(e)); return false; });
    if (keepalive) return done;
    storing = done.then(function (ok) {
      storing = null;
      if (!storeAgain) return ok;
      storeAgain = false;
      return storeState(false);
    });
    return storing;
  }

  window.addEventListener("online", function () { flush(); });

  return {
    getDoc: getDoc,
    getState: function (stateId) { return getDoc("activities/state", docParams(stateId)); },
    getProfile: function (profileId) {
      return getDoc("agents/profile", {agent: JSON.stringify(o.actor), profileId: profileId});
    },
    // Queue a statement (stored first, so a closed tab loses nothing), then send what waits.
    send: function (statement, leaving) {
      var q = queue();
      q.push(statement);
      writeJson(queueKey, q);
      return leaving ? flushLeaving() : flush();
    },
    flush: function (leaving) { return leaving ? flushLeaving() : flush(); },
    pending: function () { return queue().length; },
    // The learner's state: the LRS's copy, unless this browser holds a newer one not yet stored.
    loadState: function () {
      var local = readJson(stateKey, null);
      return getDoc("activities/state", docParams(STATE_ID)).then(function (doc) {
        return local && local.unsaved ? local.doc : doc;
      }, function (e) {
        core.log("reading the saved state failed", e);
        if (local) return local.doc;
        throw e;
      });
    },
    // Keep the state locally at once; store it in the LRS when asked (commit).
    keepState: function (doc) { writeJson(stateKey, {unsaved: true, doc: doc}); },
    storeState: storeState
  };
};

/*
 * The adapter body both standards share. h (hooks):
 *   client, actor, activityId, registration, budget, quiet (read-only launch),
 *   context(kind): the statement context; kind "defined" | "moveon" | "allowed",
 *   verdictExtensions(): extra context extensions on passed/failed, or null,
 *   definition: the launched activity's definition, or null (cmi5: the LMS has it),
 *   leave(unloading, stored): called after terminated was queued; stored settles when the
 *   LRS has everything (cmi5 then goes to returnURL).
 * doc: the state document loaded at start ({state, bookmark, status, raw, completed, passed, pages}).
 */
X.adapter = function (core, h, doc) {
  var startedAt = Date.now();
  var verdictSent = false;         // passed or failed sent in this session
  var ended = false;
  var config = core.config;
  doc = doc || {};
  doc.pages = doc.pages || [];

  function statement(verb, object, result, kind, extensions) {
    var s = {id: X.uuid(), timestamp: X.timestamp(Date.now()), actor: h.actor, verb: X.verb(verb), object: object,
             context: h.context(kind)};
    if (result) s.result = result;
    if (extensions) {
      s.context.extensions = s.context.extensions || {};
      Object.keys(extensions).forEach(function (k) { s.context.extensions[k] = extensions[k]; });
    }
    return s;
  }

  function au() {
    var a = {objectType: "Activity", id: h.activityId};
    if (h.definition) a.definition = h.definition;
    return a;
  }

  function send(verb, object, result, kind, extensions) {
    return h.client.send(statement(verb, object, result, kind, extensions));
  }

  function keep() { if (!h.quiet) h.client.keepState(doc); }

  function sessionTime() { return X.duration(Date.now() - startedAt); }

  function pageActivity(id) {
    var page = (config.pages || []).filter(function (p) { return p.id === id; })[0];
    var name = {}; name[config.lang] = page ? page.title : id;
    return {objectType: "Activity", id: h.activityId + "/page/" + id,
            definition: {type: "http://adlnet.gov/expapi/activities/lesson", name: name}};
  }

  return {
    budget: h.budget,
    initialized: function () { return send("initialized", au(), null, "defined"); },

    save: function (text, bookmark) {
      if (h.quiet || ended) return;
      doc.state = text;
      if (bookmark) doc.bookmark = bookmark;
      // A page seen for the first time: "experienced" it, and the progress through the course.
      if (bookmark && doc.pages.indexOf(bookmark) < 0) {
        doc.pages.push(bookmark);
        send("experienced", pageActivity(bookmark), null, "allowed");
        var total = (config.pages || []).length || 1;
        var progress = {};
        progress["https://w3id.org/xapi/cmi5/result/extensions/progress"] = Math.min(100, Math.round(doc.pages.length / total * 100));
        send("progressed", au(), {extensions: progress}, "allowed");
      }
      keep();
    },

    interaction: function (rec) {
      if (h.quiet || ended) return;
      var object = {objectType: "Activity", id: X.questionId(h.activityId, rec.id, config), definition: X.definition(config, rec)};
      var result = {response: X.response(rec.type, rec.response)};
      if (rec.result === "correct" || rec.result === "wrong") result.success = rec.result === "correct";
      if (typeof rec.latency === "number") result.duration = X.duration(rec.latency);
      var s = statement("answered", object, result, "allowed");
      if (rec.timestamp) s.timestamp = X.timestamp(rec.timestamp);
      s.context.contextActivities = s.context.contextActivities || {};
      s.context.contextActivities.parent = [au()];
      h.client.send(s);
    },

    // completed once per registration; then passed or failed, at most one a session, and
    // nothing after a passed. A second verdict in one session waits for the next launch:
    // the core reports the newest result again then, as it differs from the status sent.
    report: function (o) {
      if (h.quiet || ended) return;
      var final = o.status === "completed" || o.status === "passed" || o.status === "failed";
      if (!final) return;
      if (!doc.completed) {
        doc.completed = true;
        send("completed", au(), {completion: true, duration: sessionTime()}, "moveon");
        if (o.status === "completed") doc.status = "completed";
      }
      if ((o.status === "passed" || o.status === "failed") && !doc.passed) {
        if (verdictSent) {
          core.log("a second result in one session is sent at the next launch (cmi5: one passed/failed a session)");
        } else {
          verdictSent = true;
          var raw = Math.round(o.raw);
          var result = {score: {scaled: raw / 100, raw: raw, min: 0, max: 100}, success: o.status === "passed",
                        duration: sessionTime()};
          var ext = h.verdictExtensions ? h.verdictExtensions() : null;
          send(o.status, au(), result, "moveon", ext);
          doc.status = o.status;
          doc.raw = raw;
          if (o.status === "passed") doc.passed = true;
        }
      }
      keep();
    },

    commit: function (opts) {
      if (h.quiet || ended) return;
      var leaving = !!(opts && opts.leaving);
      h.client.flush(leaving);
      h.client.storeState(leaving);
    },

    finish: function (opts) {
      if (ended) return;
      ended = true;
      keep();
      var unloading = !opts || opts.done === null || opts.done === undefined;
      var done = h.client.send(statement("terminated", au(), {duration: sessionTime()}, "defined"), unloading);
      var stored = Promise.all([done, h.client.storeState(unloading)]);
      if (h.leave) h.leave(unloading, stored);
    },

    // For the standard's start(): what the core needs of the saved state.
    launch: function (extra) {
      var info = {tracked: true, state: doc.state || "", bookmark: doc.bookmark || "", raw: typeof doc.raw === "number" ? doc.raw : null,
                  status: doc.status || "incomplete", entry: doc.state || doc.bookmark ? "resume" : "ab-initio",
                  mode: "normal", credit: "credit", mastery: null, learner: null};
      Object.keys(extra || {}).forEach(function (k) { info[k] = extra[k]; });
      return info;
    }
  };
};
