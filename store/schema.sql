-- kpv's schema as the migrations in store/migrations build it (pg_dump --schema-only).
-- Generated: do not edit; store TestSchemaFileIsCurrent checks it. Read this file to see the
-- tables, views, functions and triggers of today; read the migrations to see how they came to be.

-- Name: kpv_keep_referenced(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.kpv_keep_referenced() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE EXCEPTION '% rows are never deleted nor renumbered: figures refer to them by id', TG_TABLE_NAME;
END
$$;

--
-- Name: published_reports_frozen(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.published_reports_frozen() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE EXCEPTION 'published report % version % is frozen: approve a new version instead', OLD.year, OLD.version;
END
$$;

--
-- Name: api_tokens; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.api_tokens (
    id bigint NOT NULL,
    token_sha256 bytea NOT NULL,
    name text DEFAULT ''::text NOT NULL,
    role text NOT NULL,
    org text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    revoked_at timestamp with time zone,
    last_used_at timestamp with time zone,
    CONSTRAINT api_tokens_role_check CHECK ((role = ANY (ARRAY['submitter'::text, 'admin'::text])))
);

--
-- Name: api_tokens_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.api_tokens_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: api_tokens_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.api_tokens_id_seq OWNED BY public.api_tokens.id;

--
-- Name: audit_log; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.audit_log (
    id bigint NOT NULL,
    at timestamp with time zone DEFAULT now() NOT NULL,
    actor text NOT NULL,
    action text NOT NULL,
    target text NOT NULL,
    outcome text NOT NULL,
    detail jsonb,
    token_id bigint,
    org text,
    status integer,
    run_id bigint,
    request_id text,
    remote_addr text
);

--
-- Name: audit_log_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.audit_log_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: audit_log_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.audit_log_id_seq OWNED BY public.audit_log.id;

--
-- Name: catalogue_syncs; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.catalogue_syncs (
    id bigint NOT NULL,
    version text NOT NULL,
    sha256 text NOT NULL,
    synced_at timestamp with time zone DEFAULT now() NOT NULL
);

--
-- Name: catalogue_syncs_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.catalogue_syncs_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: catalogue_syncs_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.catalogue_syncs_id_seq OWNED BY public.catalogue_syncs.id;

--
-- Name: figure_changes; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.figure_changes
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: figure_ids; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.figure_ids
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1000;

--
-- Name: figures; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.figures (
    id bigint DEFAULT nextval('public.figure_ids'::regclass) NOT NULL,
    run_id bigint NOT NULL,
    published_at timestamp with time zone,
    value double precision,
    numerator double precision,
    denominator double precision,
    ci_lower double precision,
    ci_upper double precision,
    series_id integer NOT NULL,
    period_id integer NOT NULL,
    revision integer NOT NULL,
    suppressed boolean DEFAULT false NOT NULL,
    release text DEFAULT ''::text NOT NULL,
    CONSTRAINT figures_check CHECK ((suppressed = (value IS NULL))),
    CONSTRAINT figures_check1 CHECK (((ci_lower IS NULL) OR (ci_upper IS NULL) OR (ci_lower <= ci_upper))),
    CONSTRAINT figures_revision_check CHECK ((revision >= 1))
);

--
-- Name: ingest_runs; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.ingest_runs (
    id bigint NOT NULL,
    source_id text NOT NULL,
    kind text NOT NULL,
    started_at timestamp with time zone DEFAULT now() NOT NULL,
    finished_at timestamp with time zone,
    outcome text DEFAULT 'running'::text NOT NULL,
    read_count integer DEFAULT 0 NOT NULL,
    inserted_count integer DEFAULT 0 NOT NULL,
    revised_count integer DEFAULT 0 NOT NULL,
    unchanged_count integer DEFAULT 0 NOT NULL,
    rejected_count integer DEFAULT 0 NOT NULL,
    error text,
    detail jsonb,
    recorded_at timestamp with time zone,
    process text,
    CONSTRAINT ingest_runs_kind_check CHECK ((kind = ANY (ARRAY['ingest'::text, 'submission'::text, 'test'::text]))),
    CONSTRAINT ingest_runs_outcome_check CHECK ((outcome = ANY (ARRAY['running'::text, 'success'::text, 'unchanged'::text, 'failed'::text, 'interrupted'::text])))
);

--
-- Name: periods; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.periods (
    id integer NOT NULL,
    period text NOT NULL,
    period_start date NOT NULL,
    period_end date NOT NULL
);

--
-- Name: series; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.series (
    id integer NOT NULL,
    indicator_id text NOT NULL,
    geography text NOT NULL,
    breakdown text DEFAULT ''::text NOT NULL,
    dims jsonb DEFAULT '{}'::jsonb NOT NULL,
    changed bigint DEFAULT nextval('public.figure_changes'::regclass) NOT NULL
);

--
-- Name: current_observations; Type: VIEW; Schema: public; Owner: -
--

CREATE VIEW public.current_observations AS
 SELECT f.id,
    s.indicator_id,
    p.period,
    p.period_start,
    p.period_end,
    s.geography,
    s.breakdown,
    s.dims,
    f.revision,
    f.value,
    f.numerator,
    f.denominator,
    f.ci_lower,
    f.ci_upper,
    f.suppressed,
    r.source_id,
    f.run_id,
    r.recorded_at,
    f.published_at,
    f.release
   FROM (((public.figures f
     JOIN public.series s ON ((s.id = f.series_id)))
     JOIN public.periods p ON ((p.id = f.period_id)))
     JOIN public.ingest_runs r ON ((r.id = f.run_id)));

--
-- Name: figure_history; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.figure_history (
    id bigint DEFAULT nextval('public.figure_ids'::regclass) NOT NULL,
    run_id bigint NOT NULL,
    published_at timestamp with time zone,
    value double precision,
    numerator double precision,
    denominator double precision,
    ci_lower double precision,
    ci_upper double precision,
    series_id integer NOT NULL,
    period_id integer NOT NULL,
    revision integer NOT NULL,
    suppressed boolean DEFAULT false NOT NULL,
    release text DEFAULT ''::text NOT NULL,
    CONSTRAINT figures_check CHECK ((suppressed = (value IS NULL))),
    CONSTRAINT figures_check1 CHECK (((ci_lower IS NULL) OR (ci_upper IS NULL) OR (ci_lower <= ci_upper))),
    CONSTRAINT figures_revision_check CHECK ((revision >= 1))
);

--
-- Name: focus_areas; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.focus_areas (
    id integer NOT NULL,
    name_da text NOT NULL,
    name_en text NOT NULL
);

--
-- Name: funding; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.funding (
    table_id text NOT NULL,
    line_id text NOT NULL,
    parent_id text,
    name_da text NOT NULL,
    name_en text NOT NULL,
    recipient text NOT NULL,
    initiatives integer[] NOT NULL,
    column_label text NOT NULL,
    amount_mdkk numeric NOT NULL
);

--
-- Name: geographies; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.geographies (
    code text NOT NULL,
    kind text NOT NULL,
    name_da text NOT NULL,
    name_en text NOT NULL,
    iso_numeric integer,
    active boolean DEFAULT true NOT NULL,
    CONSTRAINT geographies_kind_check CHECK ((kind = ANY (ARRAY['country'::text, 'region'::text])))
);

--
-- Name: goals; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.goals (
    id integer NOT NULL,
    key text NOT NULL,
    name_da text NOT NULL,
    name_en text NOT NULL,
    short_da text NOT NULL,
    short_en text NOT NULL,
    source jsonb NOT NULL
);

--
-- Name: indicators; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.indicators (
    id text NOT NULL,
    goal_id integer NOT NULL,
    name_da text NOT NULL,
    name_en text NOT NULL,
    unit text NOT NULL,
    polarity text NOT NULL,
    owner text NOT NULL,
    source_id text NOT NULL,
    breakdowns text[] NOT NULL,
    spec jsonb NOT NULL,
    active boolean DEFAULT true NOT NULL,
    CONSTRAINT indicators_polarity_check CHECK ((polarity = ANY (ARRAY['higher_is_better'::text, 'lower_is_better'::text])))
);

--
-- Name: ingest_runs_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.ingest_runs_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: ingest_runs_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.ingest_runs_id_seq OWNED BY public.ingest_runs.id;

--
-- Name: initiatives; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.initiatives (
    number integer NOT NULL,
    name_da text NOT NULL,
    name_en text NOT NULL,
    focus_area integer NOT NULL,
    goals integer[] NOT NULL,
    summary_da text NOT NULL,
    summary_en text NOT NULL,
    lead text[] NOT NULL,
    source jsonb NOT NULL
);

--
-- Name: observations; Type: VIEW; Schema: public; Owner: -
--

CREATE VIEW public.observations AS
 SELECT f.id,
    s.indicator_id,
    p.period,
    p.period_start,
    p.period_end,
    s.geography,
    s.breakdown,
    s.dims,
    f.revision,
    f.value,
    f.numerator,
    f.denominator,
    f.ci_lower,
    f.ci_upper,
    f.suppressed,
    r.source_id,
    f.run_id,
    r.recorded_at,
    f.published_at,
    f.release
   FROM (((( SELECT figures.id,
            figures.run_id,
            figures.published_at,
            figures.value,
            figures.numerator,
            figures.denominator,
            figures.ci_lower,
            figures.ci_upper,
            figures.series_id,
            figures.period_id,
            figures.revision,
            figures.suppressed,
            figures.release
           FROM public.figures
        UNION ALL
         SELECT figure_history.id,
            figure_history.run_id,
            figure_history.published_at,
            figure_history.value,
            figure_history.numerator,
            figure_history.denominator,
            figure_history.ci_lower,
            figure_history.ci_upper,
            figure_history.series_id,
            figure_history.period_id,
            figure_history.revision,
            figure_history.suppressed,
            figure_history.release
           FROM public.figure_history) f
     JOIN public.series s ON ((s.id = f.series_id)))
     JOIN public.periods p ON ((p.id = f.period_id)))
     JOIN public.ingest_runs r ON ((r.id = f.run_id)));

--
-- Name: organisations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.organisations (
    id text NOT NULL,
    name_da text NOT NULL,
    name_en text NOT NULL,
    kind text NOT NULL,
    region text,
    active boolean DEFAULT true NOT NULL
);

--
-- Name: pending_revisions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.pending_revisions (
    id bigint NOT NULL,
    run_id bigint NOT NULL,
    source_id text NOT NULL,
    series_id integer NOT NULL,
    period_id integer NOT NULL,
    replaces_revision integer NOT NULL,
    reason text NOT NULL,
    published_at timestamp with time zone,
    value double precision,
    numerator double precision,
    denominator double precision,
    ci_lower double precision,
    ci_upper double precision,
    suppressed boolean DEFAULT false NOT NULL,
    release text DEFAULT ''::text NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    decided_by text,
    decided_at timestamp with time zone,
    decided_run_id bigint,
    CONSTRAINT pending_revisions_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'accepted'::text, 'rejected'::text])))
);

