// The directory's search (index.html), offline: filters window.CERTCLI_ANNUAIRE
// ([name, city, schemes, page, folded key] per holder, written by certcli).
(function () {
  "use strict";
  var data = window.CERTCLI_ANNUAIRE || [];
  var MAX = 100;
  var input = document.getElementById("q");
  var list = document.getElementById("resultats");
  var count = document.getElementById("compte");

  // The same folding as certcli's (rules.validators.fold): NFKD, combining marks
  // dropped, lower case; so accents and case are ignored.
  function fold(text) {
    return text.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
  }

  function plural(n, word) { return n + " " + word + (n > 1 ? "s" : ""); }

  function show() {
    var words = fold(input.value).split(/\s+/).filter(Boolean);
    var found = [];
    var total = 0;
    for (var i = 0; i < data.length; i++) {
      var key = data[i][4];
      var ok = true;
      for (var j = 0; j < words.length; j++) {
        if (key.indexOf(words[j]) < 0) { ok = false; break; }
      }
      if (ok) {
        total++;
        if (found.length < MAX) found.push(data[i]);
      }
    }
    var items = document.createDocumentFragment();
    found.forEach(function (h) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = h[3];
      a.textContent = h[0];
      li.appendChild(a);
      var place = document.createElement("span");
      place.className = "lieu";
      place.textContent = (h[1] ? " — " + h[1] : "") + " — " + h[2];
      li.appendChild(place);
      items.appendChild(li);
    });
    list.replaceChildren(items);
    if (!words.length) {
      count.textContent = plural(data.length, "personne certifiée") + " dans l'annuaire"
        + (data.length > MAX ? " (les " + MAX + " premières ci-dessous)." : ".");
    } else if (!total) {
      count.textContent = "Aucune personne certifiée ne correspond à « " + input.value.trim() + " ».";
    } else {
      count.textContent = plural(total, "résultat")
        + (total > MAX ? " (les " + MAX + " premiers ci-dessous : précisez la recherche)." : ".");
    }
  }

  var params = new URLSearchParams(window.location.search);
  if (params.get("q")) input.value = params.get("q");
  input.addEventListener("input", show);
  show();
})();
