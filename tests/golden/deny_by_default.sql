-- indicator: nb_logements
-- Nombre de logements (count, unit: logements)
WITH agg AS (
  SELECT
    COALESCE(SUM(cle_secret), 0) AS paquet_effectif
  FROM logements
  WHERE snapshot_date = $snapshot
    AND FALSE  -- scope: none (deny by default)
)
SELECT CAST(paquet_effectif >> 48 AS BIGINT) AS effectif, CAST(paquet_effectif % 65536 AS BIGINT) AS cle_effectif
FROM agg
;
-- params:
-- {
--  "snapshot": "2025-12-31"
-- }
