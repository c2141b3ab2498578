//! Demo data: a realistic, deterministic sales dataset, loaded with COPY in
//! one transaction (all or nothing). The same seed and anchor date give the
//! same rows. Interactions and usage logs scale to ~10 per prospect, so
//! `--prospects 100000` writes about 1,000,000 of each.

use std::fmt::Write as _;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use color_eyre::eyre::{Result, WrapErr};
use serde_json::{json, Value};

use super::{Db, EnumKind};

#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub prospects: u32,
    pub seed: u64,
    /// "Today" for the dataset: events before it are past, after it upcoming.
    pub anchor: NaiveDateTime,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoSummary {
    pub industries: u64,
    pub solutions: u64,
    pub companies: u64,
    pub prospects: u64,
    pub events: u64,
    pub interactions: u64,
    pub drafts: u64,
    pub research: u64,
    pub usage_logs: u64,
}

/// splitmix64: small, fast and deterministic; no crate needed for demo data.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

const INDUSTRIES: &[&str] = &[
    "Software & SaaS",
    "Financial Services",
    "Healthcare",
    "Retail & E-commerce",
    "Manufacturing",
    "Energy & Utilities",
    "Media & Entertainment",
    "Logistics",
    "Education",
    "Public Sector",
    "Telecommunications",
    "Life Sciences",
];

/// (name, category, description, use cases, keywords shape)
const SOLUTIONS: &[(&str, &str, &str)] = &[
    ("Elastic Compute", "Compute", "Resizable virtual machines billed by the second."),
    ("Serverless Functions", "Compute", "Run code on events without managing servers."),
    ("Managed Kubernetes", "Containers", "Certified Kubernetes control plane, patched and scaled for you."),
    ("Object Storage", "Storage", "Durable storage for any amount of data, with lifecycle rules."),
    ("Cold Archive", "Storage", "Long-term archive at a fraction of the cost of hot storage."),
    ("Managed PostgreSQL", "Databases", "PostgreSQL with automated backups, failover and read replicas."),
    ("Data Warehouse", "Analytics", "Columnar warehouse for petabyte-scale SQL analytics."),
    ("Streaming Ingest", "Analytics", "Real-time ingestion of clickstreams, logs and IoT telemetry."),
    ("ML Platform", "Machine Learning", "Train, tune and deploy models with managed notebooks and endpoints."),
    ("Generative AI Studio", "Machine Learning", "Foundation models with guardrails, retrieval and evaluation."),
    ("Contact Center AI", "Business Apps", "Omnichannel contact center with transcription and sentiment."),
    ("Identity Center", "Security", "Single sign-on and fine-grained access across accounts."),
    ("Threat Detection", "Security", "Continuous monitoring for malicious activity and anomalies."),
    ("Compliance Pack", "Security", "Controls mapped to HIPAA, PCI DSS, SOC 2 and GDPR."),
    ("Edge CDN", "Networking", "Global content delivery with edge compute and DDoS protection."),
    ("Private Network Link", "Networking", "Dedicated connections from data centres to the cloud."),
    ("Migration Factory", "Professional Services", "Expert-led migration of data centres in waves."),
    ("Cost Optimisation Review", "Professional Services", "Savings plan and rightsizing analysis."),
    ("IoT Core", "IoT", "Connect and manage billions of devices securely."),
    ("Digital Twin Suite", "IoT", "Model factories and plants from live sensor data."),
    ("Renewable Power Purchase", "Sustainability", "Power purchase agreements for renewable energy."),
    ("Carbon Footprint Tool", "Sustainability", "Measure and report emissions of cloud workloads."),
    ("Observability Suite", "Operations", "Metrics, logs and traces with anomaly detection."),
    ("Backup Vault", "Storage", "Centralised, immutable backups across services."),
];