--
-- Name: pending_revisions_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.pending_revisions ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.pending_revisions_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: periods_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.periods ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.periods_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: plan_submissions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.plan_submissions (
    id bigint NOT NULL,
    kind text NOT NULL,
    subject text NOT NULL,
    year integer NOT NULL,
    org text NOT NULL,
    token_id bigint,
    recorded_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    body jsonb NOT NULL,
    CONSTRAINT plan_submissions_kind_check CHECK ((kind = ANY (ARRAY['status'::text, 'spending'::text, 'commentary'::text]))),
    CONSTRAINT plan_submissions_year_check CHECK (((year >= 2025) AND (year <= 2100)))
);

--
-- Name: plan_submissions_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.plan_submissions_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: plan_submissions_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.plan_submissions_id_seq OWNED BY public.plan_submissions.id;

--
-- Name: published_reports; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.published_reports (
    year integer NOT NULL,
    version integer NOT NULL,
    format text NOT NULL,
    body bytea NOT NULL,
    sha256 text NOT NULL,
    cut_off timestamp with time zone NOT NULL,
    approved_at timestamp with time zone DEFAULT now() NOT NULL,
    token_id bigint,
    org text NOT NULL,
    changes jsonb DEFAULT '[]'::jsonb NOT NULL,
    CONSTRAINT published_reports_format_check CHECK ((format = ANY (ARRAY['json'::text, 'csv'::text, 'html'::text, 'xlsx'::text]))),
    CONSTRAINT published_reports_version_check CHECK ((version >= 1))
);

