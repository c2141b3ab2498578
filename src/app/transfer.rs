//! `I` (import) and `E` (export) on the prospects view. Export is one
//! request; import is a popup in stages (`popups/import.rs`). Every file
//! and database step is a request to the I/O layer; the event loop never
//! waits on one.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::io::Request;
use super::popups::import::ImportPopup;
use super::state::{Popup, View};
use super::{App, Command};
use crate::db::export::ExportFilter;
use crate::export::ExportEntity;

/// Stops a running import (it rolls back). Shared by the popup and the
/// request; equal when it is the same flag.
#[derive(Debug, Clone, Default)]
pub struct CancelFlag(Arc<AtomicBool>);

impl CancelFlag {
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    pub fn flag(&self) -> Arc<AtomicBool> {
        self.0.clone()
    }
}

impl PartialEq for CancelFlag {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl App {
    /// `I` and `E`; returns true when the command was one of them.
    pub(super) fn transfer_command(&mut self, command: Command, out: &mut Vec<Request>) -> bool {
        match command {
            Command::Import if self.state.view == View::Prospects => {
                self.state.popup = Some(Popup::Import(Box::new(ImportPopup::new())));
            }
            Command::Export if self.state.view == View::Prospects => {
                let filter = ExportFilter {
                    prospects: self.state.prospects.filter.clone(),
                    sort: Some(self.state.prospects.sort),
                    ..Default::default()
                };
                self.state.status.message = Some("exporting the prospects list…".into());
                out.push(Request::ExportList { entity: ExportEntity::Prospects, filter });
            }
            Command::Import | Command::Export => {
                self.state.status.message = Some(format!(
                    "{} works on the prospects list ({}); from the command line: closer {} …",
                    self.keys.label(command),
                    self.keys.label(Command::ViewProspects),
                    command.name()
                ));
            }
            _ => return false,
        }
        true
    }
}
