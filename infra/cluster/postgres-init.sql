-- The cluster profile's PostgreSQL database (infra/compose.yaml, profile cluster); natively infra/postgres.sh creates it.
CREATE DATABASE covid_cluster;