const FIRST_LAST: &[(&str, &str, &str)] = &[
    // (full name, romanised local part, script)
    ("Alice Johnson", "alice.johnson", "latin"),
    ("Bruno Díaz", "bruno.diaz", "latin"),
    ("Chloé Martin", "chloe.martin", "latin"),
    ("Dmitri Ivanov", "dmitri.ivanov", "latin"),
    ("Дмитрий Соколов", "dmitry.sokolov", "cyrillic"),
    ("Екатерина Смирнова", "ekaterina.smirnova", "cyrillic"),
    ("王伟", "wang.wei", "han"),
    ("李娜", "li.na", "han"),
    ("佐藤 花子", "hanako.sato", "japanese"),
    ("山田 太郎", "taro.yamada", "japanese"),
    ("김민준", "minjun.kim", "hangul"),
    ("محمد الأحمد", "mohammed.alahmad", "arabic"),
    ("فاطمة الزهراء", "fatima.zahra", "arabic"),
    ("דוד כהן", "david.cohen", "hebrew"),
    ("Ελένη Παπαδοπούλου", "eleni.papadopoulou", "greek"),
    ("प्रिया शर्मा", "priya.sharma", "devanagari"),
    ("Søren Kierkegaard-Nielsen", "soren.nielsen", "latin"),
    ("Zoë O'Brien", "zoe.obrien", "latin"),
    ("Nguyễn Văn An", "an.nguyen", "latin"),
    ("Łukasz Wiśniewski", "lukasz.wisniewski", "latin"),
    ("Grace Hopper", "grace.hopper", "latin"),
    ("Kwame Mensah", "kwame.mensah", "latin"),
    ("Ana Souza", "ana.souza", "latin"),
    ("Mateo Rossi", "mateo.rossi", "latin"),
];

const COMPANY_WORDS: &[&str] = &[
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Tyrell",
    "Cyberdyne",
    "Soylent",
    "Hooli",
    "Vandelay",
    "Wonka",
    "Aperture",
    "Black Mesa",
    "Nakatomi",
    "Oscorp",
    "Massive Dynamic",
    "Gringotts",
    "Monarch",
    "Blue Sun",
    "北辰",
    "Сибирь",
    "Nordlys",
    "Δέλτα",
    "Aurora",
    "Zenith",
    "Helios",
    "Quantum",
    "Pinnacle",
    "Summit",
];
const COMPANY_SUFFIXES: &[&str] =
    &["Inc.", "GmbH", "Ltd", "S.A.", "Group", "Labs", "Systems", "Holdings", "株式会社", "AG"];
