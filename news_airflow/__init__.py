"""The Airflow side of the pipeline: code the triggerer and the DAG files import
(`pipeline/` itself never imports Airflow). Kept out of `dags/` so that the triggerer can
import it by a stable name."""
