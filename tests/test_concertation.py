"""Action plans, threads, urban projects and « quoi de neuf » on the state store (SQLite and
PostgreSQL): who may read, create, comment, edit and hide — every function, every role."""

from __future__ import annotations

import datetime as dt

import pytest

from semantic.errors import InvalidValueError
from semantic.scope import Scope
from store import audit
from store.concertation import (
    HIDDEN_TEXT,
    LANDLORD,
    AccessRefusedError,
    Actor,
    NotFoundError,
    ObjectRef,
)
from store.news import last_visit, record_visit, whats_new
from store.plans import (
    create_plan,
    get_plan,
    list_plans,
    plan_counts,
    update_plan,
)
from store.threads import add_comment, comment_counts, hide_comment, list_comments, thread
from store.urban_projects import get_project, list_projects, save_project

VOIRONNAIS, GRENOBLE = "243800984", "200040715"
VOIRON = "38563"
ADMIN = Actor("admin.demo", "admin", LANDLORD, Scope.internal("admin"))
MANAGER = Actor("direction.demo", "manager", LANDLORD, Scope.internal("manager"))
CLIENTELE = Actor(
    "clientele.demo", "charge_clientele", LANDLORD, Scope.internal("charge_clientele")
)
PARTNER = Actor(
    "p.voironnais", "partenaire", "CA Pays Voironnais", Scope("partenaire", epci=(VOIRONNAIS,))
)
COLLEAGUE = Actor(
    "q.voironnais", "partenaire", "Ville de Voiron", Scope("partenaire", epci=(VOIRONNAIS,))
)
OUTSIDER = Actor(
    "p.grenoble", "partenaire", "Grenoble-Alpes-Métropole", Scope("partenaire", epci=(GRENOBLE,))
)
COMMUNE_ONLY = Actor(
    "c.voiron", "partenaire", "Ville de Voiron", Scope("partenaire", communes=(VOIRON,))
)

T1_VOIRONNAIS = ObjectRef(
    "objectif", "T1-243800984-2026", "T1 · Pays Voironnais · 2026", VOIRONNAIS
)
T1_GRENOBLE = ObjectRef("objectif", "T1-200040715-2026", "T1 · Grenoble · 2026", GRENOBLE)
RESIDENCE_VOIRON = ObjectRef("residence", "R0042", "Les Tilleuls", VOIRONNAIS, VOIRON)


def plan(store, actor=MANAGER, obj=T1_VOIRONNAIS, **kw):
    return create_plan(store, actor, obj, title=kw.pop("title", "Relogements hors QPV"), **kw)


def concertation_events(store) -> list[dict]:
    return [e["details"] for e in audit.read_events(store) if e["event"] == "concertation"]


# --- plans ------------------------------------------------------------------------------------


def test_an_internal_plan_keeps_its_organisation_status_and_value_at_creation(store):
    made = plan(
        store,
        due=dt.date(2026, 12, 31),
        indicator="part_attributions_q1_hors_qpv",
        value_at_creation=0.18,
    )
    assert (made.organisation, made.status, made.value_at_creation) == (LANDLORD, "engagee", 0.18)
    assert made.obj == T1_VOIRONNAIS and made.due == dt.date(2026, 12, 31)
    assert concertation_events(store) == [
        {
            "action": "plan_creation",
            "objet": "objectif",
            "cle": T1_VOIRONNAIS.key,
            "plan": made.id,
            "statut": "engagee",
        }
    ]


def test_a_partner_only_proposes_on_its_territory(store):
    proposal = plan(store, PARTNER, status="engagee")  # asks for engagée, gets a proposal
    assert proposal.status == "proposee" and proposal.organisation == "CA Pays Voironnais"
    with pytest.raises(AccessRefusedError, match="hors de votre périmètre"):
        plan(store, PARTNER, T1_GRENOBLE)
    with pytest.raises(AccessRefusedError):
        plan(store, COMMUNE_ONLY, T1_VOIRONNAIS)  # an EPCI-level target: not a commune's
    assert plan(store, COMMUNE_ONLY, RESIDENCE_VOIRON).status == "proposee"


def test_a_partner_cannot_read_anything_outside_its_territory(store):
    outside = plan(store, obj=T1_GRENOBLE)
    inside = plan(store)
    comment = add_comment(store, MANAGER, T1_GRENOBLE, "Point en CIL de janvier")
    assert [p.id for p in list_plans(store, PARTNER)] == [inside.id]
    assert list_plans(store, OUTSIDER)[0].id == outside.id
    with pytest.raises(NotFoundError, match="introuvable dans votre périmètre"):
        get_plan(store, PARTNER, outside.id)
    with pytest.raises(AccessRefusedError):
        list_plans(store, PARTNER, obj=T1_GRENOBLE)
    with pytest.raises(AccessRefusedError):
        thread(store, PARTNER, T1_GRENOBLE)
    assert list_comments(store, PARTNER) == []
    assert [c.id for c in list_comments(store, OUTSIDER)] == [comment.id]
    with pytest.raises(NotFoundError):
        update_plan(store, PARTNER, outside.id, title="x")
    nobody = Actor("x", "partenaire", "X", Scope("partenaire"))  # deny by default
    assert list_plans(store, nobody) == [] and list_comments(store, nobody) == []


