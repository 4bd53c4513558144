"""The one package that writes SQL.

`builder` turns an indicator request into one statement; `places` lists residences and map
boundaries; `enrichment.sql` computes the derived values once per snapshot (`enrichment` reads
its sections for the engine). Identifiers come only
from validated definitions or from this package's own text; every value is a bound parameter.
"""
