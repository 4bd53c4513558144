"""The annual PDF bilan (`peuplement bilan`, reports/): its text, read back with pypdf, holds the
same targets and counts as `peuplement objectifs` / `evaluate` for the same scope, and a
partner's copy names no other territory and prints masked cells as the mask label only."""

from __future__ import annotations

import json
import re

import pytest
from pypdf import PdfReader

from cli.main import main

pytestmark = pytest.mark.slow  # builds the bilan PDF on the full demo root

VOIRONNAIS, METRO, GRESIVAUDAN = "243800984", "200040715", "200018166"
PARTNER = ["--role", "partenaire", "--territoires", VOIRONNAIS]
# The target titles the bilan prints, written out here by hand.
TITLES = {
    "T1": "T1 · 1er quartile hors QPV",
    "T2": "T2 · Hors 1er quartile en QPV",
    "T3-etat": "T3 · Publics prioritaires · État (contingent préfectoral)",
    "T3-action_logement": "T3 · Publics prioritaires · Action Logement",
    "T3-collectivite": "T3 · Publics prioritaires · Collectivités",
    "T3-bailleur": "T3 · Publics prioritaires · Bailleur (non réservé)",
    "T3-autre": "T3 · Publics prioritaires · Autres réservataires",
    "local-prioritaires-action_logement": "Local · Attributions aux publics prioritaires · Action Logement",
}
STATUSES = {
    "atteint": "Atteint",
    "a_surveiller": "À surveiller",
    "non_atteint": "Non atteint",
    "non_mesurable": "Non mesurable",
    "secret": "Secret statistique",
}


def _cli(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _flat(text: str) -> str:
    """PDF text with every run of spaces, no-break spaces and line breaks as one space."""
    return re.sub(r"[\s\u00a0\u202f]+", " ", text).strip()


def _pdf_text(path) -> str:
    return _flat(" ".join(page.extract_text() for page in PdfReader(path).pages))


def _pct(value) -> str:
    return f"{value * 100:.1f}".replace(".", ",") + " %"


def _bilan(capsys, root, tmp_path, *argv) -> str:
    out = tmp_path / "bilan.pdf"
    code, stdout, _ = _cli(capsys, "bilan", "--data-dir", str(root), "--out", str(out), *argv)
    assert code == 0
    assert str(out.resolve()) in stdout  # the command says where it wrote
    return _pdf_text(out)


def _target_line(t: dict, year: int, suffix: str = "") -> str:
    key = t["objectif_id"].split("-")[0]
    if t["nature"] == "local":
        key = "local-prioritaires-action_logement"
    elif key == "T3":
        key = f"T3-{t['objectif_id'].split('-', 2)[2]}"
    period = f"Année {year}" if t["periode"] == "annee_en_cours" else "12 mois"
    value = "< 11" if t["statut"] == "secret" else "—" if t["valeur"] is None else _pct(t["valeur"])
    # T1 and T2 without mutations: `objectifs` gives valeur_hors_mutations, « — » for the others
    split = t["statut_hors_mutations"]
    without = (
        "—"
        if split is None
        else "< 11"
        if split == "secret"
        else "—"
        if t["valeur_hors_mutations"] is None
        else _pct(t["valeur_hors_mutations"])
    )
    missing = "—" if t["manquants"] is None else str(t["manquants"])
    target = f"≥ {round(t['cible'] * 100)} %"
    return (
        f"{TITLES[key]}{suffix} {period} {value} {without} {target} {STATUSES[t['statut']]} "
        f"{missing}"
    )


def test_tiny_whole_stock_bilan_prints_every_target_as_objectifs_rates_it(
    capsys, tiny_root, tmp_path
):
    text = _bilan(capsys, tiny_root, tmp_path, "--annee", "2025")
    _, out, _ = _cli(
        capsys,
        "objectifs",
        "--data-dir",
        str(tiny_root),
        "--format",
        "json",
        "--snapshot",
        "2025-12-31",
    )
    targets = [t for t in json.loads(out) if t["nature"] == "légal"]
    assert {t["territoire"] for t in targets} == {
        "Grenoble-Alpes-Métropole",
        "CA du Pays Voironnais",
    }
    for t in targets:
        line = _target_line(t, 2025, f" · {t['territoire']}")
        assert line in text, line
    assert "Photographie du 31/12/2025" in text or "du 31/12/2025" in text
    assert "Direction — tout le patrimoine" in text  # the reader's role on the cover


@pytest.fixture(scope="module")
def partner_text(demo_root, tmp_path_factory):
    """The Voironnais partner's bilan of the latest year on the demo data."""
    out = tmp_path_factory.mktemp("bilan") / "voironnais.pdf"
    assert (
        main(
            [
                "bilan",
                "--data-dir",
                str(demo_root),
                "--territoire",
                VOIRONNAIS,
                *PARTNER,
                "--out",
                str(out),
            ]
        )
        == 0
    )
    return _pdf_text(out)


def test_partner_bilan_targets_equal_objectifs_for_the_same_scope(capsys, demo_root, partner_text):
    _, out, _ = _cli(
        capsys, "objectifs", "--data-dir", str(demo_root), "--format", "json", *PARTNER
    )
    targets = [t for t in json.loads(out) if t["code"] == VOIRONNAIS]
    # T1, T2, four T3 and the local convention that replaces T3 for Action Logement, two periods
    assert len(targets) == 2 * 7
    assert any(t["statut"] == "secret" for t in targets)  # the demo has a masked T3
    # T1 and T2 are printed with and without mutations (issue 17), the others without a split
    split = {t["objectif_id"].split("-")[0] for t in targets if t["statut_hors_mutations"]}
    assert split == {"T1", "T2"}
    assert all(
        t["valeur_hors_mutations"] is not None
        for t in targets
        if t["statut_hors_mutations"] not in (None, "secret")
    )
    for t in targets:
        assert _target_line(t, 2026) in partner_text, _target_line(t, 2026)
    assert "Hors mutations" in partner_text


def test_partner_bilan_counts_equal_evaluate_and_masked_cells_show_the_label(
    capsys, demo_root, partner_text
):
    _, out, _ = _cli(
        capsys,
        "evaluate",
        "nb_attributions",
        "--by",
        "reservataire",
        "--where",
        f"epci={VOIRONNAIS}",
        "--period",
        "ytd",
        "--data-dir",
        str(demo_root),
        "--format",
        "json",
        *PARTNER,
    )
    rows = json.loads(out)
    names = {
        r: t.split(" · ")[-1]
        for r, t in ((k[3:], v) for k, v in TITLES.items() if k.startswith("T3-"))
    }
    masked = [r for r in rows if r["masque"]]
    assert masked, "the demo masks some réservataires of the Voironnais this year"
    for r in rows:
        name = names[r["reservataire"]]
        if r["masque"]:
            # every figure of a masked réservataire is the label, never a number
            assert f"{name} < 11 < 11 < 11 < 11 < 11" in partner_text
        else:
            assert re.search(rf"{re.escape(name)} {r['valeur']:.0f} \d", partner_text), name
    _, out, _ = _cli(
        capsys,
        "evaluate",
        "nb_attributions",
        "--where",
        f"epci={VOIRONNAIS}",
        "--period",
        "ytd",
        "--data-dir",
        str(demo_root),
        "--format",
        "json",
        *PARTNER,
    )
    total = json.loads(out)[0]["valeur"]
    assert f"Toutes les attributions {total:.0f} " in partner_text


def test_partner_bilan_names_no_other_territory(demo_root, partner_text):
    from queries.engine import get_engine
    from queries.places import boundaries
    from semantic.scope import Scope

    communes = boundaries(get_engine(demo_root), "communes", Scope.internal())
    others = communes[communes["epci"] != VOIRONNAIS]
    own = set(communes.loc[communes["epci"] == VOIRONNAIS, "commune_libelle"])
    names = {*others["epci_libelle"], *others["commune_libelle"]} - own
    assert "Grenoble-Alpes-Métropole" in names and any("Grésivaudan" in n for n in names)
    found = sorted(n for n in names if re.search(rf"(?<!\w){re.escape(n)}(?!\w)", partner_text))
    assert found == []
    assert "Pays Voironnais" in partner_text
    assert "Partenaire (consultation et concertation)" in partner_text
    assert (
        "Secret statistique : les effectifs de ce document sont légèrement modifiés" in partner_text
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--territoire", METRO, *PARTNER], "n'est pas dans votre périmètre"),
        (["--annee", "2019"], "aucune photographie en 2019"),
        (["--role", "partenaire", "--territoires", f"{VOIRONNAIS},{METRO}"], "précisez l'EPCI"),
        (["--out", "bilan.txt"], "doit finir par .pdf"),
    ],
)
def test_bilan_user_errors_exit_2_with_one_line(capsys, tiny_root, tmp_path, argv, message):
    code, out, err = _cli(capsys, "bilan", "--data-dir", str(tiny_root), *argv)
    assert code == 2 and out == ""
    assert message in err and err.count("\n") == 1


