-- The Today view (issue 13), on Closer's own database only (a shared one is
-- never given an index). Follow-ups are counted and the most urgent found
-- per status by their base (last contact, else creation), on active
-- prospects; the included columns make the counts index-only.
CREATE INDEX IF NOT EXISTS ix_prospects_followup
    ON prospects (status, (coalesce(last_contacted_at, created_at)), id)
    INCLUDE (last_contacted_at, created_at)
    WHERE is_active;
-- The few inactive prospects, to leave out of drafts and invitations.
CREATE INDEX IF NOT EXISTS ix_prospects_inactive ON prospects (id) WHERE NOT is_active;
-- Drafts by status and age, read without the drafts' text.
CREATE INDEX IF NOT EXISTS ix_outreach_drafts_status_updated
    ON outreach_drafts (status, updated_at, id) INCLUDE (prospect_id);
