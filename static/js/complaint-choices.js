// Shared by the public complaint form and the hotline's: the region -> polling stations
// filter and the candidate search. The pages work without it (plain selects).
(function () {
  "use strict";

  function setup() {
    // Region -> polling stations of that region (and electronic voting).
    var region = document.getElementById("region");
    var station = document.getElementById("station");
    if (region && station) {
      var syncStations = function () {
        var chosen = region.value;
        var option = region.options[region.selectedIndex];
        var top = option && option.dataset.parent ? option.dataset.parent : chosen;
        Array.prototype.forEach.call(station.querySelectorAll("option"), function (o) {
          if (!o.value || o.dataset.kind === "electronic") { o.hidden = false; return; }
          var match = !chosen || o.dataset.top === top && (chosen === top || o.dataset.region === chosen);
          o.hidden = !match;
          if (!match && o.selected) { station.value = ""; }
        });
        Array.prototype.forEach.call(station.querySelectorAll("optgroup"), function (g) {
          g.hidden = !g.querySelector("option:not([hidden])");
        });
      };
      region.addEventListener("change", syncStations);
      syncStations();
    }

    // Candidates: search by part of the name in Kazakh, Russian or Latin letters.
    var filter = document.getElementById("candidate-filter");
    var accused = document.getElementById("accused");
    if (filter && accused) {
      filter.closest(".candidate-search").hidden = false;
      filter.addEventListener("input", function () {
        var words = filter.value.toLowerCase().trim().split(/\s+/).filter(Boolean);
        Array.prototype.forEach.call(accused.options, function (o) {
          var text = o.dataset.search || o.text.toLowerCase();
          o.hidden = !o.selected && !words.every(function (w) { return text.indexOf(w) >= 0; });
        });
      });
    }
  }
  setup();
  // The complaint form's script swaps in the server's answer: bind the new fields again.
  document.addEventListener("casework:form-replaced", setup);
})();
