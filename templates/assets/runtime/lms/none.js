/*
 * LMS adapter: none. Used when the build's standard finds no LMS (the
 * package opened from disk or a plain web server): everything works, the
 * learner is told nothing is saved, and nothing is.
 */
ILM.lms("none", function (core) {
  function nothing() {}
  return {
    budget: 0,                     // no limit: nothing is stored
    start: function () {
      core.notice(core.str("not_tracked"), "info");
      return {tracked: false, entry: "ab-initio", mode: "normal", credit: "no-credit"};
    },
    save: nothing,
    interaction: nothing,
    report: nothing,
    commit: nothing,
    finish: nothing
  };
});