def test_nobody_edits_another_organisations_plan(store):
    landlord_plan = plan(store)
    proposal = plan(store, PARTNER, title="Proposition de la CA")
    for actor, target in ((PARTNER, landlord_plan), (COLLEAGUE, proposal)):
        with pytest.raises(AccessRefusedError, match="seule cette organisation"):
            update_plan(store, actor, target.id, title="Réécrit")
    with pytest.raises(AccessRefusedError, match="seule cette organisation"):
        update_plan(store, MANAGER, proposal.id, title="Réécrit par le bailleur")
    # the landlord decides on a proposal, without touching its text
    engaged = update_plan(store, MANAGER, proposal.id, status="engagee")
    assert engaged.status == "engagee" and engaged.title == "Proposition de la CA"
    with pytest.raises(AccessRefusedError):
        update_plan(store, MANAGER, proposal.id, status="realisee")  # no longer a proposal
    # same organisation, internal: any change
    done = update_plan(store, CLIENTELE, landlord_plan.id, status="realisee", title="Fait")
    assert (done.status, done.title) == ("realisee", "Fait")


def test_a_partner_edits_its_own_proposal_while_proposed_but_never_its_status(store):
    proposal = plan(store, PARTNER)
    assert update_plan(store, PARTNER, proposal.id, description="Précisé").description == "Précisé"
    with pytest.raises(AccessRefusedError, match="sans en changer le statut"):
        update_plan(store, PARTNER, proposal.id, status="realisee")
    update_plan(store, MANAGER, proposal.id, status="abandonnee")
    with pytest.raises(AccessRefusedError):
        update_plan(store, PARTNER, proposal.id, description="Encore")


def test_every_change_is_audited_without_the_texts(store):
    made = plan(store, description="Texte libre à ne pas recopier")
    update_plan(store, MANAGER, made.id, status="realisee", due=dt.date(2027, 1, 31))
    add_comment(store, PARTNER, T1_VOIRONNAIS, "Commentaire à ne pas recopier")
    events = concertation_events(store)
    assert [e["action"] for e in events] == ["plan_creation", "plan_modification", "commentaire"]
    assert events[1]["champs"] == ["due", "status"] and events[1]["statut"] == [
        "engagee",
        "realisee",
    ]
    assert "ne pas recopier" not in str(audit.read_events(store))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": " "}, "obligatoire"),
        ({"title": "x" * 201}, "201 caractères"),
        ({"status": "en_cours"}, "Statut de plan inconnu"),
        ({"organisation": "Autre"}, "non modifiable"),
    ],
)
def test_bad_changes_are_refused_with_what_is_valid(store, changes, message):
    made = plan(store)
    with pytest.raises(InvalidValueError, match=message):
        update_plan(store, MANAGER, made.id, **changes)


# --- threads ---------------------------------------------------------------------------------


def test_a_thread_is_shared_within_the_territory_and_closed_outside(store):
    add_comment(store, MANAGER, T1_VOIRONNAIS, "Trois relogements prévus")
    add_comment(store, PARTNER, T1_VOIRONNAIS, "La CA propose deux logements")
    assert [c.organisation for c in thread(store, COLLEAGUE, T1_VOIRONNAIS)] == [
        LANDLORD,
        "CA Pays Voironnais",
    ]
    with pytest.raises(AccessRefusedError):
        add_comment(store, OUTSIDER, T1_VOIRONNAIS, "Je commente ailleurs")
    with pytest.raises(AccessRefusedError):
        thread(store, OUTSIDER, T1_VOIRONNAIS)
    with pytest.raises(InvalidValueError, match="obligatoire"):
        add_comment(store, PARTNER, T1_VOIRONNAIS, "   ")


def test_an_admin_hides_a_comment_which_stays_stored_and_shows_as_hidden(store):
    comment = add_comment(store, PARTNER, T1_VOIRONNAIS, "Le ménage Dupont…")
    for actor in (MANAGER, PARTNER):
        with pytest.raises(AccessRefusedError, match="administration"):
            hide_comment(store, actor, comment.id)
    hidden = hide_comment(store, ADMIN, comment.id, reason="donnée personnelle")
    assert hidden.hidden and hidden.body == "Le ménage Dupont…"  # the admin still reads it
    (seen,) = thread(store, PARTNER, T1_VOIRONNAIS)
    assert seen.hidden and seen.body == HIDDEN_TEXT
    assert concertation_events(store)[-1] == {
        "action": "commentaire_masque",
        "objet": "objectif",
        "cle": T1_VOIRONNAIS.key,
        "commentaire": comment.id,
        "motif": "donnée personnelle",
    }


# --- urban projects --------------------------------------------------------------------------


