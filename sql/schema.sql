-- Postgres DDL of the application tables, generated from the Alembic migrations
-- by scripts/dump_schema.sh; a test checks it still matches. Views: sql/views.sql.

CREATE TABLE public.alert_feedback (
    id integer NOT NULL,
    alert_id integer,
    alert_key text NOT NULL,
    rule_id character varying(64) NOT NULL,
    district_code character varying(16),
    event_id integer,
    action character varying(16) NOT NULL,
    user_id text NOT NULL,
    user_name text,
    muted_until timestamp with time zone,
    request_signature text NOT NULL,
    created_at timestamp with time zone NOT NULL
);

CREATE SEQUENCE public.alert_feedback_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.alert_feedback_id_seq OWNED BY public.alert_feedback.id;

CREATE TABLE public.alerts (
    id integer NOT NULL,
    idempotency_key text NOT NULL,
    rule_id character varying(64) NOT NULL,
    article_id integer NOT NULL,
    event_id integer,
    channel text NOT NULL,
    payload text NOT NULL,
    status character varying(16) NOT NULL,
    attempts integer NOT NULL,
    last_error text,
    next_attempt_at timestamp with time zone,
    claimed_at timestamp with time zone,
    created_at timestamp with time zone NOT NULL,
    sent_at timestamp with time zone,
    slack_channel_id text,
    slack_ts text,
    thread_of text,
    district_code character varying(16)
);

CREATE TABLE public.articles (
    id integer NOT NULL,
    canonical_url text NOT NULL,
    url text,
    guid text,
    feed_id integer,
    title text NOT NULL,
    published_at timestamp with time zone,
    fetched_at timestamp with time zone NOT NULL,
    text text NOT NULL,
    content_hash character varying(64) NOT NULL,
    source character varying(8) NOT NULL,
    duplicate_of integer,
    dup_status character varying(16) NOT NULL,
    dup_method character varying(32),
    dup_score double precision,
    dup_detail text,
    language character varying(12)
);

CREATE SEQUENCE public.alerts_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.alerts_id_seq OWNED BY public.alerts.id;

CREATE SEQUENCE public.articles_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.articles_id_seq OWNED BY public.articles.id;

CREATE TABLE public.district_control_changes (
    id integer NOT NULL,
    district_code character varying(16) NOT NULL,
    district text,
    province text,
    status character varying(24) NOT NULL,
    valid_from date NOT NULL,
    event_ids text NOT NULL,
    article_ids text NOT NULL,
    incident_id integer,
    independent_outlets integer NOT NULL,
    confidence double precision NOT NULL,
    basis text,
    created_at timestamp with time zone NOT NULL
);

CREATE SEQUENCE public.district_control_changes_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.district_control_changes_id_seq OWNED BY public.district_control_changes.id;

CREATE TABLE public.events (
    id integer NOT NULL,
    article_id integer NOT NULL,
    sentence_index integer NOT NULL,
    category character varying(32) NOT NULL,
    type character varying(64) NOT NULL,
    actor character varying(32) NOT NULL,
    target character varying(32),
    realis character varying(16) NOT NULL,
    claim_status character varying(16) NOT NULL,
    location_name text,
    district text,
    province text,
    district_code character varying(16),
    province_code character varying(16),
    lat double precision,
    lon double precision,
    event_date character varying(10),
    trigger text,
    evidence text NOT NULL,
    evidence_start integer NOT NULL,
    evidence_end integer NOT NULL,
    created_at timestamp with time zone NOT NULL,
    control character varying(24)
);

CREATE SEQUENCE public.events_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.events_id_seq OWNED BY public.events.id;

CREATE TABLE public.feeds (
    id integer NOT NULL,
    url text NOT NULL,
    name text,
    etag text,
    last_modified text,
    last_status integer,
    last_error text,
    last_fetched_at timestamp with time zone,
    last_success_at timestamp with time zone,
    consecutive_failures integer NOT NULL,
    disabled boolean NOT NULL,
    entries_last_fetch integer NOT NULL,
    retry_after_until timestamp with time zone,
    body_hash character varying(64),
    languages text
);

CREATE SEQUENCE public.feeds_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.feeds_id_seq OWNED BY public.feeds.id;

CREATE TABLE public.incident_events (
    event_id integer NOT NULL,
    incident_id integer NOT NULL,
    article_id integer NOT NULL,
    outlet text,
    independent boolean NOT NULL,
    reported_at timestamp with time zone NOT NULL
);

