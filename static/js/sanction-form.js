// The sanction proposal form: show only the fields the chosen type uses. Without
// JavaScript every field shows and the server ignores what the type does not use.
(function () {
  "use strict";
  var form = document.querySelector(".sanction-form");
  if (!form) { return; }
  var blocks = form.querySelectorAll("[data-for]");
  function update() {
    var chosen = form.querySelector('input[name="kind"]:checked');
    blocks.forEach(function (block) {
      var kinds = block.getAttribute("data-for").split(" ");
      block.hidden = chosen !== null && kinds.indexOf(chosen.value) === -1;
    });
  }
  form.querySelectorAll('input[name="kind"]').forEach(function (input) {
    input.addEventListener("change", update);
  });
  update();
})();
