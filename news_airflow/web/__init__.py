"""The analyst page and Slack's interactivity endpoint, served by Airflow's api-server."""