--
-- Name: series_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.series ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.series_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: source_fetches; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.source_fetches (
    source_id text NOT NULL,
    origin text NOT NULL,
    etag text,
    last_modified text,
    content_sha256 text NOT NULL,
    checked_at timestamp with time zone NOT NULL,
    changed_at timestamp with time zone NOT NULL,
    run_id bigint
);

--
-- Name: source_ticks; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.source_ticks (
    source_id text NOT NULL,
    due_at timestamp with time zone NOT NULL,
    claimed_by text NOT NULL,
    claimed_at timestamp with time zone DEFAULT now() NOT NULL
);

--
-- Name: sources; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.sources (
    id text NOT NULL,
    name_da text NOT NULL,
    name_en text NOT NULL,
    publisher text NOT NULL,
    format text NOT NULL,
    url text,
    schedule text,
    release jsonb NOT NULL,
    active boolean DEFAULT true NOT NULL
);

--
-- Name: api_tokens id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.api_tokens ALTER COLUMN id SET DEFAULT nextval('public.api_tokens_id_seq'::regclass);

--
-- Name: audit_log id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_log ALTER COLUMN id SET DEFAULT nextval('public.audit_log_id_seq'::regclass);

--
-- Name: catalogue_syncs id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.catalogue_syncs ALTER COLUMN id SET DEFAULT nextval('public.catalogue_syncs_id_seq'::regclass);

