//! Background watchers: new usage rows while the cost dashboard is open,
//! and the connection monitor that says when the database is back.

use std::time::Duration;

use crate::app::action::{Action, Loaded};

use super::Io;

/// How often the open dashboard checks for new usage rows.
const USAGE_POLL: Duration = Duration::from_secs(3);

impl Io {
    /// Polls for new usage rows every few seconds while the dashboard is
    /// open (rows may come from this Closer's jobs, another Closer or the
    /// original tool; polling needs no trigger in a shared database).
    pub(super) fn watch_usage(&self, on: bool) {
        use std::sync::atomic::Ordering;
        self.usage_watch.store(on, Ordering::SeqCst);
        if !on || self.usage_watch_running.swap(true, Ordering::SeqCst) {
            return;
        }
        let this = self.clone();
        tokio::spawn(async move {
            let mut seen = this.db.usage_high_water().await.ok().flatten();
            while this.usage_watch.load(Ordering::SeqCst) {
                tokio::time::sleep(USAGE_POLL).await;
                if !this.usage_watch.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(now) = this.db.usage_high_water().await {
                    if now != seen {
                        seen = now;
                        let _ = this.tx.send(Action::Loaded(Box::new(Loaded::UsageChanged)));
                    }
                }
            }
            this.usage_watch_running.store(false, Ordering::SeqCst);
        });
    }

    /// Pings with backoff until the database answers, then says so once.
    pub(super) fn watch_connection(&self) {
        use std::sync::atomic::Ordering;
        if self.monitor_running.swap(true, Ordering::SeqCst) {
            return;
        }
        let this = self.clone();
        tokio::spawn(async move {
            let mut delay = Duration::from_millis(250);
            loop {
                tokio::time::sleep(delay).await;
                if this.db.ping().await {
                    this.monitor_running.store(false, Ordering::SeqCst);
                    let _ = this.tx.send(Action::Connection { up: true });
                    return;
                }
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        });
    }
}
