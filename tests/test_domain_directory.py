import csv
import io
import json

from commission_helpers import decide_at, new_candidate


def _holders(cli, store):
    lea = new_candidate(
        cli,
        first="Léa",
        last="Élan",
        city="Orléans",
        email="lea@example.fr",
        phone="01 45 56 92 67",
        directory_consent=True,
    )
    hidden = new_candidate(cli, first="Paul", last="Caché", city="Lyon")
    old = new_candidate(cli, first="Zoé", last="Ancienne", city="Paris", directory_consent=True)
    decide_at(cli, store, "2026-03-12", candidate=lea, mentions=["OPC"])
    decide_at(cli, store, "2026-03-13", candidate=hidden)
    decide_at(cli, store, "2021-06-15", candidate=old)  # expired on 2025-06-14
    decide_at(cli, store, "2026-04-01", candidate=lea, scheme="PROG")


def test_directory_lists_consenting_valid_holders_only(cli, store):
    _holders(cli, store)
    entries = cli.json("directory", "search", "--as-of", "2026-06-01")
    assert entries == [
        {
            "name": "Léa Élan",
            "city": "Orléans",
            "scheme": "ECO",
            "scheme_name": "Économiste de la construction",
            "certificate": "ECO-2026-0001",
            "mentions": ["OPC"],
            "valid_until": "2030-03-11",
        },
        {
            "name": "Léa Élan",
            "city": "Orléans",
            "scheme": "PROG",
            "scheme_name": "Programmiste",
            "certificate": "PROG-2026-0001",
            "mentions": [],
            "valid_until": "2030-03-31",
        },
    ]
    assert [e["certificate"] for e in cli.json("directory", "search", "--as-of", "2024-01-01")] == [
        "ECO-2021-0003"
    ]
    assert (
        cli.json("directory", "search", "orleans", "--scheme", "prog", "--as-of", "2026-06-01")[0][
            "certificate"
        ]
        == "PROG-2026-0001"
    )
    assert cli.json("directory", "search", "cache", "--as-of", "2026-06-01") == []


def test_directory_export_carries_nothing_else_personal(cli, store):
    _holders(cli, store)
    text = cli.ok("directory", "export", "--as-of", "2026-06-01").stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == [
        "name",
        "city",
        "scheme",
        "scheme_name",
        "certificate",
        "mentions",
        "valid_until",
    ]
    assert [r["certificate"] for r in rows] == ["ECO-2026-0001", "PROG-2026-0001"]
    assert "lea@example.fr" not in text and "45 56" not in text and "Lyon" not in text
    data = json.loads(
        cli.ok("directory", "export", "--format", "json", "--as-of", "2026-06-01").stdout
    )
    assert {k for e in data for k in e} == set(rows[0])
    assert "invalid format" in cli.fails("directory", "export", "--format", "xml").stderr


def test_directory_words_match_the_name_city_and_number_only(cli, store):
    """The words are looked up through the candidates' search index and the number
    index, then matched on the folded name, city and number: a word found only in the
    e-mail (which the search key also holds) lists nobody; a piece of a number, a
    short word, a word of two fields, accents or case find the same holders as
    before."""
    _holders(cli, store)

    def found(text):
        return [
            e["certificate"] for e in cli.json("directory", "search", text, "--as-of", "2026-06-01")
        ]

    assert found("example") == []  # lea@example.fr: the e-mail is not searched
    assert found("lea") == ["ECO-2026-0001", "PROG-2026-0001"]
    assert found("ÉLAN ORLÉANS") == ["ECO-2026-0001", "PROG-2026-0001"]
    assert found("prog-2026") == ["PROG-2026-0001"]
    assert found("2026-0001 el") == ["ECO-2026-0001", "PROG-2026-0001"]
    assert found("eco lea") == ["ECO-2026-0001"]
    assert found("or") == ["ECO-2026-0001", "PROG-2026-0001"]
    assert found("100%") == [] and found("a_b") == []
    # A number that is not plain ASCII is folded as certcli folds it.
    with store.transaction():
        store.execute("UPDATE certificates SET number = 'ÉCO-N°1' WHERE number = 'ECO-2026-0001'")
    assert found("eco-n°1") == ["ÉCO-N°1"] and found("eco") == ["ÉCO-N°1"]


def _keys(store):
    return {
        r["number"]: (r["sort_last"], r["sort_first"])
        for r in store.all("SELECT number, sort_last, sort_first FROM certificates")
    }


def test_the_directory_order_follows_every_write_of_a_name(cli, store):
    """The directory reads its order from the holder's folded names kept on each
    certificate (m033, store.directory_order.sort_holders): a new certificate, a correction of
    either name, a merge that moves a certificate and an erasure fold them again."""
    _holders(cli, store)
    zola = new_candidate(cli, first="Bruno", last="Zola", city="Nice", directory_consent=True)
    decide_at(cli, store, "2026-04-20", candidate=zola)

    def listed():
        return [
            (e["name"], e["certificate"])
            for e in cli.json("directory", "search", "--as-of", "2026-06-01", "--all")
        ]

    assert _keys(store)["ECO-2026-0001"] == ("elan", "lea")
    assert [n for n, _ in listed()] == ["Léa Élan", "Léa Élan", "Bruno Zola"]
    cli.ok("candidate", "edit", zola, "--last-name", "Abadie")
    number = listed()[0][1]
    assert listed()[0] == ("Bruno Abadie", number) and _keys(store)[number] == ("abadie", "bruno")
    cli.ok("candidate", "edit", zola, "--first-name", "Ève")
    assert _keys(store)[number] == ("abadie", "eve")
    # Each key is the Python fold of the name, whatever wrote it.
    from certcli.rules.validators import fold

    for row in store.all(
        "SELECT ce.sort_last, ce.sort_first, c.first_name, c.last_name FROM certificates ce "
        "JOIN candidates c ON c.id = ce.candidate_id"
    ):
        assert (row["sort_last"], row["sort_first"]) == (
            fold(row["last_name"]),
            fold(row["first_name"]),
        )


def test_a_merge_and_an_erasure_fold_the_keys_again(cli, store):
    old = new_candidate(cli, first="Zoé", last="Ancienne", city="Paris", directory_consent=True)
    decide_at(cli, store, "2021-06-15", candidate=old)  # expired on 2025-06-14
    number = next(iter(_keys(store)))
    assert _keys(store)[number] == ("ancienne", "zoe")
    keep = new_candidate(cli, first="Zoë", last="Ancienne-Martin", city="Paris", force=True)
    cli.ok("candidate", "merge", keep, old, "--reason", "twice")
    assert _keys(store)[number] == ("ancienne-martin", "zoe")
    cli.ok("candidate", "forget", keep, "--reason", "demande")
    assert _keys(store)[number] == (f"effacee {keep}", "personne")
