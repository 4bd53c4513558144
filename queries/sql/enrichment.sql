-- Derived values of the data contract, computed once per engine for every snapshot.
-- This is the ONE place where they are computed; bases.yaml documents the resulting columns and
-- a test checks that both agree. Parameters: $<table> = list of that table's Parquet files
-- (snapshot tables read hive-style, the folder date=YYYY-MM-DD giving snapshot_date).
--
-- Three sections, split by the marker lines below (queries/engine.py):
--   * reference tables, run once;
--   * PAR PHOTOGRAPHIE: run once per snapshot, oldest first, with $photographie = the snapshot's
--     date and each snapshot table's parameter = that snapshot's file only. The first run creates
--     each table; the next ones append to it (a CREATE TABLE t AS of a table that exists becomes
--     INSERT INTO t BY NAME), so every base stays sorted by snapshot_date first and no statement
--     ever holds more than one snapshot (13 quarterly snapshots of 5 M dwellings build in bounded
--     memory and disk). A joined base is read at $photographie only;
--   * FIN: run once at the end.
-- Every row of a base table carries `cle_secret` = 2^48 + its record key, a fixed pseudo-random
-- 16-bit key drawn from its identifier (the same row keeps its key in every snapshot): the record
-- keys of the cell key method that perturbs what partners see (queries/secrecy.py,
-- docs/secret-statistique.md). One SUM of the column gives a cell's count (the sum >> 48) and its
-- key (the sum modulo 2^16) at once (queries/sql/cell_keys.py); a row without an identifier gets
-- key 0, and is still counted.

-- Reference tables ---------------------------------------------------------------------------
-- One name per EPCI (the smallest when the file spells it differently for two communes): every
-- label is then a function of its code, and the builder reads any row's (any_value).
CREATE TABLE territoires AS
SELECT * REPLACE (min(nom_epci) OVER (PARTITION BY code_epci) AS nom_epci)
FROM read_parquet($territoires);

-- geometry is optional in the contract: an empty column when the file has none
ALTER TABLE territoires ADD COLUMN IF NOT EXISTS geometry VARCHAR;

CREATE TABLE qpv AS
SELECT code_qpv, nom_qpv, code_commune, geometry FROM read_parquet($qpv);

-- One row per year, zone and household category with the three ceilings side by side.
CREATE TABLE plafonds AS
SELECT annee, zone_plafonds, categorie,
       max(plafond) FILTER (WHERE financement = 'PLAI') AS plafond_plai,
       max(plafond_personne_sup) FILTER (WHERE financement = 'PLAI') AS sup_plai,
       max(plafond) FILTER (WHERE financement = 'PLUS') AS plafond_plus,
       max(plafond_personne_sup) FILTER (WHERE financement = 'PLUS') AS sup_plus,
       max(plafond) FILTER (WHERE financement = 'PLS') AS plafond_pls,
       max(plafond_personne_sup) FILTER (WHERE financement = 'PLS') AS sup_pls
FROM read_parquet($plafonds)
GROUP BY annee, zone_plafonds, categorie;

CREATE TABLE seuils_q1 AS
SELECT CAST(annee AS INTEGER) AS annee, code_epci, seuil_q1_uc FROM read_parquet($seuils_q1);

-- Reference table read once, expanded per snapshot below.
CREATE TABLE attributions_territoire_lues (annee INTEGER, code_commune VARCHAR, nb_attributions BIGINT);

INSERT INTO attributions_territoire_lues
SELECT CAST(annee AS INTEGER), code_commune, CAST(nb_attributions AS BIGINT)
FROM read_parquet($attributions_territoire);

-- Optional reference: each département's "délai anormalement long" (months, CCH L441-1-4).
-- Without the file (reference/delais_anormaux.parquet) the table stays empty: the engine skips
-- the statement that reads it, and the délai of a demand or an allocation is unknown.
CREATE TABLE delais_anormaux (code_departement VARCHAR, delai_mois INTEGER);

