//! `closer-bench --only import`: imports a generated CSV of 100,000
//! prospects at 10,000 companies into an empty database with Closer's
//! schema and indexes, and in the same run loads the same file with psql's
//! `\copy` into a scratch table of text columns (the floor: no checks, no
//! de-duplication, no indexes). Both are timed end to end as processes
//! (start, connect, read, write, commit); then the same import again (all
//! duplicates) and a dry run, and the import's peak memory.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use color_eyre::eyre::{bail, Result, WrapErr};

use crate::db::demo::Rng;
use crate::db::url::with_database;
use crate::db::{Db, OpenOptions};

const SCRATCH_DB: &str = "closer_bench_import";
const PROSPECTS: u64 = 100_000;
const COMPANIES: u64 = 10_000;

pub async fn run(bench_url: &str) -> Result<()> {
    println!(
        "\nimport: {PROSPECTS} prospects at {COMPANIES} companies from CSV, against psql \\copy of the same file:"
    );
    let url = with_database(bench_url, SCRATCH_DB);
    {
        use sqlx::{ConnectOptions, Connection};
        let mut conn = <sqlx::postgres::PgConnectOptions as std::str::FromStr>::from_str(bench_url)?.connect().await?;
        sqlx::query(&format!("DROP DATABASE IF EXISTS {SCRATCH_DB} WITH (FORCE)")).execute(&mut conn).await?;
        sqlx::query(&format!("CREATE DATABASE {SCRATCH_DB}")).execute(&mut conn).await?;
        conn.close().await?;
    }
    let (db, _) = Db::open(&url, &OpenOptions::default()).await?;
    let file = std::env::temp_dir().join(format!("closer-bench-import-{}.csv", std::process::id()));
    let bytes = generate(&file)?;
    println!("  file: {} ({:.1} MB)", file.display(), bytes as f64 / 1e6);

    sqlx::query(
        "CREATE TABLE bench_scratch (full_name text, email text, company text, industry text, size text,
             website text, linkedin_url text, location text, status text, is_active text, last_contacted_at text)",
    )
    .execute(&db.pool)
    .await?;
    let psql = psql_binary();
    let copy = format!("\\copy bench_scratch FROM '{}' WITH (FORMAT csv, HEADER true)", file.display());
    let t = Instant::now();
    let out = std::process::Command::new(&psql)
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", &libpq_url(&url), "-c", &copy])
        .output()
        .wrap_err_with(|| format!("cannot run {}", psql.display()))?;
    let psql_s = t.elapsed().as_secs_f64();
    if !out.status.success() {
        bail!("psql failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let copied: i64 = sqlx::query_scalar("SELECT count(*) FROM bench_scratch").fetch_one(&db.pool).await?;
    println!("  psql \\copy into a scratch table (text columns, no index): {psql_s:>6.2} s ({copied} rows)");

    // The product binary, built beside this one (`cargo build --release --features test-support`).
    let closer = std::env::current_exe()?.with_file_name("closer");
    if !closer.exists() {
        bail!("{} is missing: build it first with `cargo build --release --features test-support`", closer.display());
    }
    let run = |args: &[&str]| -> Result<(f64, u64, String)> {
        let t = Instant::now();
        let out = std::process::Command::new(&closer)
            .args(["--database-url", &url, "import", "prospects"])
            .arg(&file)
            .args(args)
            .output()?;
        let secs = t.elapsed().as_secs_f64();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        if !out.status.success() {
            bail!("closer import failed: {stdout}{}", String::from_utf8_lossy(&out.stderr));
        }
        Ok((secs, children_max_rss_kib(), stdout))
    };
    let (first, rss, summary) = run(&[])?;
    let n = db.counts().await?;
    println!(
        "  closer import (checks, de-duplication, companies, one transaction): {first:>6.2} s = {:.1}x psql; \
         {} prospects, {} companies; peak RSS {} MiB",
        first / psql_s,
        n.prospects,
        n.companies,
        rss / 1024
    );
    if n.prospects != PROSPECTS as i64 || n.companies != COMPANIES as i64 {
        bail!(
            "the import wrote {} prospects and {} companies; expected {PROSPECTS} and {COMPANIES}:\n{summary}",
            n.prospects,
            n.companies
        );
    }
    let (again, _, _) = run(&[])?;
    println!("  the same file again (all {PROSPECTS} skipped as duplicates):      {again:>6.2} s");
    let (dry, _, _) = run(&["--dry-run", "--on-duplicate", "update"])?;
    println!("  dry run with --on-duplicate update (all unchanged):           {dry:>6.2} s");
    db.pool.close().await;
    let _ = std::fs::remove_file(&file);
    Ok(())
}

/// The CSV: unique emails, one company per ten prospects, twelve industries.
fn generate(path: &Path) -> Result<u64> {
    use std::io::Write;
    const INDUSTRIES: [&str; 12] = [
        "Software",
        "Retail",
        "Manufacturing",
        "Healthcare",
        "Financial Services",
        "Education",
        "Logistics",
        "Energy",
        "Media",
        "Telecommunications",
        "Hospitality",
        "Public Sector",
    ];
    const FIRST: [&str; 10] = ["Ana", "Bruno", "Chloé", "Dmitri", "Emma", "Fatima", "Grace", "Hiro", "Ines", "João"];
    const LAST: [&str; 10] =
        ["Lima", "Díaz", "Martin", "Ivanov", "Smith", "Haddad", "Hopper", "Tanaka", "Nowak", "Silva"];
    const STATUS: [&str; 6] = ["new", "researched", "contacted", "engaged", "qualified", "inactive"];
    let mut rng = Rng::new(2026);
    let mut w = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut line = String::with_capacity(256);
    writeln!(
        w,
        "full_name,email,company,industry,size,website,linkedin_url,location,status,is_active,last_contacted_at"
    )?;
    for i in 0..PROSPECTS {
        line.clear();
        let (f, l) = (rng.pick(&FIRST), rng.pick(&LAST));
        let c = i % COMPANIES;
        let contacted =
            if rng.chance(30) { String::new() } else { format!("2026-{:02}-{:02}", 1 + i % 12, 1 + i % 28) };
        let _ = write!(
            line,
            "{f} {l} {i},{}.{}{i}@example.com,Company {c} Ltd,{},{}-{},https://company{c}.example.com,\
             https://www.linkedin.com/in/{}-{}-{i},\"City {}, XX\",{},{},{contacted}",
            f.to_lowercase(),
            l.to_lowercase(),
            INDUSTRIES[(c % 12) as usize],
            10 * (1 + c % 5),
            50 * (1 + c % 5),
            f.to_lowercase(),
            l.to_lowercase(),
            i % 300,
            STATUS[(i % 6) as usize],
            i % 10 != 0
        );
        writeln!(w, "{line}")?;
    }
    w.flush()?;
    Ok(std::fs::metadata(path)?.len())
}

fn psql_binary() -> PathBuf {
    crate::db::cluster::find_binaries()
        .map(|d| d.join("psql"))
        .ok()
        .filter(|p| p.is_file())
        .unwrap_or_else(|| PathBuf::from("psql"))
}

/// sqlx's `?host=/socket/dir` is libpq's too; only the scheme differs in spelling.
fn libpq_url(url: &str) -> String {
    url.replacen("postgresql://", "postgres://", 1)
}

/// The largest resident set of any child that has exited (KiB).
fn children_max_rss_kib() -> u64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes a rusage struct into the pointer it is given.
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_CHILDREN, usage.as_mut_ptr());
        usage.assume_init()
    };
    usage.ru_maxrss.max(0) as u64
}
