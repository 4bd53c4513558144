"""The annual bilan on a page: choose the EPCI and the year, prepare the PDF (reports/bilan.py,
with the logged-in user's scope), download it; each download is an « export » in the audit trail.

Preparing is a button of its own: the PDF takes a second or two, too long to build on every run
of the page. The prepared file lives in one session-state key per page, with the choice it was
made for; changing the choice drops it.
"""

from __future__ import annotations

import streamlit as st

from reports.bilan import PDF_MIME, bilan_pdf, file_name
from semantic.errors import PeuplementError
from store.plans import list_plans
from ui.shared import data
from ui.shared.concertation_view import actor
from ui.shared.concertation_view import state as concertation_store
from ui.shell.auth import CurrentUser, audit_event

WHOLE_STOCK = ""  # the choice « tout le patrimoine » (internal roles)


def territory_options(user: CurrentUser) -> dict[str, str]:
    """Code → label of what the user may ask a bilan for: their EPCIs, and the whole stock for
    a national internal role."""
    names = data.epci_names(user.scope)
    options = {WHOLE_STOCK: "Tout le patrimoine"} if user.scope.national else {}
    options.update(dict(sorted(names.items(), key=lambda kv: kv[1])))
    return options


def offer_bilan(user: CurrentUser, page_id: str, container=st) -> None:
    """The choice, the « Préparer » button and, once prepared, the download button."""
    eng = data.engine()
    options = territory_options(user)
    if not options:
        container.info("Aucun territoire de votre périmètre ne figure dans les données.")
        return
    years = sorted({d.year for d in eng.snapshots}, reverse=True)
    left, middle, right = container.columns([3, 1, 2], vertical_alignment="bottom")
    territory = left.selectbox(
        "Territoire du bilan", list(options), format_func=options.get, key=f"{page_id}_bilan_epci"
    )
    year = middle.selectbox("Année", years, key=f"{page_id}_bilan_annee")
    key = f"{page_id}_bilan_pdf"
    choice = (user.scope.cache_key(), territory, year, repr(eng.version))
    if st.session_state.get(key, {}).get("choice") != choice:
        st.session_state.pop(key, None)
    if right.button("Préparer le bilan (PDF)", icon=":material/picture_as_pdf:", key=f"{key}_go"):
        try:
            with st.spinner("Mise en page du bilan…"):
                plans = list_plans(concertation_store(), actor(user))
                bilan, pdf = bilan_pdf(
                    eng, user.scope, territory or None, year=year, user=user.username, plans=plans
                )
        except PeuplementError as exc:
            container.error(str(exc))
            return
        st.session_state[key] = {"choice": choice, "pdf": pdf, "name": file_name(bilan)}
    prepared = st.session_state.get(key)
    if prepared:
        container.download_button(
            f"Télécharger {prepared['name']}",
            data=prepared["pdf"],
            file_name=prepared["name"],
            mime=PDF_MIME,
            icon=":material/download:",
            key=f"{key}_download",
            on_click=_record,
            args=(page_id, territory, year, prepared["name"]),
        )


def _record(page_id: str, territory: str, year: int, name: str) -> None:
    audit_event(
        "export",
        {
            "page": page_id,
            "format": "pdf",
            "document": "bilan",
            "territoire": territory or "patrimoine",
            "annee": year,
            "fichier": name,
        },
    )
