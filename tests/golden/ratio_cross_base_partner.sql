-- indicator: taux_rotation
-- Taux de rotation (ratio, unit: ratio)
WITH num AS (
  -- numerator: base departs
  SELECT
    code_commune AS commune,
    any_value(nom_commune) AS commune_libelle,
    CAST(COALESCE(SUM(cle_secret), 0) >> 48 AS BIGINT) AS n,
    CAST(COALESCE(SUM(cle_secret), 0) % 65536 AS BIGINT) AS k
  FROM departs
  WHERE snapshot_date = $snapshot
    AND date_depart > $periode_debut AND date_depart <= $periode_fin
    AND (code_epci IN ($p0))  -- scope
  GROUP BY code_commune
), den AS (
  -- denominator: base logements
  SELECT
    code_commune AS commune,
    any_value(nom_commune) AS commune_libelle,
    CAST(COALESCE(SUM(cle_secret) FILTER (WHERE propose_location), 0) >> 48 AS BIGINT) AS n,
    CAST(COALESCE(SUM(cle_secret) FILTER (WHERE propose_location), 0) % 65536 AS BIGINT) AS k
  FROM logements
  WHERE snapshot_date = $snapshot
    AND (code_epci IN ($p1))  -- scope
  GROUP BY code_commune
)
SELECT
  COALESCE(den.commune, num.commune) AS commune,
  COALESCE(den.commune_libelle, num.commune_libelle) AS commune_libelle,
  COALESCE(num.n, 0) AS numerateur,
  COALESCE(den.n, 0) AS denominateur,
  COALESCE(num.k, 0) AS cle_numerateur,
  COALESCE(den.k, 0) AS cle_denominateur
FROM den FULL OUTER JOIN num ON den.commune IS NOT DISTINCT FROM num.commune
ORDER BY commune NULLS LAST
;
-- params:
-- {
--  "snapshot": "2025-12-31",
--  "periode_debut": "2024-12-31",
--  "periode_fin": "2025-12-31",
--  "p0": "243800984",
--  "p1": "243800984"
-- }
