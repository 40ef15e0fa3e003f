"""Realistic, deterministic demo data for `manage.py seed_demo`.

- `content`: the topics, their evidence, measure libraries, driver diagrams and texts.
- `names`: made-up places, organisations and people.
- `scenarios`: which collaboratives each scale builds (tiny, demo, national).
- `simulate`: the numbers (pure numpy, no Django).
- `builder`: turns a scenario into rows, loading data points only through
  `measures.bulk.seed_load_points` (validated like every write, COPY on PostgreSQL).
"""