--
-- Name: ingest_runs id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ingest_runs ALTER COLUMN id SET DEFAULT nextval('public.ingest_runs_id_seq'::regclass);

--
-- Name: plan_submissions id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.plan_submissions ALTER COLUMN id SET DEFAULT nextval('public.plan_submissions_id_seq'::regclass);

--
-- Name: api_tokens api_tokens_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.api_tokens
    ADD CONSTRAINT api_tokens_pkey PRIMARY KEY (id);

--
-- Name: api_tokens api_tokens_token_sha256_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.api_tokens
    ADD CONSTRAINT api_tokens_token_sha256_key UNIQUE (token_sha256);

--
-- Name: audit_log audit_log_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_log
    ADD CONSTRAINT audit_log_pkey PRIMARY KEY (id);

--
-- Name: catalogue_syncs catalogue_syncs_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.catalogue_syncs
    ADD CONSTRAINT catalogue_syncs_pkey PRIMARY KEY (id);

--
-- Name: figure_history figure_history_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.figure_history
    ADD CONSTRAINT figure_history_pkey PRIMARY KEY (series_id, period_id, revision);

--
-- Name: figures figures_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.figures
    ADD CONSTRAINT figures_pkey PRIMARY KEY (series_id, period_id);

--
-- Name: focus_areas focus_areas_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.focus_areas
    ADD CONSTRAINT focus_areas_pkey PRIMARY KEY (id);

--
-- Name: funding funding_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.funding
    ADD CONSTRAINT funding_pkey PRIMARY KEY (table_id, line_id, column_label);

--
-- Name: geographies geographies_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.geographies
    ADD CONSTRAINT geographies_pkey PRIMARY KEY (code);

--
-- Name: goals goals_key_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.goals
    ADD CONSTRAINT goals_key_key UNIQUE (key);

