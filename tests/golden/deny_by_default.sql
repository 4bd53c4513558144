-- indicator: nb_logements
-- Nombre de logements (count, unit: logements)
WITH agg AS (
  SELECT
    COUNT(*) AS effectif,
    COALESCE(bit_xor(cle_secret), 0) AS cle_effectif
  FROM logements
  WHERE snapshot_date = $snapshot
    AND FALSE  -- scope: none (deny by default)
)
SELECT CAST(effectif AS DOUBLE) AS valeur, effectif, cle_effectif
FROM agg
;
-- params:
-- {
--  "snapshot": "2025-12-31"
-- }
