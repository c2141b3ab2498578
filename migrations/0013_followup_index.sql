-- The Today view (issue 13): follow-ups are counted and the most urgent
-- found per status by their base (last contact, else creation), on active
-- prospects only. The included columns let the counts be index-only.
-- Only on Closer's own database: a shared one is never given an index.
CREATE INDEX IF NOT EXISTS ix_prospects_followup
    ON prospects (status, (coalesce(last_contacted_at, created_at)), id)
    INCLUDE (last_contacted_at, created_at)
    WHERE is_active;
