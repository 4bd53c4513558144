-- indicator: part_attributions_q1_hors_qpv
-- 1er quartile hors QPV (ratio, unit: ratio)
WITH agg AS (
  SELECT
    code_epci AS epci,
    any_value(nom_epci) AS epci_libelle,
    COUNT(*) FILTER (WHERE NOT en_qpv AND ((premier_quartile) OR (relogement_anru))) AS numerateur,
    COUNT(*) FILTER (WHERE NOT en_qpv) AS denominateur
  FROM attributions
  WHERE snapshot_date = $snapshot
    AND date_attribution > $periode_debut AND date_attribution <= $periode_fin
    AND TRUE  -- scope: every territory
  GROUP BY code_epci
)
SELECT epci, epci_libelle, CAST(numerateur AS DOUBLE) / NULLIF(denominateur, 0) AS valeur, numerateur, denominateur, denominateur AS effectif
FROM agg
ORDER BY epci NULLS LAST
;
-- params:
-- {
--  "snapshot": "2025-12-31",
--  "periode_debut": "2024-12-31",
--  "periode_fin": "2025-12-31"
-- }
