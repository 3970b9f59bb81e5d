"""What ``aura-verify`` writes under ``build/verify/``: the report's data
(:mod:`.data`, ``report.json``) and its renderings (:mod:`.junit`, HTML)."""