def test_the_bilan_lists_the_territorys_action_plans_and_no_others(
    capsys, tiny_root, tmp_path, monkeypatch
):
    """The plans of the reader's territory, read from the portal's state store with the reader's
    scope: another EPCI's plan is in neither the partner's PDF nor its territory's section."""
    import datetime as dt

    from semantic.scope import Scope
    from store import open_store
    from store.concertation import LANDLORD, Actor, ObjectRef
    from store.database import configured_url
    from store.plans import create_plan
    from tests.tiny_data import E1, E2

    monkeypatch.setenv("PEUPLEMENT_AUDIT_FILE", str(tmp_path / "audit.jsonl"))
    store = open_store(configured_url({"PEUPLEMENT_AUDIT_FILE": str(tmp_path / "audit.jsonl")}))
    manager = Actor("direction", "manager", LANDLORD, Scope.internal("manager"))
    for epci, title, due in (
        (E1, "Relogements hors QPV avec la commune A", dt.date(2025, 6, 30)),
        (E2, "Plan de l'autre EPCI", None),
    ):
        obj = ObjectRef("objectif", f"T1-{epci}:2025", f"T1 · {epci} · 2025", epci=epci)
        create_plan(store, manager, obj, title=title, due=due, status="engagee")
    partner = ["--role", "partenaire", "--territoires", E1]
    text = _bilan(capsys, tiny_root, tmp_path, "--territoire", E1, "--annee", "2025", *partner)
    assert "7. Plans d'action de la concertation" in text
    assert "Relogements hors QPV avec la commune A" in text
    assert "Engagée" in text and "30/06/2025 (en retard)" in text  # due before the snapshot
    assert "Plan de l'autre EPCI" not in text
    whole = _bilan(capsys, tiny_root, tmp_path, "--annee", "2025")
    assert "Relogements hors QPV" in whole and "Plan de l'autre EPCI" in whole
