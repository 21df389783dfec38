"""The engine: config, sources, calendar windows, aggregation, comparisons, the Deck."""