const SIZES: &[&str] = &["1-10", "11-50", "51-200", "201-500", "501-1000", "1001-5000", "5000+"];
const CITIES: &[&str] = &[
    "Berlin, DE",
    "London, UK",
    "New York, US",
    "São Paulo, BR",
    "東京, JP",
    "Москва, RU",
    "Dubai, AE",
    "Bengaluru, IN",
    "Sydney, AU",
    "Toronto, CA",
    "Paris, FR",
    "Tel Aviv, IL",
    "Lagos, NG",
    "Singapore, SG",
    "Athens, GR",
    "Seoul, KR",
];
const EVENT_TYPES: &[&str] = &["conference", "webinar", "workshop", "roundtable", "trade show", "meetup"];
const ROLES: &[&str] = &["CTO", "VP Engineering", "Head of Data", "CISO", "CFO", "IT Director", "Platform Lead"];
const SENTIMENTS: &[&str] = &["positive", "neutral", "negative", "mixed"];
const OUTCOMES: &[&str] = &[
    "Agreed to a follow-up call next week.",
    "Asked for pricing for 3 regions.",
    "Not interested this quarter; revisit in Q3.",
    "Forwarded to procurement.",
    "Requested a technical deep dive with the platform team.",
    "Signed up for the workshop.",
];
const SUBJECTS: &[&str] = &[
    "Intro: cutting your compute bill",
    "Follow-up on our call",
    "Re: migration timeline",
    "Invitation: executive roundtable",
    "Quick question about your data platform",
    "Case study: 40% lower storage costs",
    "Meeting notes",
    "Re: Re: security review",
    "Proposal and next steps",
];
const SENTENCES: &[&str] = &[
    "Thanks for taking the time to talk today.",
    "They are running most workloads on premises and plan to move analytics first.",
    "Their team is evaluating managed Kubernetes against their current VM fleet.",
    "Budget approval happens in the last month of each quarter.",
    "Security review is the main blocker; they need SOC 2 evidence.",
    "The CFO is pushing for a 20% reduction in infrastructure spend.",
    "They liked the migration factory approach but worry about downtime.",
    "Follow-up: send the reference architecture and a pricing estimate.",
    "お打ち合わせありがとうございました。次回は技術的な詳細を確認します。",
    "Спасибо за встречу, ждём коммерческое предложение.",
    "شكراً على الاجتماع، سنرسل العرض قريباً.",
    "Great conversation 🎉 — they want a pilot in two regions.",
];
const WORKFLOWS: &[(&str, &[&str])] = &[
    (
        "prospect_research",
        &["research_company", "analyze_tech_stack", "identify_pain_points", "match_solutions", "synthesize_research"],
    ),
    (
        "outreach_draft",
        &["analyze_similar_wins", "plan_email_strategy", "generate_subject", "generate_body", "refine_draft"],
    ),
    ("event_matching", &["score_relevance", "generate_invitations"]),
];
/// (model, input $/M, output $/M, typical latency ms, weight)
const MODELS: &[(&str, f64, f64, u64, u64)] = &[
    ("gpt-4o-mini", 0.15, 0.60, 900, 40),
    ("gpt-4o", 2.50, 10.00, 2200, 15),
    ("claude-3-5-sonnet-20241022", 3.00, 15.00, 2600, 15),
    ("claude-3-5-haiku-20241022", 0.80, 4.00, 1100, 10),
    ("gemini-2.0-flash", 0.10, 0.40, 700, 10),
    ("mistral-large-latest", 2.00, 6.00, 1800, 5),
    ("llama-3.1-70b-instruct", 0.88, 0.88, 1500, 5),
];
const DRAFT_TYPES: &[&str] = &["offer_email", "linkedin_message", "call_script", "event_invitation"];
/// Closer's draft workflow, plus legacy values the original tool wrote.
const DRAFT_STATUSES: &[&str] = &["draft", "draft", "approved", "sent", "archived", "CREATED", "RESPONDED"];

/// Appends a value in COPY text format (escaping \\, tab, newline, CR).
fn put(buf: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\\' => buf.push_str("\\\\"),
            '\t' => buf.push_str("\\t"),
            '\n' => buf.push_str("\\n"),
            '\r' => buf.push_str("\\r"),
            c => buf.push(c),
        }
    }
}
fn put_opt(buf: &mut String, value: Option<&str>) {
    match value {
        Some(v) => put(buf, v),
        None => buf.push_str("\\N"),
    }
}
fn put_json(buf: &mut String, value: &Option<Value>) {
    match value {
        Some(v) => put(buf, &v.to_string()),
        None => buf.push_str("\\N"),
    }
}
fn ts(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// Streams rows into `COPY table (columns) FROM STDIN` in ~1 MiB chunks.
struct Copier<'c> {
    copy: sqlx::postgres::PgCopyIn<&'c mut sqlx::PgConnection>,
    buf: String,
    rows: u64,
}

impl<'c> Copier<'c> {
    async fn start(conn: &'c mut sqlx::PgConnection, table: &str, columns: &str) -> Result<Self> {
        let copy = conn
            .copy_in_raw(&format!("COPY {table} ({columns}) FROM STDIN"))
            .await
            .wrap_err_with(|| format!("COPY into {table}"))?;
        Ok(Self { copy, buf: String::with_capacity(1 << 20), rows: 0 })
    }
    async fn end_row(&mut self) -> Result<()> {
        self.buf.push('\n');
        self.rows += 1;
        if self.buf.len() >= 1 << 20 {
            self.copy.send(self.buf.as_bytes()).await?;
            self.buf.clear();
        }
        Ok(())
    }
    async fn finish(mut self) -> Result<u64> {
        if !self.buf.is_empty() {
            self.copy.send(self.buf.as_bytes()).await?;
        }
        self.copy.finish().await?;
        Ok(self.rows)
    }
}