--
-- Name: goals goals_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.goals
    ADD CONSTRAINT goals_pkey PRIMARY KEY (id);

--
-- Name: indicators indicators_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.indicators
    ADD CONSTRAINT indicators_pkey PRIMARY KEY (id);

--
-- Name: ingest_runs ingest_runs_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ingest_runs
    ADD CONSTRAINT ingest_runs_pkey PRIMARY KEY (id);

--
-- Name: initiatives initiatives_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.initiatives
    ADD CONSTRAINT initiatives_pkey PRIMARY KEY (number);

--
-- Name: organisations organisations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.organisations
    ADD CONSTRAINT organisations_pkey PRIMARY KEY (id);

--
-- Name: pending_revisions pending_revisions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.pending_revisions
    ADD CONSTRAINT pending_revisions_pkey PRIMARY KEY (id);

--
-- Name: periods periods_period_period_start_period_end_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.periods
    ADD CONSTRAINT periods_period_period_start_period_end_key UNIQUE (period, period_start, period_end);

--
-- Name: periods periods_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.periods
    ADD CONSTRAINT periods_pkey PRIMARY KEY (id);

--
-- Name: plan_submissions plan_submissions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.plan_submissions
    ADD CONSTRAINT plan_submissions_pkey PRIMARY KEY (id);

--
-- Name: published_reports published_reports_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.published_reports
    ADD CONSTRAINT published_reports_pkey PRIMARY KEY (year, version, format);

--
-- Name: series series_indicator_id_geography_breakdown_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.series
    ADD CONSTRAINT series_indicator_id_geography_breakdown_key UNIQUE (indicator_id, geography, breakdown);

--
-- Name: series series_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.series
    ADD CONSTRAINT series_pkey PRIMARY KEY (id);

--
-- Name: source_fetches source_fetches_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.source_fetches
    ADD CONSTRAINT source_fetches_pkey PRIMARY KEY (source_id);

--
-- Name: source_ticks source_ticks_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.source_ticks
    ADD CONSTRAINT source_ticks_pkey PRIMARY KEY (source_id, due_at);

--
-- Name: sources sources_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sources
    ADD CONSTRAINT sources_pkey PRIMARY KEY (id);

--
-- Name: audit_log_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX audit_log_at ON public.audit_log USING btree (at DESC, id DESC);

--
-- Name: ingest_runs_source_started; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ingest_runs_source_started ON public.ingest_runs USING btree (source_id, started_at DESC);

--
-- Name: pending_revisions_open; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX pending_revisions_open ON public.pending_revisions USING btree (source_id) WHERE (status = 'pending'::text);

--
-- Name: plan_submissions_key; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX plan_submissions_key ON public.plan_submissions USING btree (kind, subject, year, id DESC);

--
-- Name: plan_submissions_year; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX plan_submissions_year ON public.plan_submissions USING btree (year, recorded_at);

--
-- Name: periods periods_id_kept; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER periods_id_kept BEFORE UPDATE OF id ON public.periods FOR EACH ROW EXECUTE FUNCTION public.kpv_keep_referenced();

--
-- Name: periods periods_kept; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER periods_kept BEFORE DELETE OR TRUNCATE ON public.periods FOR EACH STATEMENT EXECUTE FUNCTION public.kpv_keep_referenced();

--
-- Name: published_reports published_reports_frozen; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER published_reports_frozen BEFORE DELETE OR UPDATE ON public.published_reports FOR EACH ROW EXECUTE FUNCTION public.published_reports_frozen();

--
-- Name: series series_id_kept; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER series_id_kept BEFORE UPDATE OF id ON public.series FOR EACH ROW EXECUTE FUNCTION public.kpv_keep_referenced();

--
-- Name: series series_kept; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER series_kept BEFORE DELETE OR TRUNCATE ON public.series FOR EACH STATEMENT EXECUTE FUNCTION public.kpv_keep_referenced();