CREATE TABLE public.incidents (
    id integer NOT NULL,
    key text NOT NULL,
    category character varying(32) NOT NULL,
    place_level character varying(16) NOT NULL,
    place_code character varying(64) NOT NULL,
    place_name text,
    first_day date NOT NULL,
    last_day date NOT NULL,
    first_report_at timestamp with time zone NOT NULL,
    last_report_at timestamp with time zone NOT NULL,
    n_reports integer NOT NULL,
    n_independent_outlets integer NOT NULL
);

CREATE SEQUENCE public.incidents_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.incidents_id_seq OWNED BY public.incidents.id;

CREATE TABLE public.quarantine (
    id integer NOT NULL,
    feed_id integer NOT NULL,
    entry_key text NOT NULL,
    title text NOT NULL,
    entry text NOT NULL,
    error text NOT NULL,
    attempts integer NOT NULL,
    status character varying(16) NOT NULL,
    first_failed_at timestamp with time zone NOT NULL,
    last_failed_at timestamp with time zone NOT NULL
);

CREATE SEQUENCE public.quarantine_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.quarantine_id_seq OWNED BY public.quarantine.id;

CREATE TABLE public.shingles (
    hash bigint NOT NULL,
    article_id integer NOT NULL
);

CREATE TABLE public.slack_channels (
    name text NOT NULL,
    channel_id text NOT NULL,
    resolved_at timestamp with time zone NOT NULL
);

ALTER TABLE ONLY public.alert_feedback ALTER COLUMN id SET DEFAULT nextval('public.alert_feedback_id_seq'::regclass);

ALTER TABLE ONLY public.alerts ALTER COLUMN id SET DEFAULT nextval('public.alerts_id_seq'::regclass);

ALTER TABLE ONLY public.articles ALTER COLUMN id SET DEFAULT nextval('public.articles_id_seq'::regclass);

ALTER TABLE ONLY public.district_control_changes ALTER COLUMN id SET DEFAULT nextval('public.district_control_changes_id_seq'::regclass);

ALTER TABLE ONLY public.events ALTER COLUMN id SET DEFAULT nextval('public.events_id_seq'::regclass);

ALTER TABLE ONLY public.feeds ALTER COLUMN id SET DEFAULT nextval('public.feeds_id_seq'::regclass);

ALTER TABLE ONLY public.incidents ALTER COLUMN id SET DEFAULT nextval('public.incidents_id_seq'::regclass);

ALTER TABLE ONLY public.quarantine ALTER COLUMN id SET DEFAULT nextval('public.quarantine_id_seq'::regclass);

ALTER TABLE ONLY public.alert_feedback
    ADD CONSTRAINT pk_alert_feedback PRIMARY KEY (id);

ALTER TABLE ONLY public.alerts
    ADD CONSTRAINT pk_alerts PRIMARY KEY (id);

ALTER TABLE ONLY public.articles
    ADD CONSTRAINT pk_articles PRIMARY KEY (id);

ALTER TABLE ONLY public.district_control_changes
    ADD CONSTRAINT pk_district_control_changes PRIMARY KEY (id);

ALTER TABLE ONLY public.events
    ADD CONSTRAINT pk_events PRIMARY KEY (id);

ALTER TABLE ONLY public.feeds
    ADD CONSTRAINT pk_feeds PRIMARY KEY (id);

ALTER TABLE ONLY public.incident_events
    ADD CONSTRAINT pk_incident_events PRIMARY KEY (event_id);

ALTER TABLE ONLY public.incidents
    ADD CONSTRAINT pk_incidents PRIMARY KEY (id);

ALTER TABLE ONLY public.quarantine
    ADD CONSTRAINT pk_quarantine PRIMARY KEY (id);

ALTER TABLE ONLY public.shingles
    ADD CONSTRAINT pk_shingles PRIMARY KEY (hash, article_id);

ALTER TABLE ONLY public.slack_channels
    ADD CONSTRAINT pk_slack_channels PRIMARY KEY (name);

ALTER TABLE ONLY public.alert_feedback
    ADD CONSTRAINT uq_alert_feedback_request_signature UNIQUE (request_signature);

ALTER TABLE ONLY public.alerts
    ADD CONSTRAINT uq_alerts_idempotency_key UNIQUE (idempotency_key);

