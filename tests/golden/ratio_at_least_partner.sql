-- indicator: part_menages_fragiles
-- Ménages en fragilité (ratio, unit: ratio)
WITH agg AS (
  SELECT
    id_residence AS residence,
    MIN(nom_residence) AS residence_libelle,
    etage AS etage,
    COUNT(CASE WHEN (CASE WHEN ratio_plafond_plus < $p0 THEN 1 ELSE 0 END + CASE WHEN situation_titulaire IN ($p1, $p2) THEN 1 ELSE 0 END + CASE WHEN composition = $p3 THEN 1 ELSE 0 END + CASE WHEN beneficiaire_apl THEN 1 ELSE 0 END) >= $p4 THEN 1 END) AS numerateur,
    COUNT(*) AS denominateur
  FROM menages
  WHERE snapshot_date = $snapshot
    AND (code_epci IN ($p5))  -- scope
  GROUP BY id_residence, etage
)
SELECT residence, residence_libelle, etage, CAST(numerateur AS DOUBLE) / NULLIF(denominateur, 0) AS valeur, numerateur, denominateur, denominateur AS effectif
FROM agg
ORDER BY residence NULLS LAST, etage NULLS LAST
;
-- params:
-- {
--  "snapshot": "2025-12-31",
--  "p0": "0.4",
--  "p1": "chomage",
--  "p2": "inactif",
--  "p3": "monoparentale",
--  "p4": "2",
--  "p5": "243800984"
-- }
