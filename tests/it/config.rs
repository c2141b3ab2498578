//! Configuration errors name the key and the file.

use std::path::Path;

use closer::config::Config;

#[test]
fn defaults_parse_and_every_section_is_present() {
    let c = Config::defaults();
    assert_eq!(c.database.url, "");
    assert_eq!(c.llm.api_key_env, "OPENAI_API_KEY");
    assert!(c.ui.page_size >= 10);
}

#[test]
fn unknown_key_names_key_and_file() {
    let err = Config::from_str("[database]\nurll = \"x\"\n", Path::new("/tmp/my.toml")).unwrap_err().to_string();
    assert!(err.contains("database.urll") && err.contains("/tmp/my.toml"), "{err}");
    let err = Config::from_str("[colours]\n", Path::new("c.toml")).unwrap_err().to_string();
    assert!(err.contains("`colours`"), "{err}");
    let err = Config::from_str("[ui.keys]\nfly = [\"f\"]\n", Path::new("c.toml")).unwrap_err().to_string();
    assert!(err.contains("ui.keys.fly"), "{err}");
}

#[test]
fn bad_values_are_named() {
    let cases = [
        ("[database]\nmax_connections = \"many\"\n", "max_connections"),
        ("[database]\nurl = \"mysql://x\"\n", "database.url"),
        ("[llm]\nbase_url = \"ftp://x\"\n", "llm.base_url"),
        ("[ui.theme]\naccent = \"plaid\"\n", "ui.theme.accent"),
        ("[ui.keys]\nquit = [\"Hyper-q\"]\n", "ui.keys.quit"),
        ("[ui.keys]\nquit = [\"j\"]\n", "also bound"),
        ("not toml at all", "c.toml"),
    ];
    for (text, needle) in cases {
        let err = Config::from_str(text, Path::new("c.toml")).unwrap_err().to_string();
        assert!(err.contains(needle), "{text:?}: {err}");
        assert!(err.contains("c.toml"), "{text:?}: {err}");
    }
}

#[test]
fn user_values_override_defaults_and_prices_are_open() {
    let c = Config::from_str(
        "[llm]\nmodel = \"llama3\"\n[llm.prices.\"my-model\"]\ninput = 1.0\noutput = 2.0\n[ui.keys]\nquit = [\"Q\"]\n",
        Path::new("c.toml"),
    )
    .unwrap();
    assert_eq!(c.llm.model, "llama3");
    assert_eq!(c.llm.prices["my-model"].output, 2.0);
    assert_eq!(c.database.max_connections, 8, "untouched keys keep their defaults");
    let keys = c.key_bindings();
    assert_eq!(keys.label(closer::app::Command::Quit), "Q");
}

/// A config line the parser rejects is quoted in the error: a password in
/// it must not reach the screen or the log.
#[test]
fn a_parse_error_does_not_quote_a_password() {
    let err = Config::from_str("[database]\nurl = \"postgres://me:hunter2@db.example/sales\n", Path::new("c.toml"))
        .unwrap_err();
    let text = format!("{err:?} {err}");
    assert!(!text.contains("hunter2"), "{text}");
    assert!(text.contains("c.toml"), "{text}");
}
