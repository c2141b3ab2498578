//! UI panes.
