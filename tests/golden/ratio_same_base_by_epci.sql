-- indicator: taux_vacance
-- Taux de vacance (ratio, unit: ratio)
WITH agg AS (
  SELECT
    code_epci AS epci,
    any_value(nom_epci) AS epci_libelle,
    COUNT(*) FILTER (WHERE mode_occupation = $p0) AS numerateur,
    COUNT(*) FILTER (WHERE propose_location) AS denominateur
  FROM logements
  WHERE snapshot_date = $snapshot
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
--  "p0": "vacant"
-- }
