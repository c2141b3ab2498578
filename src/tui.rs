//! The terminal: raw mode and the alternate screen on entry, and restored on
//! every way out, including panics and error reports (installed before
//! color-eyre prints anything).

use std::io::{self, Stdout};

use color_eyre::eyre::Result;
use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::terminal::{self, EnterAlternateScreen, LeaveAlternateScreen};
use crossterm::{cursor, execute};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;

use crate::ui::safe_backend::SafeBackend;

/// Every frame passes through [`SafeBackend`]: no unsafe character reaches the terminal.
pub type Term = Terminal<SafeBackend<CrosstermBackend<Stdout>>>;

static ENTERED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

pub fn enter() -> Result<Term> {
    install_restore_hooks();
    ENTERED.store(true, std::sync::atomic::Ordering::SeqCst);
    terminal::enable_raw_mode()?;
    execute!(io::stdout(), EnterAlternateScreen, EnableMouseCapture, cursor::Hide)?;
    let mut term = Terminal::new(SafeBackend::new(CrosstermBackend::new(io::stdout())))?;
    term.clear()?;
    Ok(term)
}

/// Restores the terminal if the UI had taken it over (before printing an error).
pub fn restore_if_entered() {
    if ENTERED.swap(false, std::sync::atomic::Ordering::SeqCst) {
        restore();
    }
}

/// Leaves the alternate screen and raw mode. Safe to call more than once.
pub fn restore() {
    let _ = execute!(io::stdout(), DisableMouseCapture, LeaveAlternateScreen, cursor::Show);
    let _ = terminal::disable_raw_mode();
}

fn install_restore_hooks() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    });
}
