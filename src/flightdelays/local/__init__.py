"""Local twins of the outside systems, for a laptop: the embedded PostgreSQL and Airflow."""
