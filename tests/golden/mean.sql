-- indicator: age_moyen_titulaire
-- Âge moyen du titulaire (mean, unit: ans)
WITH agg AS (
  SELECT
    tranche_age_titulaire AS tranche_age_titulaire,
    AVG(age_titulaire) AS valeur_agregee,
    COUNT(age_titulaire) AS effectif
  FROM menages
  WHERE snapshot_date = $snapshot
    AND TRUE  -- scope: every territory
  GROUP BY tranche_age_titulaire
)
SELECT tranche_age_titulaire, CAST(valeur_agregee AS DOUBLE) AS valeur, CAST(NULL AS BIGINT) AS numerateur, CAST(NULL AS BIGINT) AS denominateur, effectif
FROM agg
ORDER BY tranche_age_titulaire NULLS LAST
;
-- params:
-- {
--  "snapshot": "2025-12-31"
-- }
