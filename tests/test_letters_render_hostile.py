"""A template is the secretariat's to edit, hence not trusted: it can attach no file
to a PDF, fetch nothing outside the templates and data folders, and a runaway
template stops with an error within seconds instead of hanging the desk."""

import http.server
import threading
import time

import pytest
from builders import add_candidate
from pypdf import PdfReader

from certcli.letters import render

HEADER = """{#- certcli
description = "Essai"
needs = "candidate"
-#}
{% extends "_base.html" %}
{% block subject %}Essai{% endblock %}
{% block content %}
"""


@pytest.fixture
def own(tmp_path):
    folder = tmp_path / "modeles"
    folder.mkdir()

    def template(name, body):
        (folder / f"{name}.html").write_text(HEADER + body + "\n{% endblock %}\n", encoding="utf-8")
        return folder

    return template


@pytest.fixture
def cid(cli):
    return add_candidate(cli, address="12 rue des Écoles", postcode="75005", city="Paris")


def _render(cli, template, cid, folder, out, *extra):
    return cli(
        "letters",
        "render",
        template,
        "--candidate",
        cid,
        "--templates",
        folder,
        "--out",
        out,
        *extra,
    )


def _png(path):
    from PIL import Image

    Image.new("RGB", (40, 40), (200, 30, 30)).save(path)
    return path


def _images(pdf) -> int:
    return sum(len(page.images) for page in PdfReader(pdf).pages)


@pytest.mark.parametrize(
    "tag",
    [
        '<link rel="attachment" href="file://{db}">',
        '<a rel="attachment" href="file://{db}" download="office.db">pièce jointe</a>',
    ],
)
def test_a_template_cannot_attach_the_database_to_a_pdf(
    cli, cid, own, tmp_path, db_path, tag, unchanged
):
    folder = own("espion", tag.format(db=db_path) + "<p>Bonjour.</p>")
    out = tmp_path / "out"
    with unchanged():
        result = _render(cli, "espion", cid, folder, out)
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("Error: template 'espion':") and "attach" in result.stderr
    assert not out.exists() or not any(out.iterdir())  # no PDF, no part file


def test_files_outside_the_templates_and_data_folders_are_not_loaded(cli, cid, own, tmp_path):
    secret = _png(tmp_path / "secret.png")
    folder = own("image", f'<img src="file://{secret}" width="40">')
    _png(folder / "logo.png")
    (folder / "lien.png").symlink_to(secret)  # a link out of the folder leads nowhere
    own("logo", '<img src="logo.png" width="40"><img src="lien.png" width="40">')
    out = tmp_path / "out"
    refused = _render(cli, "image", cid, folder, out, "--json")
    assert refused.exit_code == 0, refused.stderr
    served = _render(cli, "logo", cid, folder, out, "--json")
    assert served.exit_code == 0, served.stderr
    pdfs = sorted(out.glob("*.pdf"))
    assert [_images(p) for p in pdfs] == [0, 1]  # image (refused), logo (served, not lien)


def test_no_network_fetch_from_a_template(cli, cid, own, tmp_path):
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # http.server's name
            hits.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        folder = own(
            "reseau", f'<link rel="stylesheet" href="{url}/a.css"><img src="{url}/pixel.png">'
        )
        result = _render(cli, "reseau", cid, folder, tmp_path / "out")
    finally:
        server.shutdown()
        server.server_close()  # its listening socket, else a ResourceWarning at collection
    assert result.exit_code == 0, result.stderr
    assert hits == []


@pytest.mark.parametrize(
    "body, seconds",
    [
        # prints nothing and calls nothing: only the interval timer can stop it
        ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", 2),
        ("{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}", 1),
        (
            "{% for i in range(100000) %}{% for j in range(100000) %}{{ j|string }}{% endfor %}"
            "{% endfor %}",
            1,
        ),
    ],
)
def test_a_runaway_loop_stops_within_seconds_with_an_error(
    cli, cid, own, tmp_path, body, seconds, monkeypatch
):
    monkeypatch.setattr(render, "TEMPLATE_SECONDS", seconds)
    folder = own("boucle", body)
    started = time.monotonic()
    result = cli.fails(
        "letters",
        "render",
        "boucle",
        "--candidate",
        cid,
        "--templates",
        folder,
        "--out",
        tmp_path / "out",
        "--format",
        "html",
    )
    assert time.monotonic() - started < seconds + 5
    assert (
        f"Error: template 'boucle' took longer than {seconds} s" in result.stderr
        or "renders more than" in result.stderr
    ), result.stderr


@pytest.mark.parametrize(
    "body", ["{{ 'x' * 1000000000 }}", "{{ 9 ** 99999999 }}", "{{ [1, 2] * 100000000 }}"]
)
def test_huge_values_are_refused_by_the_sandbox(cli, cid, own, tmp_path, body):
    folder = own("enorme", body)
    started = time.monotonic()
    err = cli.fails(
        "letters",
        "render",
        "enorme",
        "--candidate",
        cid,
        "--templates",
        folder,
        "--out",
        tmp_path / "out",
        "--format",
        "html",
    ).stderr
    assert time.monotonic() - started < 5
    assert "refused by the sandbox" in err


def test_the_render_deadline_is_not_lost_inside_a_finalizer():
    """The render's alarm landing inside a __del__ (WeasyPrint's objects freed by the
    garbage collector) would be swallowed there: it fires again once the finalizer
    has returned, so the runaway render still stops."""
    import time

    import pytest

    from certcli.letters import render

    class Slow:
        def __del__(self):
            end = time.monotonic() + 0.3
            while time.monotonic() < end:
                pass

    with pytest.raises(render._TookTooLong):
        with render._time_limit(0.05):
            obj = Slow()
            del obj  # the alarm fires while __del__ runs
            end = time.monotonic() + 2
            while time.monotonic() < end:
                pass
