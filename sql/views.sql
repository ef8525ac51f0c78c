-- Analyst views (Postgres). The same views are created by migration 0002; a test
-- checks that both give identical definitions.

-- Events per day by actor and category (events, distinct articles).
CREATE VIEW events_per_day AS
SELECT COALESCE(e.event_date, to_char(COALESCE(a.published_at, e.created_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD')) AS day, e.actor, e.category, count(*) AS events,
       count(DISTINCT e.article_id) AS articles
FROM events e JOIN articles a ON a.id = e.article_id
GROUP BY COALESCE(e.event_date, to_char(COALESCE(a.published_at, e.created_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD')), e.actor, e.category;

-- Events by province, district and category, with the last day seen.
CREATE VIEW events_by_district AS
SELECT e.province, e.district, e.category, count(*) AS events,
       max(COALESCE(e.event_date, to_char(COALESCE(a.published_at, e.created_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD'))) AS last_day
FROM events e JOIN articles a ON a.id = e.article_id
WHERE e.district IS NOT NULL OR e.province IS NOT NULL
GROUP BY e.province, e.district, e.category;

-- Each feed's last fetch, error, failures in a row and stored articles.
CREATE VIEW feed_health AS
SELECT f.id, f.name, f.url, f.disabled, f.last_status, f.last_error,
       f.consecutive_failures, f.last_fetched_at, f.last_success_at, f.entries_last_fetch,
       (SELECT count(*) FROM articles a WHERE a.feed_id = f.id) AS articles
FROM feeds f;

-- Alerts not yet sent: pending, sending or failed, with the article.
CREATE VIEW alert_queue AS
SELECT al.id, al.rule_id, al.status, al.attempts, al.last_error, al.channel,
       al.created_at, al.next_attempt_at, a.title, a.url
FROM alerts al JOIN articles a ON a.id = al.article_id
WHERE al.status <> 'sent';

-- Incidents per district, day (of the first report) and category: reports and the
-- largest count of independent outlets among them.
CREATE VIEW incidents_by_district_day AS
SELECT i.place_code AS district_code, i.place_name AS district, i.first_day AS day,
       i.category, count(*) AS incidents, sum(i.n_reports) AS reports,
       max(i.n_independent_outlets) AS most_outlets
FROM incidents i
WHERE i.place_level = 'district'
GROUP BY i.place_code, i.place_name, i.first_day, i.category;

-- The current state of each district: its latest control change.
CREATE VIEW district_control AS
SELECT c.district_code, c.district, c.province, c.status, c.valid_from, c.confidence,
       c.independent_outlets, c.incident_id, c.event_ids, c.article_ids, c.basis
FROM district_control_changes c
WHERE NOT EXISTS (
    SELECT 1 FROM district_control_changes later
    WHERE later.district_code = c.district_code
      AND (later.valid_from > c.valid_from
           OR (later.valid_from = c.valid_from AND later.id > c.id)));
