-- indicator: taux_rotation
-- Taux de rotation (ratio, unit: ratio)
WITH num AS (
  -- numerator: base departs
  SELECT
    code_commune AS commune,
    any_value(nom_commune) AS commune_libelle,
    COUNT(*) AS n
  FROM departs
  WHERE snapshot_date = $snapshot
    AND date_depart > $periode_debut AND date_depart <= $periode_fin
    AND TRUE  -- scope: every territory
  GROUP BY code_commune
), den AS (
  -- denominator: base logements
  SELECT
    code_commune AS commune,
    any_value(nom_commune) AS commune_libelle,
    COUNT(*) FILTER (WHERE propose_location) AS n
  FROM logements
  WHERE snapshot_date = $snapshot
    AND TRUE  -- scope: every territory
  GROUP BY code_commune
)
SELECT
  COALESCE(den.commune, num.commune) AS commune,
  COALESCE(den.commune_libelle, num.commune_libelle) AS commune_libelle,
  CAST(COALESCE(num.n, 0) AS DOUBLE) / NULLIF(COALESCE(den.n, 0), 0) AS valeur,
  COALESCE(num.n, 0) AS numerateur,
  COALESCE(den.n, 0) AS denominateur,
  COALESCE(den.n, 0) AS effectif
FROM den FULL OUTER JOIN num ON den.commune IS NOT DISTINCT FROM num.commune
ORDER BY commune NULLS LAST
;
-- params:
-- {
--  "snapshot": "2025-12-31",
--  "periode_debut": "2024-12-31",
--  "periode_fin": "2025-12-31"
-- }
