-- indicator: pression_demande
-- Demandes SNE (tous bailleurs) par attribution du bailleur (ratio, unit: demandes_par_attribution)
WITH num AS (
  -- numerator: base demandes
  SELECT
    COUNT(*) AS n
  FROM demandes
  WHERE snapshot_date = $snapshot
    AND (code_commune IN ($p0))  -- scope
), den AS (
  -- denominator: base attributions
  SELECT
    COUNT(*) AS n
  FROM attributions
  WHERE snapshot_date = $snapshot
    AND date_attribution > $periode_debut AND date_attribution <= $periode_fin
    AND (code_commune IN ($p1))  -- scope
)
SELECT
  CAST(COALESCE(num.n, 0) AS DOUBLE) / NULLIF(COALESCE(den.n, 0), 0) AS valeur,
  COALESCE(num.n, 0) AS numerateur,
  COALESCE(den.n, 0) AS denominateur,
  COALESCE(den.n, 0) AS effectif
FROM den CROSS JOIN num
;
-- params:
-- {
--  "snapshot": "2025-12-31",
--  "periode_debut": "2024-12-31",
--  "periode_fin": "2025-12-31",
--  "p0": "38185",
--  "p1": "38185"
-- }