ALTER TABLE ONLY public.articles
    ADD CONSTRAINT uq_articles_canonical_url UNIQUE (canonical_url);

ALTER TABLE ONLY public.feeds
    ADD CONSTRAINT uq_feeds_url UNIQUE (url);

ALTER TABLE ONLY public.incidents
    ADD CONSTRAINT uq_incidents_key UNIQUE (key);

ALTER TABLE ONLY public.quarantine
    ADD CONSTRAINT uq_quarantine_feed_id_entry_key UNIQUE (feed_id, entry_key);

CREATE INDEX ix_alert_feedback_alert_key ON public.alert_feedback USING btree (alert_key);

CREATE INDEX ix_alert_feedback_muted_until ON public.alert_feedback USING btree (muted_until);

CREATE INDEX ix_alerts_article_id ON public.alerts USING btree (article_id);

CREATE INDEX ix_alerts_event_id ON public.alerts USING btree (event_id);

CREATE INDEX ix_alerts_rule_id_district_code_created_at ON public.alerts USING btree (rule_id, district_code, created_at);

CREATE INDEX ix_alerts_status_next_attempt_at ON public.alerts USING btree (status, next_attempt_at);

CREATE INDEX ix_articles_content_hash ON public.articles USING btree (content_hash);

CREATE INDEX ix_articles_duplicate_of ON public.articles USING btree (duplicate_of);

CREATE INDEX ix_articles_feed_id_guid ON public.articles USING btree (feed_id, guid);

CREATE INDEX ix_district_control_changes_district_code_valid_from ON public.district_control_changes USING btree (district_code, valid_from);

CREATE INDEX ix_events_article_id ON public.events USING btree (article_id);

CREATE INDEX ix_events_district_code ON public.events USING btree (district_code);

CREATE INDEX ix_incident_events_article_id ON public.incident_events USING btree (article_id);

CREATE INDEX ix_incident_events_incident_id ON public.incident_events USING btree (incident_id);

CREATE INDEX ix_incidents_place_code_category_last_day ON public.incidents USING btree (place_code, category, last_day);

CREATE INDEX ix_quarantine_status ON public.quarantine USING btree (status);

CREATE INDEX ix_shingles_article_id ON public.shingles USING btree (article_id);

ALTER TABLE ONLY public.alert_feedback
    ADD CONSTRAINT fk_alert_feedback_alert_id_alerts FOREIGN KEY (alert_id) REFERENCES public.alerts(id) ON DELETE SET NULL;

ALTER TABLE ONLY public.alerts
    ADD CONSTRAINT fk_alerts_article_id_articles FOREIGN KEY (article_id) REFERENCES public.articles(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.alerts
    ADD CONSTRAINT fk_alerts_event_id_events FOREIGN KEY (event_id) REFERENCES public.events(id) ON DELETE SET NULL;

ALTER TABLE ONLY public.articles
    ADD CONSTRAINT fk_articles_duplicate_of_articles FOREIGN KEY (duplicate_of) REFERENCES public.articles(id) ON DELETE SET NULL;

ALTER TABLE ONLY public.articles
    ADD CONSTRAINT fk_articles_feed_id_feeds FOREIGN KEY (feed_id) REFERENCES public.feeds(id) ON DELETE SET NULL;

ALTER TABLE ONLY public.district_control_changes
    ADD CONSTRAINT fk_district_control_changes_incident_id_incidents FOREIGN KEY (incident_id) REFERENCES public.incidents(id) ON DELETE SET NULL;

ALTER TABLE ONLY public.events
    ADD CONSTRAINT fk_events_article_id_articles FOREIGN KEY (article_id) REFERENCES public.articles(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.incident_events
    ADD CONSTRAINT fk_incident_events_article_id_articles FOREIGN KEY (article_id) REFERENCES public.articles(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.incident_events
    ADD CONSTRAINT fk_incident_events_event_id_events FOREIGN KEY (event_id) REFERENCES public.events(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.incident_events
    ADD CONSTRAINT fk_incident_events_incident_id_incidents FOREIGN KEY (incident_id) REFERENCES public.incidents(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.quarantine
    ADD CONSTRAINT fk_quarantine_feed_id_feeds FOREIGN KEY (feed_id) REFERENCES public.feeds(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.shingles
    ADD CONSTRAINT fk_shingles_article_id_articles FOREIGN KEY (article_id) REFERENCES public.articles(id) ON DELETE CASCADE;