def test_urban_projects_are_kept_by_admins_and_managers_and_read_in_scope(store):
    for actor in (CLIENTELE, PARTNER):
        with pytest.raises(AccessRefusedError, match="registre"):
            save_project(store, actor, name="NPNRU", epci=VOIRONNAIS)
    project = save_project(
        store,
        MANAGER,
        name="NPNRU Baltiques",
        epci=VOIRONNAIS,
        communes=(VOIRON,),
        qpv=("QN03801M",),
        residences=("R0042",),
        demolitions=120,
        rehousing=95,
        start=dt.date(2025, 1, 1),
        end=dt.date(2030, 12, 31),
    )
    assert [p.name for p in list_projects(store, PARTNER)] == ["NPNRU Baltiques"]
    assert [p.name for p in list_projects(store, COMMUNE_ONLY)] == ["NPNRU Baltiques"]
    assert list_projects(store, OUTSIDER) == []
    with pytest.raises(NotFoundError):
        get_project(store, OUTSIDER, project.id)
    with pytest.raises(AccessRefusedError):  # nor plans or comments on it from outside
        add_comment(store, OUTSIDER, project.object_ref(), "x")
    changed = save_project(
        store, ADMIN, project_id=project.id, name="NPNRU Baltiques", epci=VOIRONNAIS, rehousing=100
    )
    assert changed.rehousing == 100
    with pytest.raises(InvalidValueError, match="avant de commencer"):
        save_project(
            store,
            ADMIN,
            name="X",
            epci=VOIRONNAIS,
            start=dt.date(2026, 1, 2),
            end=dt.date(2026, 1, 1),
        )
    assert [e["action"] for e in concertation_events(store)] == [
        "projet_creation",
        "projet_modification",
    ]


# --- quoi de neuf ----------------------------------------------------------------------------


def test_news_since_the_last_visit_in_scope(store):
    assert last_visit(store, PARTNER.username) is None
    record_visit(store, PARTNER.username)
    since = last_visit(store, PARTNER.username)
    today = dt.date(2026, 11, 20)
    late = plan(store, due=dt.date(2026, 11, 1))
    soon = plan(store, due=dt.date(2026, 11, 30))
    plan(store, obj=T1_GRENOBLE, due=dt.date(2026, 11, 1))  # outside: never counted
    add_comment(store, MANAGER, T1_VOIRONNAIS, "Nouveau")
    add_comment(store, PARTNER, T1_VOIRONNAIS, "Le mien")  # one's own: not news
    news = whats_new(store, PARTNER, since, today)
    assert [p.id for p in news.late] == [late.id]
    assert [p.id for p in news.due_soon] == [soon.id]
    assert [c.body for c in news.comments] == ["Nouveau"]
    assert {p.id for p in news.new_plans} == {late.id, soon.id}
    record_visit(store, PARTNER.username)
    later = whats_new(store, PARTNER, last_visit(store, PARTNER.username), today)
    assert (
        later.comments == [] and later.new_plans == [] and [p.id for p in later.late] == [late.id]
    )


# --- counts for the map's attention list ---------------------------------------------------------


def test_counts_per_residence_are_read_in_scope_and_count_only_open_plans(store):
    metro = ObjectRef("residence", "R0007", "Le Mistral", GRENOBLE, "38185")
    plan(store, obj=RESIDENCE_VOIRON)  # engagée
    plan(store, PARTNER, obj=RESIDENCE_VOIRON)  # proposée
    plan(store, obj=RESIDENCE_VOIRON, status="realisee")  # closed: not counted
    plan(store, obj=metro)
    plan(store, obj=T1_VOIRONNAIS)  # another kind of object
    add_comment(store, PARTNER, RESIDENCE_VOIRON, "Vu en CIL")
    add_comment(store, MANAGER, metro, "Hors Voironnais")
    add_comment(store, MANAGER, metro, "Hors Voironnais encore")
    assert plan_counts(store, MANAGER, "residence", open_only=True) == {"R0042": 2, "R0007": 1}
    assert comment_counts(store, MANAGER, "residence") == {"R0042": 1, "R0007": 2}
    for actor in (PARTNER, COMMUNE_ONLY):  # nothing of the Métropole's residence
        assert plan_counts(store, actor, "residence", open_only=True) == {"R0042": 2}
        assert comment_counts(store, actor, "residence") == {"R0042": 1}
    assert plan_counts(store, OUTSIDER, "residence", open_only=True) == {"R0007": 1}
    assert comment_counts(store, OUTSIDER, "residence") == {"R0007": 2}
    # every status, as a panel's title counts what list_plans lists, in each actor's scope
    assert plan_counts(store, MANAGER, "residence") == {"R0042": 3, "R0007": 1}
    assert plan_counts(store, MANAGER, "objectif") == {T1_VOIRONNAIS.key: 1}
    for actor in (MANAGER, PARTNER, COMMUNE_ONLY, OUTSIDER):
        counted = plan_counts(store, actor, "residence")
        for obj in (RESIDENCE_VOIRON, metro):
            if obj.key in counted:
                assert counted[obj.key] == len(list_plans(store, actor, obj=obj))
                assert comment_counts(store, actor, "residence")[obj.key] == len(
                    thread(store, actor, obj)
                )