INSERT INTO delais_anormaux
SELECT code_departement, CAST(delai_mois AS INTEGER) FROM read_parquet($delais_anormaux);

-- ======== PAR PHOTOGRAPHIE ========

-- Dwellings ----------------------------------------------------------------------------------
CREATE TABLE logements AS
WITH l AS (SELECT *, CAST(date AS DATE) AS snapshot_date FROM read_parquet($logements, hive_partitioning = true)),
     r AS (SELECT *, CAST(date AS DATE) AS snapshot_date FROM read_parquet($residences, hive_partitioning = true)),
     b AS (SELECT *, CAST(date AS DATE) AS snapshot_date FROM read_parquet($batiments, hive_partitioning = true))
SELECT l.snapshot_date, l.id_logement,
       CAST(281474976710656 + COALESCE(md5_number('logements|' || l.id_logement) % 65536, 0) AS BIGINT) AS cle_secret,
       t.code_epci, t.nom_epci, r.code_commune, t.nom_commune, t.code_departement, t.zone_plafonds,
       r.code_qpv, q.nom_qpv, r.code_qpv IS NOT NULL AS en_qpv,
       l.id_residence, r.nom_residence, r.enjeu_mixite, r.annee_construction,
       r.lat AS residence_lat, r.lon AS residence_lon,
       l.id_batiment, b.nom_batiment, CAST(l.etage AS INTEGER) AS etage,
       CAST(l.nb_pieces AS INTEGER) AS nb_pieces, l.surface_habitable, l.financement,
       l.loyer_mensuel, l.mode_occupation, l.date_debut_vacance, l.date_mise_en_location,
       l.reservataire,
       l.mode_occupation IN ('loue', 'vacant') AS propose_location,
       (l.mode_occupation = 'vacant'
        AND l.date_debut_vacance <= CAST(l.snapshot_date - INTERVAL 3 MONTH AS DATE)) AS vacant_plus_3_mois,
       l.date_mise_en_location <= CAST(l.snapshot_date - INTERVAL 1 YEAR AS DATE) AS en_location_depuis_1_an
FROM l
LEFT JOIN r ON r.snapshot_date = l.snapshot_date AND r.id_residence = l.id_residence
LEFT JOIN b ON b.snapshot_date = l.snapshot_date AND b.id_batiment = l.id_batiment
LEFT JOIN territoires t ON t.code_commune = r.code_commune
LEFT JOIN qpv q ON q.code_qpv = r.code_qpv
ORDER BY l.snapshot_date, t.code_epci, l.id_residence, l.id_logement;

