-- indicator: age_moyen_titulaire
-- Âge moyen du titulaire (mean, unit: ans)
SELECT
  tranche_age_titulaire AS tranche_age_titulaire,
  CAST(AVG(age_titulaire) AS DOUBLE) AS valeur,
  COUNT(age_titulaire) AS effectif
FROM menages
WHERE snapshot_date = $snapshot
  AND TRUE  -- scope: every territory
GROUP BY tranche_age_titulaire
ORDER BY tranche_age_titulaire NULLS LAST
;
-- params:
-- {
--  "snapshot": "2025-12-31"
-- }
