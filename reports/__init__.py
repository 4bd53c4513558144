"""Documents built from `queries` for one reader's scope (the annual PDF bilan), shared by the
`peuplement` command and the portal's download buttons; imports no Streamlit."""
