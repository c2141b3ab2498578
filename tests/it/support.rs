//! Test harness: one real PostgreSQL per test run (DATABASE_URL's server,
//! or a cluster started through Closer's own managed-cluster code), and a
//! fresh database per test, cloned from a migrated template.

use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

use closer::db::cluster::Cluster;
use closer::db::{Db, OpenOptions};
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgConnection};

const TEMPLATE: &str = "closer_it_template";

struct Server {
    /// URL of a database we can run CREATE DATABASE from.
    admin_url: String,
}

static SERVER: OnceLock<Server> = OnceLock::new();
static COUNTER: AtomicU32 = AtomicU32::new(0);
static TEMPLATE_READY: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();

pub use closer::db::url::with_database;

fn server() -> &'static Server {
    SERVER.get_or_init(|| {
        if let Ok(url) = std::env::var("DATABASE_URL") {
            if !url.is_empty() {
                return Server { admin_url: url };
            }
        }
        // The same managed-cluster code the app uses, with durability off.
        let root = std::env::temp_dir().join(format!("closer-it-{}", unsafe { libc::geteuid() }));
        let cluster = Cluster::at(root).expect("PostgreSQL binaries").with_test_settings();
        cluster.ensure_running().expect("start the test cluster");
        Server { admin_url: cluster.url("postgres") }
    })
}

async fn admin() -> PgConnection {
    PgConnectOptions::from_str(&server().admin_url).unwrap().connect().await.expect("connect to test server")
}

async fn ensure_template() {
    TEMPLATE_READY
        .get_or_init(|| async {
            let mut conn = admin().await;
            sqlx::query(&format!("DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)")).execute(&mut conn).await.unwrap();
            // Leftovers of earlier runs.
            let old: Vec<String> =
                sqlx::query_scalar("SELECT datname::text FROM pg_database WHERE datname LIKE 'closer_it_t%'")
                    .fetch_all(&mut conn)
                    .await
                    .unwrap();
            for db in old {
                let pid_part = db.split('_').nth(3).unwrap_or("");
                if pid_part != std::process::id().to_string() {
                    sqlx::query(&format!("DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)"))
                        .execute(&mut conn)
                        .await
                        .ok();
                }
            }
            sqlx::query(&format!("CREATE DATABASE {TEMPLATE}")).execute(&mut conn).await.unwrap();
            let (db, _) = Db::open(&with_database(&server().admin_url, TEMPLATE), &OpenOptions::default())
                .await
                .expect("migrate template");
            db.pool.close().await;
            conn.close().await.ok();
        })
        .await;
}

