-- indicator: nb_attributions
-- Nombre d'attributions (count, unit: attributions)
WITH agg AS (
  SELECT
    en_qpv AS en_qpv,
    COUNT(*) AS effectif
  FROM attributions
  WHERE snapshot_date = $snapshot
    AND date_attribution > $periode_debut AND date_attribution <= $periode_fin
    AND TRUE  -- scope: every territory
    AND reservataire IN ($p0, $p1)
  GROUP BY en_qpv
)
SELECT en_qpv, CAST(effectif AS DOUBLE) AS valeur, effectif
FROM agg
ORDER BY en_qpv NULLS LAST
;
-- params:
-- {
--  "snapshot": "2025-12-31",
--  "periode_debut": "2024-12-31",
--  "periode_fin": "2025-12-31",
--  "p0": "etat",
--  "p1": "bailleur"
-- }
