-- indicator: delai_attente_median_mois
-- Délai d'attente médian (mois) (median, unit: mois)
SELECT
  CAST(MEDIAN(delai_attente_jours) / $p1 AS DOUBLE) AS valeur,
  CAST(COALESCE(SUM(cle_secret) FILTER (WHERE delai_attente_jours IS NOT NULL), 0) >> 48 AS BIGINT) AS effectif,
  CAST(COALESCE(SUM(cle_secret) FILTER (WHERE delai_attente_jours IS NOT NULL), 0) % 65536 AS BIGINT) AS cle_effectif
FROM attributions
WHERE snapshot_date = $snapshot
  AND date_attribution > $periode_debut AND date_attribution <= $periode_fin
  AND (code_epci IN ($p0))  -- scope
;
-- params:
-- {
--  "snapshot": "2025-12-31",
--  "periode_debut": "2024-12-31",
--  "periode_fin": "2025-12-31",
--  "p0": "243800984",
--  "p1": "30.4375"
-- }
