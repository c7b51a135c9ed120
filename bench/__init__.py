"""`iprx bench`: every pipeline stage measured against its raw baseline in the same run (DESIGN.md §6)."""
