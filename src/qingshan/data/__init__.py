"""The data package: schema, readers, unit normalisation, validation and the demo city."""
