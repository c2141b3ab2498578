-- The seed schema (../shared/seed-schema.md), exactly: same tables, columns,
-- types, nullability and keys as the earlier Python tool creates.
-- Closer runs this migration only on a database that has none of the seed
-- tables; an existing database is verified and used as it is (src/db/schema.rs).
--
-- Enum labels are the original tool's (it stores Python enum member names,
-- upper case), so that both tools can share one database.

DO $$ BEGIN
    CREATE TYPE prospect_status AS ENUM
        ('NEW', 'RESEARCHED', 'CONTACTED', 'ENGAGED', 'QUALIFIED', 'INACTIVE');
EXCEPTION WHEN duplicate_object THEN NULL; END $$;

DO $$ BEGIN
    CREATE TYPE pricing_models AS ENUM
        ('ON_DEMAND', 'SAVINGS_PLANS', 'RESERVED_INSTANCES', 'PROSERVE', 'SUBSCRIPTION', 'PPA');
EXCEPTION WHEN duplicate_object THEN NULL; END $$;

DO $$ BEGIN
    CREATE TYPE interaction_types AS ENUM
        ('EMAIL', 'MEETING', 'CALL', 'EVENT', 'LINKEDIN');
EXCEPTION WHEN duplicate_object THEN NULL; END $$;

CREATE TABLE IF NOT EXISTS alembic_version (
    version_num VARCHAR(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

CREATE TABLE IF NOT EXISTS industries (
    id SERIAL NOT NULL,
    name VARCHAR(255) NOT NULL,
    created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    PRIMARY KEY (id)
);

CREATE TABLE IF NOT EXISTS companies (
    id SERIAL NOT NULL,
    name VARCHAR(255) NOT NULL,
    industry_id INTEGER NOT NULL,
    size VARCHAR(255) NOT NULL,
    website VARCHAR(255),
    created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY (industry_id) REFERENCES industries (id)
);

CREATE TABLE IF NOT EXISTS prospects (
    id SERIAL NOT NULL,
    full_name VARCHAR(255) NOT NULL,
    email VARCHAR(255) NOT NULL,
    linkedin_url VARCHAR(255),
    location VARCHAR(255),
    company_id INTEGER NOT NULL,
    last_contacted_at TIMESTAMP WITHOUT TIME ZONE,
    is_active BOOLEAN NOT NULL,
    status prospect_status NOT NULL,
    created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY (company_id) REFERENCES companies (id)
);

CREATE TABLE IF NOT EXISTS solutions (
    id SERIAL NOT NULL,
    name VARCHAR(255) NOT NULL,
    category VARCHAR(255) NOT NULL,
    description TEXT NOT NULL,
    use_cases JSONB,
    keywords JSONB,
    pricing_model pricing_models NOT NULL,
    created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    PRIMARY KEY (id)
);

CREATE TABLE IF NOT EXISTS industry_solutions (
    industry_id INTEGER NOT NULL,
    solution_id INTEGER NOT NULL,
    created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    PRIMARY KEY (industry_id, solution_id),
    FOREIGN KEY (industry_id) REFERENCES industries (id),
    FOREIGN KEY (solution_id) REFERENCES solutions (id)
);

CREATE TABLE IF NOT EXISTS events (
    id SERIAL NOT NULL,
    event_type VARCHAR(255) NOT NULL,
    event_date TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    description TEXT NOT NULL,
    location VARCHAR(255) NOT NULL,
    target_industries JSONB,
    target_roles JSONB,
    solutions_featured JSONB,
    status VARCHAR(255) NOT NULL,
    created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    PRIMARY KEY (id)
);

CREATE TABLE IF NOT EXISTS interactions (
    id SERIAL NOT NULL,
    prospect_id INTEGER NOT NULL,
    event_id INTEGER,
    interaction_type interaction_types NOT NULL,
    interaction_date TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    subject VARCHAR(255) NOT NULL,
    content TEXT NOT NULL,
    sentiment VARCHAR(255),
    outcome TEXT,
    created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY (prospect_id) REFERENCES prospects (id),
    FOREIGN KEY (event_id) REFERENCES events (id)
);

CREATE TABLE IF NOT EXISTS outreach_drafts (
    id SERIAL NOT NULL,
    prospect_id INTEGER NOT NULL,
    event_id INTEGER,
    draft_type VARCHAR(255) NOT NULL,
    content TEXT NOT NULL,
    status VARCHAR(255) NOT NULL,
    created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY (prospect_id) REFERENCES prospects (id),
    FOREIGN KEY (event_id) REFERENCES events (id)
);

CREATE TABLE IF NOT EXISTS prospect_research (
    id SERIAL NOT NULL,
    prospect_id INTEGER NOT NULL,
    research_summary TEXT NOT NULL,
    key_insights JSONB,
    recommended_solutions JSONB,
    confidence_score DOUBLE PRECISION,
    created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY (prospect_id) REFERENCES prospects (id)
);

CREATE TABLE IF NOT EXISTS llm_usage_logs (
    id SERIAL NOT NULL,
    worfklow_name VARCHAR(255) NOT NULL,
    node_name VARCHAR(255) NOT NULL,
    model VARCHAR(255) NOT NULL,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    total_tokens INTEGER NOT NULL,
    latency_ms INTEGER NOT NULL,
    cost DOUBLE PRECISION NOT NULL,
    created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    PRIMARY KEY (id)
);