-- Households in place ------------------------------------------------------------------------
-- Ceiling category: n = persons (+1 for a single-parent family); category = min(n, 6); beyond 6
-- persons each extra person adds plafond_personne_sup. Ceilings of the snapshot's year, or of the
-- latest earlier year available.
CREATE TABLE menages AS
WITH m AS (
    SELECT m.*, CAST(m.date AS DATE) AS snapshot_date,
           m.nb_personnes + CASE WHEN m.composition = 'monoparentale' THEN 1 ELSE 0 END AS n_plafond,
           1 + 0.5 * (m.nb_personnes - 1 - m.nb_moins_14) + 0.3 * m.nb_moins_14 AS uc
    FROM read_parquet($menages, hive_partitioning = true) m
), x AS (
    SELECT m.*, least(m.n_plafond, 6) AS categorie, year(m.snapshot_date) AS annee_plafonds,
           l.code_epci, l.nom_epci, l.code_commune, l.nom_commune, l.code_departement, l.zone_plafonds, l.code_qpv,
           l.nom_qpv, l.en_qpv, l.id_residence, l.nom_residence, l.enjeu_mixite, l.id_batiment,
           l.nom_batiment, l.etage, l.nb_pieces, l.surface_habitable,
           l.financement, l.reservataire
    FROM m JOIN logements l
      ON l.snapshot_date = $photographie AND l.snapshot_date = m.snapshot_date
     AND l.id_logement = m.id_logement
), c AS (
    SELECT x.*,
           p.plafond_plai + greatest(x.n_plafond - 6, 0) * p.sup_plai AS plafond_plai,
           p.plafond_plus + greatest(x.n_plafond - 6, 0) * p.sup_plus AS plafond_plus,
           p.plafond_pls + greatest(x.n_plafond - 6, 0) * p.sup_pls AS plafond_pls
    FROM x ASOF LEFT JOIN plafonds p
      ON p.zone_plafonds = x.zone_plafonds AND p.categorie = x.categorie AND x.annee_plafonds >= p.annee
)
SELECT snapshot_date, id_menage, id_logement,
       CAST(281474976710656 + COALESCE(md5_number('menages|' || id_menage) % 65536, 0) AS BIGINT) AS cle_secret, code_epci, nom_epci, code_commune, nom_commune,
       code_departement, code_qpv, nom_qpv, en_qpv, id_residence, nom_residence, enjeu_mixite, id_batiment,
       nom_batiment, etage, nb_pieces, financement, reservataire,
       nb_personnes, nb_enfants, nb_moins_14, composition, age_titulaire,
       CASE WHEN age_titulaire < 30 THEN 'moins_30' WHEN age_titulaire < 50 THEN '30_49'
            WHEN age_titulaire < 65 THEN '50_64' WHEN age_titulaire < 75 THEN '65_74'
            ELSE '75_plus' END AS tranche_age_titulaire,
       situation_titulaire, beneficiaire_apl, date_entree, revenu_fiscal_reference,
       revenu_fiscal_reference IS NOT NULL AS rfr_connu,
       uc, revenu_fiscal_reference / uc AS revenu_par_uc,
       plafond_plai, plafond_plus, plafond_pls,
       revenu_fiscal_reference / plafond_plus AS ratio_plafond_plus,
       CASE WHEN revenu_fiscal_reference IS NULL OR plafond_plus IS NULL THEN 'inconnu'
            WHEN revenu_fiscal_reference <= plafond_plai THEN 'PLAI'
            WHEN revenu_fiscal_reference <= plafond_plus THEN 'PLUS'
            WHEN revenu_fiscal_reference <= plafond_pls THEN 'PLS'
            ELSE 'au_dela' END AS categorie_ressources,
       financement IN ('PLAI', 'PLUS', 'PLS') AS financement_plafonne,
       revenu_fiscal_reference <= CASE financement WHEN 'PLAI' THEN plafond_plai
            WHEN 'PLUS' THEN plafond_plus WHEN 'PLS' THEN plafond_pls END AS sous_plafond_financement,
       date_diff('day', date_entree, snapshot_date) / 365.25 AS anciennete,
       -- entered during the 12 months ending on the snapshot (the period of the flows)
       date_entree > CAST(snapshot_date - INTERVAL 1 YEAR AS DATE) AS emmenage_periode,
       -- occupancy: parametres.yaml (occupation), the same expressions as queries/sql/rules.py
       nb_pieces > nb_personnes + $pieces_en_plus AS sous_occupation,
       surface_habitable < CASE WHEN nb_personnes <= 1 THEN $surface_1 WHEN nb_personnes = 2 THEN $surface_2 ELSE least($surface_2 + $surface_par_personne * (nb_personnes - 2), $surface_max) END AS sur_occupation
FROM c
ORDER BY snapshot_date, code_epci, id_residence, id_menage;

