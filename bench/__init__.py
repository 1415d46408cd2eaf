"""`make bench`: sync and rule evaluation at scale against their physical ceilings (issue 9)."""
