# Airflow image for the news-monitoring pipeline (used by docker-compose.yml).
FROM apache/airflow:3.3.2-python3.11

# A directory for the SimpleAuthManager passwords file written by airflow-init
# (mounted as a named volume; group 0 so that any AIRFLOW_UID can write it).
USER root
RUN mkdir -p /opt/airflow/auth /opt/airflow/project \
    && chown -R airflow:0 /opt/airflow/auth /opt/airflow/project \
    && chmod -R g+rwX /opt/airflow/auth /opt/airflow/project
USER airflow

# Pinned Python dependencies; keep the image's Airflow version fixed while installing them.
COPY --chown=airflow:0 requirements.txt /opt/airflow/project/requirements.txt
RUN pip install --no-cache-dir "apache-airflow==${AIRFLOW_VERSION}" \
    -r /opt/airflow/project/requirements.txt

# Application code and data; /opt/airflow/project is importable as the `pipeline` package root.
COPY --chown=airflow:0 pipeline/ /opt/airflow/project/pipeline/
COPY --chown=airflow:0 news_airflow/ /opt/airflow/project/news_airflow/
COPY --chown=airflow:0 sql/ /opt/airflow/project/sql/
COPY --chown=airflow:0 config/ /opt/airflow/project/config/
COPY --chown=airflow:0 data/ /opt/airflow/project/data/
COPY --chown=airflow:0 dags/ /opt/airflow/dags/
# Airflow plugins (empty in this project; docker-compose.yml mounts the same folder).
COPY --chown=airflow:0 plugins/ /opt/airflow/plugins/

# the project: the triggerer imports the feed watcher (news_airflow/triggers.py); dags/ for news_common
ENV PYTHONPATH="/opt/airflow/project:/opt/airflow/dags${PYTHONPATH:+:${PYTHONPATH}}" \
    AIRFLOW__CORE__DAGS_FOLDER=/opt/airflow/dags \
    FEEDS_FILE=/opt/airflow/project/config/feeds.yaml