-- Allocations (leases signed) ----------------------------------------------------------------
-- First quartile: annual resources per UC at most the EPCI's threshold for the year of the
-- allocation (latest earlier year when missing; unknown when there is none).
-- `cotation` (the demand's score when allocated) is optional: an empty column without it.
-- Délai anormalement long: the waiting time at allocation against the threshold of the
-- dwelling's département (unknown without reference/delais_anormaux.parquet).
CREATE TABLE attributions_lues AS
SELECT * FROM read_parquet($attributions, hive_partitioning = true, union_by_name = true);

ALTER TABLE attributions_lues ADD COLUMN IF NOT EXISTS cotation DOUBLE;

CREATE TABLE attributions AS
WITH a AS (
    SELECT a.*, CAST(a.date AS DATE) AS snapshot_date,
           1 + 0.5 * (a.nb_personnes - 1 - a.nb_moins_14) + 0.3 * a.nb_moins_14 AS uc
    FROM attributions_lues a
), x AS (
    SELECT a.*, year(a.date_attribution) AS annee_attribution,
           l.code_epci, l.nom_epci, l.code_commune, l.nom_commune, l.code_departement, l.code_qpv, l.nom_qpv, l.en_qpv,
           l.id_residence, l.nom_residence, l.enjeu_mixite, l.id_batiment, l.nom_batiment,
           l.etage, l.nb_pieces, l.financement, l.reservataire AS reservataire_logement,
           l.en_location_depuis_1_an, l.loyer_mensuel, da.delai_mois AS delai_anormal_mois
    FROM a JOIN logements l
      ON l.snapshot_date = $photographie AND l.snapshot_date = a.snapshot_date
     AND l.id_logement = a.id_logement
    LEFT JOIN delais_anormaux da ON da.code_departement = l.code_departement
)
SELECT x.snapshot_date, x.id_attribution, x.id_logement,
       CAST(281474976710656 + COALESCE(md5_number('attributions|' || x.id_attribution) % 65536, 0) AS BIGINT) AS cle_secret, x.date_attribution, x.date_depot_demande,
       x.code_epci, x.nom_epci, x.code_commune, x.nom_commune, x.code_departement, x.code_qpv, x.nom_qpv, x.en_qpv,
       x.id_residence, x.nom_residence, x.enjeu_mixite, x.id_batiment, x.nom_batiment, x.etage,
       x.nb_pieces, x.financement, x.reservataire, x.reservataire_logement,
       x.nb_personnes, x.nb_moins_14, x.composition, x.revenu_mensuel, x.uc,
       x.revenu_mensuel * 12 / x.uc AS revenu_annuel_uc, s.seuil_q1_uc,
       CASE WHEN s.seuil_q1_uc IS NULL THEN NULL
            ELSE x.revenu_mensuel * 12 / x.uc <= s.seuil_q1_uc END AS premier_quartile,
       x.dalo, x.prioritaire, x.grande_precarite, x.mutation, x.relogement_anru,
       date_diff('day', x.date_depot_demande, x.date_attribution) AS delai_attente_jours,
       x.en_location_depuis_1_an,
       -- effort of the new entrant: rent (without charges, before APL) over declared resources
       x.loyer_mensuel / NULLIF(x.revenu_mensuel, 0) AS taux_effort,
       (x.revenu_mensuel - x.loyer_mensuel) * 12 / x.uc AS reste_a_vivre_uc,
       CAST(x.cotation AS DOUBLE) AS cotation, x.delai_anormal_mois,
       CASE WHEN x.delai_anormal_mois IS NULL THEN NULL
            ELSE date_diff('day', x.date_depot_demande, x.date_attribution) / 30.4375
                 >= x.delai_anormal_mois
       END AS delai_depasse
FROM x ASOF LEFT JOIN seuils_q1 s ON s.code_epci = x.code_epci AND x.annee_attribution >= s.annee
ORDER BY x.snapshot_date, x.code_epci, x.date_attribution, x.id_attribution;

DROP TABLE attributions_lues;

-- Departures -------------------------------------------------------------------------------
CREATE TABLE departs AS
SELECT CAST(d.date AS DATE) AS snapshot_date, d.id_menage, d.id_logement, d.date_entree,
       CAST(281474976710656 + COALESCE(md5_number('departs|' || d.id_menage || '|' || d.date_depart) % 65536, 0) AS BIGINT) AS cle_secret,
       d.date_depart, d.motif,
       l.code_epci, l.nom_epci, l.code_commune, l.nom_commune, l.code_departement, l.code_qpv, l.nom_qpv, l.en_qpv,
       l.id_residence, l.nom_residence, l.enjeu_mixite, l.id_batiment, l.nom_batiment, l.etage,
       l.nb_pieces, l.financement
FROM read_parquet($departs, hive_partitioning = true) d
JOIN logements l
  ON l.snapshot_date = $photographie AND l.snapshot_date = CAST(d.date AS DATE)
 AND l.id_logement = d.id_logement
ORDER BY 1, l.code_epci, d.date_depart, d.id_menage;

-- Active demands (territory of the first wished commune; threshold of the snapshot's year) ---
-- `cotation` is optional in the contract: taken when the files have it, else an empty column.
CREATE TABLE demandes_lues AS
SELECT * FROM read_parquet($demandes, hive_partitioning = true, union_by_name = true);

ALTER TABLE demandes_lues ADD COLUMN IF NOT EXISTS cotation DOUBLE;

CREATE TABLE demandes AS
WITH d AS (
    SELECT d.*, CAST(d.date AS DATE) AS snapshot_date, year(CAST(d.date AS DATE)) AS annee_ref,
           1 + 0.5 * (d.nb_personnes - 1 - d.nb_moins_14) + 0.3 * d.nb_moins_14 AS uc,
           t.code_epci, t.nom_epci, t.nom_commune, t.code_departement
    FROM demandes_lues d
    LEFT JOIN territoires t ON t.code_commune = d.code_commune_souhaitee
)
SELECT d.snapshot_date, d.id_demande,
       CAST(281474976710656 + COALESCE(md5_number('demandes|' || d.id_demande) % 65536, 0) AS BIGINT) AS cle_secret, d.date_depot, d.code_epci, d.nom_epci,
       d.code_commune_souhaitee AS code_commune, d.nom_commune,
       CAST(d.nb_pieces_souhaite AS INTEGER) AS nb_pieces, d.nb_personnes, d.nb_moins_14,
       d.composition, d.revenu_mensuel, d.dalo, d.prioritaire, d.mutation, d.uc,
       d.revenu_mensuel * 12 / d.uc AS revenu_annuel_uc, s.seuil_q1_uc,
       CASE WHEN s.seuil_q1_uc IS NULL THEN NULL
            ELSE d.revenu_mensuel * 12 / d.uc <= s.seuil_q1_uc END AS premier_quartile,
       d.code_departement, da.delai_mois AS delai_anormal_mois,
       CASE WHEN da.delai_mois IS NULL THEN NULL
            ELSE date_diff('day', d.date_depot, d.snapshot_date) / 30.4375 >= da.delai_mois
       END AS delai_depasse,
       CAST(d.cotation AS DOUBLE) AS cotation
FROM d ASOF LEFT JOIN seuils_q1 s ON s.code_epci = d.code_epci AND d.annee_ref >= s.annee
LEFT JOIN delais_anormaux da ON da.code_departement = d.code_departement
ORDER BY d.snapshot_date, d.code_epci, d.id_demande;

DROP TABLE demandes_lues;

-- Propositions (optional snapshot table) -----------------------------------------------------
-- Candidacies examined by the CALEOL and their outcome, on the dwelling proposed. Without any
-- propositions.parquet the table stays empty (the engine skips the INSERT) and the indicators
-- that need it say "non disponible" (Engine.inputs).
CREATE TABLE propositions_lues (
    date VARCHAR, id_proposition VARCHAR, id_demande VARCHAR, id_logement VARCHAR,
    date_commission DATE, issue VARCHAR, motif_refus VARCHAR
);

INSERT INTO propositions_lues BY NAME
SELECT * FROM read_parquet($propositions, hive_partitioning = true, union_by_name = true);

CREATE TABLE propositions AS
SELECT l.snapshot_date, p.id_proposition,
       CAST(281474976710656 + COALESCE(md5_number('propositions|' || p.id_proposition) % 65536, 0) AS BIGINT) AS cle_secret,
       p.id_demande, p.id_logement, p.date_commission, p.issue, p.motif_refus,
       p.issue = 'refusee_demandeur' AS refus_demandeur,
       p.issue IN ('acceptee', 'refusee_demandeur') AS reponse_demandeur,
       l.code_epci, l.nom_epci, l.code_commune, l.nom_commune, l.code_departement, l.code_qpv, l.nom_qpv, l.en_qpv,
       l.id_residence, l.nom_residence, l.enjeu_mixite, l.financement, l.reservataire, l.nb_pieces
FROM propositions_lues p
JOIN logements l
  ON l.snapshot_date = $photographie AND l.snapshot_date = CAST(p.date AS DATE)
 AND l.id_logement = p.id_logement
ORDER BY 1, l.code_epci, p.date_commission, p.id_proposition;

DROP TABLE propositions_lues;

-- One examination of a dwelling: its candidacies examined by the same CALEOL session (the same
-- dwelling and commission date). CCH R441-3: at least three candidates per dwelling, unless too
-- few applicants or a DALO / urban-renewal rehousing.
CREATE TABLE examens_logements AS
SELECT snapshot_date, id_logement, date_commission,
       CAST(281474976710656 + COALESCE(md5_number('examens|' || id_logement || '|' || date_commission) % 65536, 0) AS BIGINT)
           AS cle_secret,
       count(DISTINCT id_demande) AS nb_candidats,
       count(DISTINCT id_demande) >= 3 AS au_moins_3_candidats,
       any_value(code_epci) AS code_epci, any_value(nom_epci) AS nom_epci,
       any_value(code_commune) AS code_commune, any_value(nom_commune) AS nom_commune,
       any_value(code_departement) AS code_departement,
       any_value(code_qpv) AS code_qpv, any_value(nom_qpv) AS nom_qpv,
       any_value(en_qpv) AS en_qpv, any_value(id_residence) AS id_residence,
       any_value(nom_residence) AS nom_residence, any_value(enjeu_mixite) AS enjeu_mixite,
       any_value(financement) AS financement, any_value(reservataire) AS reservataire,
       any_value(nb_pieces) AS nb_pieces
FROM propositions
WHERE snapshot_date = $photographie
GROUP BY snapshot_date, id_logement, date_commission
ORDER BY snapshot_date, code_epci, date_commission, id_logement;

-- All landlords' allocations of the territory (optional reference, SNE) ------------------------
-- One row per allocation of the last complete calendar year at each snapshot (the snapshot's year
-- on a 31 December, else the year before), so that they count like this landlord's own rows.
-- Without reference/attributions_territoire.parquet the table stays empty.
CREATE TABLE attributions_territoire AS
WITH p AS (SELECT CAST($photographie AS DATE) AS snapshot_date), s AS (
    SELECT snapshot_date,
           CASE WHEN month(snapshot_date) = 12 AND day(snapshot_date) = 31 THEN year(snapshot_date)
                ELSE year(snapshot_date) - 1 END AS annee
    FROM p
)
SELECT s.snapshot_date, a.annee, a.code_commune, t.nom_commune, t.code_epci, t.nom_epci,
       t.code_departement,
       CAST(281474976710656 + COALESCE(md5_number('attributions_territoire|' || a.annee || '|' || a.code_commune || '|' || i.n)
            % 65536, 0) AS BIGINT) AS cle_secret
FROM s
JOIN attributions_territoire_lues a ON a.annee = s.annee
JOIN territoires t ON t.code_commune = a.code_commune
CROSS JOIN LATERAL (SELECT unnest(range(a.nb_attributions)) AS n) i
ORDER BY s.snapshot_date, t.code_epci, a.code_commune;

-- ======== FIN ========

DROP TABLE attributions_territoire_lues;
