-- indicator: delai_attente_median_mois
-- Délai d'attente médian (mois) (median, unit: mois)
WITH agg AS (
  SELECT
    mutation AS mutation,
    MEDIAN(delai_attente_jours) / $p0 AS valeur_agregee,
    COUNT(delai_attente_jours) AS effectif
  FROM attributions
  WHERE snapshot_date = $snapshot
    AND date_attribution > $periode_debut AND date_attribution <= $periode_fin
    AND TRUE  -- scope: every territory
  GROUP BY mutation
)
SELECT mutation, CAST(valeur_agregee AS DOUBLE) AS valeur, CAST(NULL AS BIGINT) AS numerateur, CAST(NULL AS BIGINT) AS denominateur, effectif
FROM agg
ORDER BY mutation NULLS LAST
;
-- params:
-- {
--  "snapshot": "2025-12-31",
--  "periode_debut": "2024-12-31",
--  "periode_fin": "2025-12-31",
--  "p0": "30.4375"
-- }
