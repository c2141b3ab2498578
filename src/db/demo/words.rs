//! The word lists demo data is built from, kept apart from the code that
//! combines them so either can be read (and changed) alone. They mix
//! scripts, accents, emoji and legacy values on purpose: Closer must show
//! and search all of them. Changing any entry changes the generated rows,
//! and `tests/it/demo.rs` pins those.

pub(super) const INDUSTRIES: &[&str] = &[
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

/// (name, category, description); use cases and keywords are derived from
/// these in `catalogue.rs`, in several JSON shapes.
pub(super) const SOLUTIONS: &[(&str, &str, &str)] = &[
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

/// Prospect names in many scripts, with an ASCII local part for their email.
pub(super) const FIRST_LAST: &[(&str, &str, &str)] = &[
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

/// A company name is a word and a suffix (and a number once the words run out).
pub(super) const COMPANY_WORDS: &[&str] = &[
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
pub(super) const COMPANY_SUFFIXES: &[&str] =
    &["Inc.", "GmbH", "Ltd", "S.A.", "Group", "Labs", "Systems", "Holdings", "株式会社", "AG"];
pub(super) const SIZES: &[&str] = &["1-10", "11-50", "51-200", "201-500", "501-1000", "1001-5000", "5000+"];
pub(super) const CITIES: &[&str] = &[
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
pub(super) const EVENT_TYPES: &[&str] = &["conference", "webinar", "workshop", "roundtable", "trade show", "meetup"];
pub(super) const ROLES: &[&str] =
    &["CTO", "VP Engineering", "Head of Data", "CISO", "CFO", "IT Director", "Platform Lead"];
pub(super) const SENTIMENTS: &[&str] = &["positive", "neutral", "negative", "mixed"];
pub(super) const OUTCOMES: &[&str] = &[
    "Agreed to a follow-up call next week.",
    "Asked for pricing for 3 regions.",
    "Not interested this quarter; revisit in Q3.",
    "Forwarded to procurement.",
    "Requested a technical deep dive with the platform team.",
    "Signed up for the workshop.",
];
pub(super) const SUBJECTS: &[&str] = &[
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
/// Interaction notes are a few of these, or, rarely, a couple of hundred.
pub(super) const SENTENCES: &[&str] = &[
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
/// (workflow, its nodes): the names Closer's LLM usage logs carry.
pub(super) const WORKFLOWS: &[(&str, &[&str])] = &[
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
pub(super) const MODELS: &[(&str, f64, f64, u64, u64)] = &[
    ("gpt-4o-mini", 0.15, 0.60, 900, 40),
    ("gpt-4o", 2.50, 10.00, 2200, 15),
    ("claude-3-5-sonnet-20241022", 3.00, 15.00, 2600, 15),
    ("claude-3-5-haiku-20241022", 0.80, 4.00, 1100, 10),
    ("gemini-2.0-flash", 0.10, 0.40, 700, 10),
    ("mistral-large-latest", 2.00, 6.00, 1800, 5),
    ("llama-3.1-70b-instruct", 0.88, 0.88, 1500, 5),
];
pub(super) const DRAFT_TYPES: &[&str] = &["offer_email", "linkedin_message", "call_script", "event_invitation"];
/// Closer's draft workflow, plus legacy values the original tool wrote.
pub(super) const DRAFT_STATUSES: &[&str] = &["draft", "draft", "approved", "sent", "archived", "CREATED", "RESPONDED"];
