-- indicator: part_menages_fragiles
-- Ménages en fragilité (ratio, unit: ratio)
WITH agg AS (
  SELECT
    id_residence AS residence,
    any_value(nom_residence) AS residence_libelle,
    etage AS etage,
    COALESCE(SUM(cle_secret) FILTER (WHERE (CASE WHEN ratio_plafond_plus < $p1 THEN 1 ELSE 0 END + CASE WHEN situation_titulaire IN ($p2, $p3) THEN 1 ELSE 0 END + CASE WHEN composition = $p4 THEN 1 ELSE 0 END + CASE WHEN beneficiaire_apl THEN 1 ELSE 0 END) >= $p5), 0) AS paquet_numerateur,
    COALESCE(SUM(cle_secret), 0) AS paquet_denominateur
  FROM menages
  WHERE snapshot_date = $snapshot
    AND (code_epci IN ($p0))  -- scope
  GROUP BY id_residence, etage
)
SELECT residence, residence_libelle, etage, CAST(paquet_numerateur >> 48 AS BIGINT) AS numerateur, CAST(paquet_numerateur % 65536 AS BIGINT) AS cle_numerateur, CAST(paquet_denominateur >> 48 AS BIGINT) AS denominateur, CAST(paquet_denominateur % 65536 AS BIGINT) AS cle_denominateur
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
--  "p5": "2"
-- }
