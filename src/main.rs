use clap::Parser;

fn main() {
    // color-eyre's hooks first: a panic restores the terminal (see tui.rs)
    // and then prints a full report.
    if let Err(e) = color_eyre::install() {
        eprintln!("closer: {e}");
    }
    let log = closer::logging::init();
    let cli = closer::cli::Cli::parse();
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(color_eyre::eyre::Report::from)
        .and_then(|rt| rt.block_on(closer::cli::run(cli)));
    if let Err(e) = result {
        // Errors a user can fix (a bad URL, an unreachable database, a config
        // key) read best as their message alone; the full report, with its
        // backtrace, goes to the log file.
        closer::tui::restore_if_entered();
        // The report is coloured for a terminal; the log file gets plain text.
        // Errors can quote a URL with its password (a config line, say):
        // masked for the log and the screen alike.
        let mask = closer::db::url::mask;
        tracing::error!("{}", mask(closer::logging::strip_ansi(&format!("{e:?}")).trim()));
        // Causes can quote the database or a provider: cleaned like any data.
        eprintln!("closer: {}", closer::sanitize::line(&mask(&e.to_string())));
        for cause in e.chain().skip(1) {
            eprintln!("  because: {}", closer::sanitize::line(&mask(&cause.to_string())));
        }
        if let Ok(path) = log {
            eprintln!("(details in {})", path.display());
        }
        std::process::exit(1);
    }
}
