"""``python -m mappings``: regenerate mappings/schema.json from the config models."""

from mappings import SCHEMA, write_schema

write_schema()
print(f"wrote {SCHEMA}")
