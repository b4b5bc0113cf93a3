"""Writers for results: JSON, Excel and CSV. Interfaces only: nothing is computed here."""
