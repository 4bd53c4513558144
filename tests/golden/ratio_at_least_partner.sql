-- indicator: part_menages_fragiles
-- Ménages en fragilité (ratio, unit: ratio)
WITH agg AS (
  SELECT
    id_residence AS residence,
    any_value(nom_residence) AS residence_libelle,
    etage AS etage,
    COUNT(*) FILTER (WHERE (CASE WHEN ratio_plafond_plus < $p1 THEN 1 ELSE 0 END + CASE WHEN situation_titulaire IN ($p2, $p3) THEN 1 ELSE 0 END + CASE WHEN composition = $p4 THEN 1 ELSE 0 END + CASE WHEN beneficiaire_apl THEN 1 ELSE 0 END) >= $p5) AS numerateur,
    COUNT(*) AS denominateur,
    COALESCE(bit_xor(cle_secret) FILTER (WHERE (CASE WHEN ratio_plafond_plus < $p6 THEN 1 ELSE 0 END + CASE WHEN situation_titulaire IN ($p7, $p8) THEN 1 ELSE 0 END + CASE WHEN composition = $p9 THEN 1 ELSE 0 END + CASE WHEN beneficiaire_apl THEN 1 ELSE 0 END) >= $p10), 0) AS cle_numerateur,
    COALESCE(bit_xor(cle_secret), 0) AS cle_denominateur
  FROM menages
  WHERE snapshot_date = $snapshot
    AND (code_epci IN ($p0))  -- scope
  GROUP BY id_residence, etage
)
SELECT residence, residence_libelle, etage, CAST(numerateur AS DOUBLE) / NULLIF(denominateur, 0) AS valeur, numerateur, denominateur, denominateur AS effectif, cle_numerateur, cle_denominateur
FROM agg
ORDER BY residence NULLS LAST, etage NULLS LAST
;
-- params:
-- {
--  "snapshot": "2025-12-31",
--  "p0": "243800984",
--  "p1": "0.4",
--  "p2": "chomage",
--  "p3": "inactif",
--  "p4": "monoparentale",
--  "p5": "2",
--  "p6": "0.4",
--  "p7": "chomage",
--  "p8": "inactif",
--  "p9": "monoparentale",
--  "p10": "2"
-- }
