"""Rules: rule kinds, rule configuration, evaluation and the alert lifecycle."""
