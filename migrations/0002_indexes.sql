-- Indexes for the queries the UI runs (measured in the README's benchmark).
-- Indexes add no column and change no type; they are created only on
-- databases Closer created itself. `closer db index` offers them for an
-- existing database, on request.

CREATE INDEX IF NOT EXISTS ix_prospects_last_contacted
    ON prospects (last_contacted_at DESC NULLS LAST, id);
CREATE INDEX IF NOT EXISTS ix_prospects_status_last_contacted
    ON prospects (status, last_contacted_at DESC NULLS LAST, id);
CREATE INDEX IF NOT EXISTS ix_prospects_full_name ON prospects (full_name, id);
CREATE INDEX IF NOT EXISTS ix_prospects_company ON prospects (company_id);
CREATE INDEX IF NOT EXISTS ix_companies_industry ON companies (industry_id);
CREATE INDEX IF NOT EXISTS ix_companies_name ON companies (name);
CREATE INDEX IF NOT EXISTS ix_interactions_prospect_date
    ON interactions (prospect_id, interaction_date DESC, id DESC);
CREATE INDEX IF NOT EXISTS ix_interactions_event ON interactions (event_id);
CREATE INDEX IF NOT EXISTS ix_outreach_drafts_prospect ON outreach_drafts (prospect_id);
CREATE INDEX IF NOT EXISTS ix_prospect_research_prospect
    ON prospect_research (prospect_id, created_at DESC);
CREATE INDEX IF NOT EXISTS ix_llm_usage_logs_created ON llm_usage_logs (created_at);
CREATE INDEX IF NOT EXISTS ix_events_date ON events (event_date);

-- Substring search over name, email and company name. pg_trgm ships with
-- PostgreSQL, but a shared server may not let us create the extension: then
-- search still works, only without these indexes.
DO $$ BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    CREATE INDEX IF NOT EXISTS ix_prospects_full_name_trgm
        ON prospects USING gin (full_name gin_trgm_ops);
    CREATE INDEX IF NOT EXISTS ix_prospects_email_trgm
        ON prospects USING gin (email gin_trgm_ops);
    CREATE INDEX IF NOT EXISTS ix_companies_name_trgm
        ON companies USING gin (name gin_trgm_ops);
EXCEPTION WHEN insufficient_privilege OR undefined_file OR feature_not_supported THEN
    RAISE NOTICE 'pg_trgm unavailable: text search runs without trigram indexes';
END $$;
