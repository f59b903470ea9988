"""The shop example: raw CSV exports -> clean tables -> metrics -> a revenue model -> a weekly report."""
