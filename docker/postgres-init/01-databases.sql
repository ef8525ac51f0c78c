-- Run once by the postgres image on an empty data volume (mounted at /docker-entrypoint-initdb.d).
-- Airflow's metadata database and the application's database are kept apart,
-- each with its own owner. The passwords are local-development defaults only.

CREATE USER airflow WITH PASSWORD 'airflow';
CREATE DATABASE airflow OWNER airflow;

CREATE USER news WITH PASSWORD 'news';
CREATE DATABASE news OWNER news;