--
-- Name: api_tokens api_tokens_org_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.api_tokens
    ADD CONSTRAINT api_tokens_org_fkey FOREIGN KEY (org) REFERENCES public.organisations(id);

--
-- Name: audit_log audit_log_run_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_log
    ADD CONSTRAINT audit_log_run_id_fkey FOREIGN KEY (run_id) REFERENCES public.ingest_runs(id);

--
-- Name: audit_log audit_log_token_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_log
    ADD CONSTRAINT audit_log_token_id_fkey FOREIGN KEY (token_id) REFERENCES public.api_tokens(id);

--
-- Name: indicators indicators_goal_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.indicators
    ADD CONSTRAINT indicators_goal_id_fkey FOREIGN KEY (goal_id) REFERENCES public.goals(id);

--
-- Name: indicators indicators_owner_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.indicators
    ADD CONSTRAINT indicators_owner_fkey FOREIGN KEY (owner) REFERENCES public.organisations(id);

--
-- Name: indicators indicators_source_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.indicators
    ADD CONSTRAINT indicators_source_id_fkey FOREIGN KEY (source_id) REFERENCES public.sources(id);

--
-- Name: ingest_runs ingest_runs_source_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ingest_runs
    ADD CONSTRAINT ingest_runs_source_id_fkey FOREIGN KEY (source_id) REFERENCES public.sources(id);

--
-- Name: initiatives initiatives_focus_area_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.initiatives
    ADD CONSTRAINT initiatives_focus_area_fkey FOREIGN KEY (focus_area) REFERENCES public.focus_areas(id);

--
-- Name: pending_revisions pending_revisions_decided_run_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.pending_revisions
    ADD CONSTRAINT pending_revisions_decided_run_id_fkey FOREIGN KEY (decided_run_id) REFERENCES public.ingest_runs(id);

--
-- Name: pending_revisions pending_revisions_period_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.pending_revisions
    ADD CONSTRAINT pending_revisions_period_id_fkey FOREIGN KEY (period_id) REFERENCES public.periods(id);

--
-- Name: pending_revisions pending_revisions_run_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.pending_revisions
    ADD CONSTRAINT pending_revisions_run_id_fkey FOREIGN KEY (run_id) REFERENCES public.ingest_runs(id);

--
-- Name: pending_revisions pending_revisions_series_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.pending_revisions
    ADD CONSTRAINT pending_revisions_series_id_fkey FOREIGN KEY (series_id) REFERENCES public.series(id);

--
-- Name: plan_submissions plan_submissions_org_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.plan_submissions
    ADD CONSTRAINT plan_submissions_org_fkey FOREIGN KEY (org) REFERENCES public.organisations(id);

--
-- Name: plan_submissions plan_submissions_token_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.plan_submissions
    ADD CONSTRAINT plan_submissions_token_id_fkey FOREIGN KEY (token_id) REFERENCES public.api_tokens(id);

--
-- Name: published_reports published_reports_token_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.published_reports
    ADD CONSTRAINT published_reports_token_id_fkey FOREIGN KEY (token_id) REFERENCES public.api_tokens(id);

--
-- Name: series series_geography_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.series
    ADD CONSTRAINT series_geography_fkey FOREIGN KEY (geography) REFERENCES public.geographies(code);

--
-- Name: series series_indicator_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.series
    ADD CONSTRAINT series_indicator_id_fkey FOREIGN KEY (indicator_id) REFERENCES public.indicators(id);

--
-- Name: source_fetches source_fetches_run_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.source_fetches
    ADD CONSTRAINT source_fetches_run_id_fkey FOREIGN KEY (run_id) REFERENCES public.ingest_runs(id);

--
-- Name: source_fetches source_fetches_source_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.source_fetches
    ADD CONSTRAINT source_fetches_source_id_fkey FOREIGN KEY (source_id) REFERENCES public.sources(id);

--
-- Name: source_ticks source_ticks_source_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.source_ticks
    ADD CONSTRAINT source_ticks_source_id_fkey FOREIGN KEY (source_id) REFERENCES public.sources(id);