/// A new, empty database (no schema at all). Returns its URL.
pub async fn empty_database() -> String {
    let name = format!("closer_it_t_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst));
    let mut conn = admin().await;
    sqlx::query(&format!("CREATE DATABASE {name} TEMPLATE template0")).execute(&mut conn).await.unwrap();
    conn.close().await.ok();
    with_database(&server().admin_url, &name)
}

/// A new database with Closer's schema, opened. Returns the Db and its URL.
pub async fn fresh_db() -> (Db, String) {
    ensure_template().await;
    let name = format!("closer_it_t_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst));
    let mut conn = admin().await;
    sqlx::query(&format!("CREATE DATABASE {name} TEMPLATE {TEMPLATE}")).execute(&mut conn).await.unwrap();
    conn.close().await.ok();
    let url = with_database(&server().admin_url, &name);
    let (db, _) = Db::open(&url, &OpenOptions::default()).await.expect("open fresh db");
    (db, url)
}

/// A fresh database filled with demo data for `prospects` prospects.
pub async fn demo_db(prospects: u32) -> (Db, String) {
    let (db, url) = fresh_db().await;
    closer::db::demo::load(&db, &closer::db::demo::DemoOptions { prospects, seed: 7, anchor: anchor() })
        .await
        .expect("demo data");
    (db, url)
}

/// A fixed "today" so tests do not depend on the clock.
pub fn anchor() -> chrono::NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(2026, 6, 15).unwrap().and_hms_opt(0, 0, 0).unwrap()
}

pub async fn connect(url: &str) -> PgConnection {
    PgConnectOptions::from_str(url).unwrap().connect().await.unwrap()
}

/// A TCP proxy in front of the test server that can be cut and restored:
/// the database really becomes unreachable, with no mock in between.
pub struct Proxy {
    pub port: u16,
    upstream: Upstream,
    task: Option<tokio::task::JoinHandle<()>>,
}

#[derive(Clone)]
enum Upstream {
    Unix(std::path::PathBuf),
    Tcp(String),
}

impl Proxy {
    pub async fn start() -> Self {
        let url = server().admin_url.clone();
        let opts = PgConnectOptions::from_str(&url).unwrap();
        let upstream = match url.split("host=").nth(1).map(|h| h.split('&').next().unwrap().to_string()) {
            Some(dir) if dir.starts_with('/') => {
                Upstream::Unix(std::path::PathBuf::from(dir).join(format!(".s.PGSQL.{}", opts.get_port())))
            }
            _ => Upstream::Tcp(format!("{}:{}", opts.get_host(), opts.get_port())),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mut p = Self { port, upstream, task: None };
        p.serve(listener);
        p
    }

    fn serve(&mut self, listener: tokio::net::TcpListener) {
        let upstream = self.upstream.clone();
        self.task = Some(tokio::spawn(async move {
            let mut conns = tokio::task::JoinSet::new();
            loop {
                let Ok((mut client, _)) = listener.accept().await else { break };
                let upstream = upstream.clone();
                conns.spawn(async move {
                    match upstream {
                        Upstream::Unix(path) => {
                            if let Ok(mut server) = tokio::net::UnixStream::connect(path).await {
                                let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                            }
                        }
                        Upstream::Tcp(addr) => {
                            if let Ok(mut server) = tokio::net::TcpStream::connect(addr).await {
                                let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                            }
                        }
                    }
                });
            }
        }));
    }

    /// The URL of `database` through the proxy.
    pub fn url(&self, database: &str) -> String {
        let opts = PgConnectOptions::from_str(&server().admin_url).unwrap();
        format!("postgres://{}@127.0.0.1:{}/{database}?sslmode=disable", opts.get_username(), self.port)
    }

    /// Drops the listener and every open connection.
    pub fn cut(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort(); // aborting the accept loop drops its JoinSet, which aborts the connections
        }
    }

    pub async fn restore(&mut self) {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", self.port)).await.unwrap();
        self.serve(listener);
    }
}

/// The database name at the end of a URL.
pub fn database_name(url: &str) -> String {
    let base = url.split('?').next().unwrap();
    base.rsplit('/').next().unwrap().to_string()
}

/// Driving the app without a terminal: keys in, requests answered by the
/// real database, screens drawn on ratatui's TestBackend.
pub fn key(code: crossterm::event::KeyCode) -> closer::app::Action {
    closer::app::Action::Key(crossterm::event::KeyEvent::new(code, crossterm::event::KeyModifiers::NONE))
}

pub fn ch(c: char) -> closer::app::Action {
    key(crossterm::event::KeyCode::Char(c))
}

pub fn ctrl(c: char) -> closer::app::Action {
    closer::app::Action::Key(crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Char(c),
        crossterm::event::KeyModifiers::CONTROL,
    ))
}

/// Text as key presses (a newline is Enter).
pub fn typed(text: &str) -> Vec<closer::app::Action> {
    text.chars().map(|c| if c == '\n' { key(crossterm::event::KeyCode::Enter) } else { ch(c) }).collect()
}

/// Applies each action and answers every request it leads to.
pub async fn press(
    app: &mut closer::app::App,
    io: &closer::app::io::Io,
    actions: impl IntoIterator<Item = closer::app::Action>,
) {
    for a in actions {
        let requests = app.update(a);
        io.settle(app, requests).await;
    }
}

/// The app drawn at its own terminal size, as text.
pub fn screen(app: &closer::app::App) -> String {
    closer::ui::buffer_text(&closer::ui::render_to_buffer(app, app.state.size.0, app.state.size.1))
}
