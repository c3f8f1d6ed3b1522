"""The desk's dashboard and "my work": reads (``selectors``, ``work``), server-side SVG charts
(``charts``), the per-step timers (``timers``), the assignment form (``forms``), their pages (``views``)
and routes (``urls``)."""
