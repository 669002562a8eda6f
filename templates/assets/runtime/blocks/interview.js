/*
 * Block part: interview (docs/CONTRACT.md, "Block parts"). The interview works without it; this
 * stops a recording whose page is hidden (the learner moved on), and starting one player pauses
 * the others. No state slice.
 */
ILM.block("interview", function (api) {
  var $$ = api.$$;
  var players = $$("[data-interview] .ilm-player");

  // Same as in blocks/film.js: each kind's part looks after its own players.
  players.forEach(function (player) {
    player.addEventListener("play", function () {
      $$("video.ilm-player, audio.ilm-player").forEach(function (other) { if (other !== player) other.pause(); });
    });
  });
  new MutationObserver(function () {
    players.forEach(function (player) { if (!player.paused && player.closest("[hidden], details:not([open])")) player.pause(); });
  }).observe(document.body, {subtree: true, attributes: true, attributeFilter: ["hidden", "open"]});
});
