// verify.html: the status of a certificate number, and whether a verification code
// is genuine, from status.json (status.js when the page is opened from a folder,
// where a browser refuses to fetch a file). A code is never published: status.json
// holds SHA-256("certcli-site-v1|NUMBER|CODE"), first 32 hex characters, per period.
(function () {
  "use strict";
  var FR = JSON.parse(document.getElementById("statuts-fr").textContent);
  var STATUS_TEXT = {
    valid: "Ce certificat est valide.",
    suspended: "Ce certificat est suspendu.",
    lapsed: "Ce certificat a expiré.",
    withdrawn: "Ce certificat a été retiré.",
    unknown: "Aucun certificat ne porte ce numéro."
  };
  var ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  var form = document.getElementById("verifier");
  var answer = document.getElementById("reponse");
  var numberInput = document.getElementById("numero");
  var codeInput = document.getElementById("code");
  var table = null;

  // SHA-256 (FIPS 180-4) of a UTF-8 string, as hex: no dependency, works offline.
  function sha256(text) {
    var bytes = new TextEncoder().encode(text);
    var K = [], H = [], n = 0, c = 2;
    function frac(x) { return ((x - Math.floor(x)) * 4294967296) | 0; }
    while (n < 64) {
      var prime = true;
      for (var d = 2; d * d <= c; d++) if (c % d === 0) { prime = false; break; }
      if (prime) { if (n < 8) H[n] = frac(Math.pow(c, 1 / 2)); K[n++] = frac(Math.pow(c, 1 / 3)); }
      c++;
    }
    var len = bytes.length, padded = new Uint8Array(((len + 9 + 63) >> 6) << 6);
    padded.set(bytes);
    padded[len] = 0x80;
    var bits = len * 8, view = new DataView(padded.buffer);
    view.setUint32(padded.length - 4, bits >>> 0);
    view.setUint32(padded.length - 8, Math.floor(bits / 4294967296));
    var w = new Array(64);
    function rotr(x, r) { return (x >>> r) | (x << (32 - r)); }
    for (var off = 0; off < padded.length; off += 64) {
      for (var i = 0; i < 16; i++) w[i] = view.getUint32(off + i * 4);
      for (i = 16; i < 64; i++) {
        var s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
        var s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
        w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
      }
      var a = H[0], b = H[1], cc = H[2], dd = H[3], e = H[4], f = H[5], g = H[6], h = H[7];
      for (i = 0; i < 64; i++) {
        var t1 = (h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
        var t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & cc) ^ (b & cc))) | 0;
        h = g; g = f; f = e; e = (dd + t1) | 0; dd = cc; cc = b; b = a; a = (t1 + t2) | 0;
      }
      H[0] = (H[0] + a) | 0; H[1] = (H[1] + b) | 0; H[2] = (H[2] + cc) | 0; H[3] = (H[3] + dd) | 0;
      H[4] = (H[4] + e) | 0; H[5] = (H[5] + f) | 0; H[6] = (H[6] + g) | 0; H[7] = (H[7] + h) | 0;
    }
    return H.map(function (x) { return ("00000000" + (x >>> 0).toString(16)).slice(-8); }).join("");
  }

  // A code as typed ("7k2qf m9xrt", O for 0, I or L for 1) in its printed form.
  function normaliseCode(typed) {
    var chars = typed.toUpperCase().replace(/[^0-9A-Z]/g, "")
      .replace(/O/g, "0").replace(/[IL]/g, "1");
    if (chars.length !== 10) return null;
    for (var i = 0; i < chars.length; i++) if (ALPHABET.indexOf(chars[i]) < 0) return null;
    return chars.slice(0, 5) + "-" + chars.slice(5);
  }

  function frDate(iso) {
    if (!iso) return "sans échéance";
    var p = iso.split("-");
    return p[2] + "/" + p[1] + "/" + p[0];
  }

  function line(text, cls) {
    var p = document.createElement("p");
    p.textContent = text;
    if (cls) p.className = cls;
    return p;
  }

  function check(numberTyped, codeTyped) {
    var number = numberTyped.trim().toUpperCase();
    var found = table.certificates[number];
    var status = found ? found.status : "unknown";
    var parts = [];
    var head = line(number + " : " + FR[status], "statut statut-" + status);
    head.setAttribute("data-status", status);
    parts.push(head);
    parts.push(line(STATUS_TEXT[status]));
    if (found) {
      parts.push(line("Référentiel : " + found.scheme + ". Période de validité : du "
        + frDate(found.valid_from) + " au " + frDate(found.valid_until) + "."));
    }
    if (codeTyped.trim()) {
      var code = normaliseCode(codeTyped);
      var ok = false;
      if (code && found) {
        var digest = sha256("certcli-site-v1|" + number + "|" + code).slice(0, 32);
        ok = found.codes.indexOf(digest) >= 0;
      }
      var verdict = code === null
        ? line("Ce code n'a pas la forme d'un code de vérification (dix lettres et chiffres).", "code-faux")
        : ok ? line("Le code de vérification est authentique : l'attestation a bien été délivrée pour ce certificat.", "code-ok")
          : line("Le code de vérification ne correspond pas à ce certificat.", "code-faux");
      verdict.setAttribute("data-code", ok ? "ok" : "faux");
      parts.push(verdict);
    }
    parts.push(line("Situation au " + frDate(table.date) + "."));
    answer.replaceChildren.apply(answer, parts);
  }

  function ready(data) {
    table = data;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      check(numberInput.value, codeInput.value);
    });
    var params = new URLSearchParams(window.location.search);
    // The attestation's QR code opens VERIFY_URL?n=NUMBER&c=CODE (body file's verify_url).
    if (params.get("n")) {
      numberInput.value = params.get("n");
      codeInput.value = params.get("c") || "";
      check(numberInput.value, codeInput.value);
    }
    form.setAttribute("data-ready", "1");
  }

  function fromScript() {
    var script = document.createElement("script");
    script.src = "status.js";
    script.onload = function () { ready(window.CERTCLI_STATUS); };
    script.onerror = function () { answer.replaceChildren(line("Le fichier des statuts est introuvable.")); };
    document.body.appendChild(script);
  }

  if (window.location.protocol.indexOf("http") === 0 && window.fetch) {
    fetch("status.json", { cache: "no-cache" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(ready, fromScript);
  } else {
    fromScript();
  }
})();
