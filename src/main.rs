use clap::Parser;

fn main() -> color_eyre::Result<()> {
    color_eyre::install()?;
    closer::logging::init()?;
    let cli = closer::cli::Cli::parse();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(closer::cli::run(cli))
}
