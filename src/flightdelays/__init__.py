"""Yearly ETL of US flight delays."""
