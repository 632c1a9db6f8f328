// Characters and SMS parts as the complainant's phone will count them: GSM 7-bit 160/153
// (the extension characters count two), otherwise UCS-2 70/67. Without script the form
// still works and the server refuses a text longer than two parts.
(function () {
  "use strict";
  var BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var EXTENDED = "^{}\\[~]|€\f";
  function count(text) {
    var gsm = true, septets = 0, i;
    for (i = 0; i < text.length; i++) {
      var c = text.charAt(i);
      if (BASIC.indexOf(c) >= 0) { septets += 1; }
      else if (EXTENDED.indexOf(c) >= 0) { septets += 2; }
      else { gsm = false; break; }
    }
    var units = gsm ? septets : text.length;  // JS strings are UTF-16 code units
    var single = gsm ? 160 : 70, each = gsm ? 153 : 67;
    return {chars: units, parts: units <= single ? 1 : Math.ceil(units / each)};
  }
  document.querySelectorAll("[data-sms-counter]").forEach(function (box) {
    var out = document.getElementById(box.getAttribute("data-sms-counter"));
    if (!out) { return; }
    function show() {
      var n = count(box.value);
      var text = out.getAttribute("data-template").replace("{chars}", n.chars)
        .replace("{parts}", n.parts).replace("{max}", "2");
      if (n.parts > 2) { text += " " + out.getAttribute("data-too-long"); }
      out.textContent = text;
      out.hidden = false;
    }
    box.addEventListener("input", show);
    show();
  });
})();