/// Per-prospect plan, derived from (seed, prospect index) so that it can be
/// generated twice (once for last_contacted_at, once for the rows) without
/// holding a million interactions in memory.
fn interaction_plan(seed: u64, p: u64, anchor: NaiveDateTime) -> (u64, Rng, Vec<NaiveDateTime>) {
    let mut rng = Rng::new(seed.wrapping_mul(31).wrapping_add(p).wrapping_mul(0x2545F4914F6CDD1D));
    // 0..=20 interactions, mean 10; 8% of prospects never contacted.
    let n = if rng.chance(8) { 0 } else { 1 + rng.below(19) + rng.below(2) };
    let mut dates: Vec<NaiveDateTime> =
        (0..n).map(|_| anchor - Duration::minutes(rng.below(60 * 24 * 540) as i64 + 60)).collect();
    dates.sort_unstable_by(|a, b| b.cmp(a));
    (n, rng, dates)
}

pub async fn load(db: &Db, opts: &DemoOptions) -> Result<DemoSummary> {
    let mut rng = Rng::new(opts.seed);
    let anchor = opts.anchor;
    let n = opts.prospects as u64;
    let statuses = db.enums.labels(EnumKind::ProspectStatus).to_vec();
    let pricing = db.enums.labels(EnumKind::PricingModels).to_vec();
    let itypes = db.enums.labels(EnumKind::InteractionTypes).to_vec();
    let event_itype = db.enums.find(EnumKind::InteractionTypes, "event").map(str::to_owned);
    let mut summary = DemoSummary::default();

    let mut tx = db.pool.begin().await?;
    let tables = "industries, companies, prospects, solutions, industry_solutions, events, interactions, \
                  outreach_drafts, prospect_research, llm_usage_logs";
    sqlx::query(&format!("LOCK TABLE {tables} IN EXCLUSIVE MODE")).execute(&mut *tx).await?;
    let mut base = std::collections::HashMap::new();
    for t in [
        "industries",
        "companies",
        "prospects",
        "solutions",
        "events",
        "interactions",
        "outreach_drafts",
        "prospect_research",
        "llm_usage_logs",
    ] {
        let max: i32 = sqlx::query_scalar(&format!("SELECT COALESCE(max(id), 0) FROM {t}")).fetch_one(&mut *tx).await?;
        base.insert(t, max as u64);
    }
    let created = ts(anchor - Duration::days(400));

    // Industries.
    let ind0 = base["industries"];
    let mut c = Copier::start(&mut tx, "industries", "id, name, created_at, updated_at").await?;
    for (i, name) in INDUSTRIES.iter().enumerate() {
        write!(c.buf, "{}\t", ind0 + 1 + i as u64)?;
        put(&mut c.buf, name);
        write!(c.buf, "\t{created}\t{created}")?;
        c.end_row().await?;
    }
    summary.industries = c.finish().await?;
    let n_ind = INDUSTRIES.len() as u64;

    // Solutions and their industries.
    let sol0 = base["solutions"];
    let mut c = Copier::start(
        &mut tx,
        "solutions",
        "id, name, category, description, use_cases, keywords, pricing_model, created_at, updated_at",
    )
    .await?;
    for (i, (name, category, description)) in SOLUTIONS.iter().enumerate() {
        let use_cases = match i % 4 {
            0 => Some(json!(["cost reduction", "scalability", format!("{} modernisation", category.to_lowercase())])),
            1 => Some(json!([{"use_case": "pilot", "industry": INDUSTRIES[i % INDUSTRIES.len()]}])),
            2 => Some(Value::Null),
            _ => None,
        };
        let keywords = match i % 3 {
            0 => Some(json!(name.to_lowercase().split(' ').collect::<Vec<_>>())),
            1 => Some(json!({"primary": category.to_lowercase(), "tags": ["cloud"]})),
            _ => Some(json!(category.to_lowercase())),
        };
        write!(c.buf, "{}\t", sol0 + 1 + i as u64)?;
        put(&mut c.buf, name);
        c.buf.push('\t');
        put(&mut c.buf, category);
        c.buf.push('\t');
        put(&mut c.buf, description);
        c.buf.push('\t');
        put_json(&mut c.buf, &use_cases);
        c.buf.push('\t');
        put_json(&mut c.buf, &keywords);
        c.buf.push('\t');
        put(&mut c.buf, &pricing[i % pricing.len()]);
        write!(c.buf, "\t{created}\t{created}")?;
        c.end_row().await?;
    }
    summary.solutions = c.finish().await?;
    let n_sol = SOLUTIONS.len() as u64;
    let mut c =
        Copier::start(&mut tx, "industry_solutions", "industry_id, solution_id, created_at, updated_at").await?;
    for i in 0..n_ind {
        for k in 0..5 {
            let s = (i * 3 + k * 5) % n_sol;
            if k > 0 && (0..k).any(|j| (i * 3 + j * 5) % n_sol == s) {
                continue;
            }
            write!(c.buf, "{}\t{}\t{created}\t{created}", ind0 + 1 + i, sol0 + 1 + s)?;
            c.end_row().await?;
        }
    }
    c.finish().await?;

    // Companies: one per ten prospects, at least 20.
    let com0 = base["companies"];
    let n_com = (n / 10).max(20);
    let mut c =
        Copier::start(&mut tx, "companies", "id, name, industry_id, size, website, created_at, updated_at").await?;
    for i in 0..n_com {
        let word = rng.pick(COMPANY_WORDS);
        let suffix = rng.pick(COMPANY_SUFFIXES);
        let name =
            if i < COMPANY_WORDS.len() as u64 { format!("{word} {suffix}") } else { format!("{word} {suffix} {}", i) };
        let slug: String = name.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_lowercase();
        let website =
            if rng.chance(85) && !slug.is_empty() { Some(format!("https://{slug}.example.com")) } else { None };
        write!(c.buf, "{}\t", com0 + 1 + i)?;
        put(&mut c.buf, &name);
        write!(c.buf, "\t{}\t", ind0 + 1 + rng.below(n_ind))?;
        put(&mut c.buf, rng.pick::<&str>(SIZES));
        c.buf.push('\t');
        put_opt(&mut c.buf, website.as_deref());
        write!(c.buf, "\t{created}\t{created}")?;
        c.end_row().await?;
    }
    summary.companies = c.finish().await?;

    // Prospects.
    let pro0 = base["prospects"];
    let mut c = Copier::start(
        &mut tx,
        "prospects",
        "id, full_name, email, linkedin_url, location, company_id, last_contacted_at, is_active, status, created_at, updated_at",
    )
    .await?;
    for p in 0..n {
        let (name, local, _) = rng.pick(FIRST_LAST);
        let (_, _, dates) = interaction_plan(opts.seed, p, anchor);
        let company = com0 + 1 + rng.below(n_com);
        // Skew statuses towards the early stages, as a real pipeline is.
        let s = (rng.below(statuses.len() as u64) * rng.below(statuses.len() as u64 + 1)) / statuses.len() as u64;
        let status = &statuses[s as usize % statuses.len()];
        let last = dates.first().map(|d| {
            // The original tool often stored a date at midnight.
            if rng.chance(50) {
                d.date().and_hms_opt(0, 0, 0).unwrap()
            } else {
                *d
            }
        });
        let display = if p < FIRST_LAST.len() as u64 { name.to_string() } else { format!("{name} {}", p) };
        write!(c.buf, "{}\t", pro0 + 1 + p)?;
        put(&mut c.buf, &display);
        c.buf.push('\t');
        put(&mut c.buf, &format!("{local}{}@{}.example.com", p, ["mail", "corp", "biz"][p as usize % 3]));
        c.buf.push('\t');
        put_opt(
            &mut c.buf,
            rng.chance(70).then(|| format!("https://www.linkedin.com/in/{}-{p}", local.replace('.', "-"))).as_deref(),
        );
        c.buf.push('\t');
        put_opt(&mut c.buf, rng.chance(80).then(|| *rng.pick(CITIES)));
        write!(c.buf, "\t{company}\t")?;
        put_opt(&mut c.buf, last.map(ts).as_deref());
        write!(c.buf, "\t{}\t", if rng.chance(88) { "t" } else { "f" })?;
        put(&mut c.buf, status);
        write!(c.buf, "\t{created}\t{created}")?;
        c.end_row().await?;
    }
    summary.prospects = c.finish().await?;

    // Events: past and upcoming.
    let ev0 = base["events"];
    let n_ev = (20 + n / 1000).min(200);
    let mut c = Copier::start(
        &mut tx,
        "events",
        "id, event_type, event_date, description, location, target_industries, target_roles, solutions_featured, status, created_at, updated_at",
    )
    .await?;
    let mut past_events = Vec::new();
    for e in 0..n_ev {
        let offset_days = e as i64 * 540 / n_ev as i64 - 420; // ~3/4 past, 1/4 upcoming
        let date = (anchor + Duration::days(offset_days)).date().and_hms_opt(9 + (e % 8) as u32, 0, 0).unwrap();
        let kind = EVENT_TYPES[e as usize % EVENT_TYPES.len()];
        let city = CITIES[e as usize % CITIES.len()];
        let ind_a = INDUSTRIES[e as usize % INDUSTRIES.len()];
        let ind_b = INDUSTRIES[(e as usize + 5) % INDUSTRIES.len()];
        let target_industries = match e % 4 {
            0 => Some(json!([ind_a, ind_b])),
            1 => Some(json!([{"industry": ind_a, "priority": "high"}])),
            2 => Some(json!(ind_a)),
            _ => None,
        };
        let target_roles = if e % 5 == 4 {
            Some(Value::Null)
        } else {
            Some(json!([ROLES[e as usize % ROLES.len()], ROLES[(e as usize + 2) % ROLES.len()]]))
        };
        let s1 = SOLUTIONS[e as usize % SOLUTIONS.len()].0;
        let s2 = SOLUTIONS[(e as usize * 7 + 3) % SOLUTIONS.len()].0;
        let featured = match e % 3 {
            0 => Some(json!([s1, s2])),
            1 => Some(json!([{"solution": s1}, {"solution": s2}])),
            _ => Some(json!({"headline": s1})),
        };
        let status = if date < anchor {
            if e % 9 == 0 {
                "cancelled"
            } else {
                "completed"
            }
        } else if e % 2 == 0 {
            "registration_open"
        } else {
            "planned"
        };
        if date < anchor {
            past_events.push(ev0 + 1 + e);
        }
        let description = format!(
            "{} {kind} in {city} on {} for {ind_a} leaders: keynotes, customer stories and hands-on labs.",
            ["Spring", "Summer", "Autumn", "Winter"][e as usize % 4],
            s1
        );
        write!(c.buf, "{}\t", ev0 + 1 + e)?;
        put(&mut c.buf, kind);
        write!(c.buf, "\t{}\t", ts(date))?;
        put(&mut c.buf, &description);
        c.buf.push('\t');
        put(&mut c.buf, city);
        c.buf.push('\t');
        put_json(&mut c.buf, &target_industries);
        c.buf.push('\t');
        put_json(&mut c.buf, &target_roles);
        c.buf.push('\t');
        put_json(&mut c.buf, &featured);
        c.buf.push('\t');
        put(&mut c.buf, status);
        write!(c.buf, "\t{created}\t{created}")?;
        c.end_row().await?;
    }
    summary.events = c.finish().await?;

    // Interactions: regenerated from each prospect's plan.
    let int0 = base["interactions"];
    let mut next_id = int0;
    let mut c = Copier::start(
        &mut tx,
        "interactions",
        "id, prospect_id, event_id, interaction_type, interaction_date, subject, content, sentiment, outcome, created_at, updated_at",
    )
    .await?;
    let mut content = String::new();
    for p in 0..n {
        let (_, mut prng, dates) = interaction_plan(opts.seed, p, anchor);
        for (k, date) in dates.iter().enumerate() {
            next_id += 1;
            let itype = &itypes[prng.below(itypes.len() as u64) as usize];
            let event = if Some(itype) == event_itype.as_ref() && !past_events.is_empty() {
                Some(*prng.pick(&past_events))
            } else {
                None
            };
            content.clear();
            let sentences = 1 + prng.below(6) + if prng.chance(2) { 200 } else { 0 };
            for _ in 0..sentences {
                content.push_str(prng.pick::<&str>(SENTENCES));
                content.push(' ');
            }
            if p == 0 && k == 0 {
                // One pasted email carries terminal control sequences: Closer must show them inertly.
                content.push_str("\r\n-- pasted from mail client: \u{1b}]0;pwned\u{7}\u{1b}[2J\u{1b}[31mred\u{1b}[0m");
            }
            write!(c.buf, "{}\t{}\t", next_id, pro0 + 1 + p)?;
            put_opt(&mut c.buf, event.map(|e| e.to_string()).as_deref());
            c.buf.push('\t');
            put(&mut c.buf, itype);
            write!(c.buf, "\t{}\t", ts(*date))?;
            put(&mut c.buf, prng.pick::<&str>(SUBJECTS));
            c.buf.push('\t');
            put(&mut c.buf, content.trim_end());
            c.buf.push('\t');
            put_opt(&mut c.buf, prng.chance(75).then(|| *prng.pick(SENTIMENTS)));
            c.buf.push('\t');
            put_opt(&mut c.buf, prng.chance(60).then(|| *prng.pick(OUTCOMES)));
            write!(c.buf, "\t{0}\t{0}", ts(*date))?;
            c.end_row().await?;
        }
    }
    summary.interactions = c.finish().await?;

    // Drafts for about half the prospects, research for a quarter.
    let dr0 = base["outreach_drafts"];
    let mut c = Copier::start(
        &mut tx,
        "outreach_drafts",
        "id, prospect_id, event_id, draft_type, content, status, created_at, updated_at",
    )
    .await?;
    let mut id = dr0;
    for p in (0..n).filter(|p| p % 2 == 0) {
        id += 1;
        let dtype = DRAFT_TYPES[(p / 2) as usize % DRAFT_TYPES.len()];
        let status = DRAFT_STATUSES[(p / 2) as usize % DRAFT_STATUSES.len()];
        let event = (dtype == "event_invitation" && !past_events.is_empty()).then(|| ev0 + n_ev);
        let body = format!(
            "Hi {{first_name}},\n\nI noticed {{company}} is scaling its data platform. Teams like yours cut \
             infrastructure spend by 20-40% with {}.\n\nWould you have 20 minutes next week?\n\nBest,\nSam",
            SOLUTIONS[p as usize % SOLUTIONS.len()].0
        );
        let when = ts(anchor - Duration::hours(rng.below(24 * 90) as i64));
        write!(c.buf, "{id}\t{}\t", pro0 + 1 + p)?;
        put_opt(&mut c.buf, event.map(|e| e.to_string()).as_deref());
        c.buf.push('\t');
        put(&mut c.buf, dtype);
        c.buf.push('\t');
        put(&mut c.buf, &body);
        c.buf.push('\t');
        put(&mut c.buf, status);
        write!(c.buf, "\t{when}\t{when}")?;
        c.end_row().await?;
    }
    summary.drafts = c.finish().await?;

    let re0 = base["prospect_research"];
    let mut c = Copier::start(
        &mut tx,
        "prospect_research",
        "id, prospect_id, research_summary, key_insights, recommended_solutions, confidence_score, created_at, updated_at",
    )
    .await?;
    let mut id = re0;
    for p in (0..n).filter(|p| p % 4 == 1) {
        id += 1;
        let s = (p as usize * 7) % SOLUTIONS.len();
        let insights = match p % 5 {
            0 => Some(json!([
                "Cloud-first mandate from the board",
                "Legacy Oracle estate up for renewal",
                "Hiring data engineers"
            ])),
            1 => Some(
                json!([{"insight": "Expanding to APAC", "source": "press release"}, {"insight": "New CTO since March"}]),
            ),
            2 => Some(json!({"pain_points": ["cost", "latency"], "tech_stack": ["Java", "Oracle", "VMware"]})),
            3 => Some(json!("Growing fast; infrastructure team of 4 is stretched.")),
            _ => {
                if p % 8 == 1 {
                    Some(Value::Null)
                } else {
                    None
                }
            }
        };
        let recs = match p % 3 {
            0 => Some(
                json!([{"id": sol0 + 1 + s as u64, "name": SOLUTIONS[s].0, "reason": "Matches their migration plans"}]),
            ),
            1 => Some(json!([SOLUTIONS[s].0, SOLUTIONS[(s + 1) % SOLUTIONS.len()].0])),
            _ => Some(json!({"solution": SOLUTIONS[s].0})),
        };
        let confidence = (p % 7 != 6).then(|| 0.35 + (rng.below(60) as f64) / 100.0);
        let when = ts(anchor - Duration::hours(rng.below(24 * 120) as i64));
        write!(c.buf, "{id}\t{}\t", pro0 + 1 + p)?;
        put(&mut c.buf, "Mid-market company modernising its infrastructure; strong fit for managed data services and cost optimisation. Decision makers are cost-sensitive and need security evidence early.");
        c.buf.push('\t');
        put_json(&mut c.buf, &insights);
        c.buf.push('\t');
        put_json(&mut c.buf, &recs);
        c.buf.push('\t');
        put_opt(&mut c.buf, confidence.map(|c| format!("{c:.2}")).as_deref());
        write!(c.buf, "\t{when}\t{when}")?;
        c.end_row().await?;
    }
    summary.research = c.finish().await?;

    // LLM usage over the last ~180 days, ten calls per prospect.
    let us0 = base["llm_usage_logs"];
    let total_weight: u64 = MODELS.iter().map(|m| m.4).sum();
    let mut c = Copier::start(
        &mut tx,
        "llm_usage_logs",
        "id, worfklow_name, node_name, model, prompt_tokens, completion_tokens, total_tokens, latency_ms, cost, created_at, updated_at",
    )
    .await?;
    for i in 0..n * 10 {
        let (wf, nodes) = WORKFLOWS[if rng.chance(55) {
            0
        } else if rng.chance(80) {
            1
        } else {
            2
        }];
        let node = rng.pick(nodes);
        let mut w = rng.below(total_weight);
        let model = MODELS
            .iter()
            .find(|m| {
                if w < m.4 {
                    true
                } else {
                    w -= m.4;
                    false
                }
            })
            .unwrap();
        let prompt = 400 + rng.below(3600) as i64;
        let completion = 50 + rng.below(900) as i64;
        let latency = (model.3 as f64 * (0.4 + rng.unit() * 1.2) + (completion as f64) * 2.0) as i64;
        let latency = if rng.chance(1) { latency * 8 } else { latency };
        let cost = (prompt as f64 * model.1 + completion as f64 * model.2) / 1_000_000.0;
        // Usage grows over time: more recent days have more calls.
        let age_min = (rng.unit().powf(1.6) * 60.0 * 24.0 * 180.0) as i64;
        let when = ts(anchor - Duration::minutes(age_min));
        write!(
            c.buf,
            "{}\t{wf}\t{node}\t{}\t{prompt}\t{completion}\t{}\t{latency}\t{cost:.8}\t{when}\t{when}",
            us0 + 1 + i,
            model.0,
            prompt + completion
        )?;
        c.end_row().await?;
    }
    summary.usage_logs = c.finish().await?;

    for t in [
        "industries",
        "companies",
        "prospects",
        "solutions",
        "events",
        "interactions",
        "outreach_drafts",
        "prospect_research",
        "llm_usage_logs",
    ] {
        sqlx::query(&format!(
            "SELECT setval(pg_get_serial_sequence('{t}', 'id'), GREATEST((SELECT COALESCE(max(id), 0) FROM {t}), 1))"
        ))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    for t in ["prospects", "companies", "interactions", "llm_usage_logs", "outreach_drafts", "prospect_research"] {
        // VACUUM too: it sets the visibility map, so index-only scans work at once.
        sqlx::query(&format!("VACUUM ANALYZE {t}")).execute(&db.pool).await?;
    }
    Ok(summary)
}

/// Today at midnight UTC: the default anchor, so a dataset is stable within a day.
pub fn today_anchor() -> NaiveDateTime {
    let today: NaiveDate = chrono::Utc::now().date_naive();
    today.and_hms_opt(0, 0, 0).unwrap()
}
