-- indicator: delai_attente_median_mois
-- Délai d'attente médian (mois) (median, unit: mois)
SELECT
  mutation AS mutation,
  CAST(MEDIAN(delai_attente_jours) / $p0 AS DOUBLE) AS valeur,
  COUNT(delai_attente_jours) AS effectif
FROM attributions
WHERE snapshot_date = $snapshot
  AND date_attribution > $periode_debut AND date_attribution <= $periode_fin
  AND TRUE  -- scope: every territory
GROUP BY mutation
ORDER BY mutation NULLS LAST
;
-- params:
-- {
--  "snapshot": "2025-12-31",
--  "periode_debut": "2024-12-31",
--  "periode_fin": "2025-12-31",
--  "p0": "30.4375"
-- }
