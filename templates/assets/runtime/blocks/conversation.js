/*
 * Block part: conversation (docs/CONTRACT.md, "Block parts").
 * The print button of conversation material (```conversation).
 *
 * The button is rendered hidden, so without JavaScript there is no button that does nothing
 * (the link to the handout page works either way). A click marks the material and the
 * document, and the print stylesheet then shows that material alone until the dialog closes.
 * Nothing is saved or reported: the part has no slice.
 */
ILM.block("conversation", function (api) {
  var root = document.documentElement;

  function unmark() {
    root.removeAttribute("data-printing");
    api.$$("[data-print-target]").forEach(function (box) { box.removeAttribute("data-print-target"); });
  }

  api.$$('[data-conversation] button[data-action="conversation-print"]').forEach(function (button) {
    button.hidden = false;
  });
  window.addEventListener("afterprint", unmark);

  api.action("conversation-print", function (target) {
    var box = target.closest("[data-conversation]");
    if (!box) return;
    unmark();
    box.setAttribute("data-print-target", "");
    root.setAttribute("data-printing", "");
    window.print();
  });
});
