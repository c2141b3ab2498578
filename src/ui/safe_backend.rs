//! The last line of defence between Closer and the terminal: a backend that
//! passes every cell to the real one with any unsafe character (control,
//! bidi, invisible; see [`crate::sanitize::is_unsafe`]) removed. Panes
//! already draw database text through `sanitize`; this makes sure a pane
//! that forgets, or a widget that draws text by itself (tui-textarea), still
//! cannot put an escape sequence on the user's terminal.

use std::io;

use ratatui::backend::{Backend, ClearType, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};

use crate::sanitize::is_unsafe;

pub struct SafeBackend<B: Backend> {
    inner: B,
}

impl<B: Backend> SafeBackend<B> {
    pub fn new(inner: B) -> Self {
        Self { inner }
    }

    pub fn inner(&self) -> &B {
        &self.inner
    }
}

/// The cell as it may reach the terminal: unchanged when safe (the common
/// case, no allocation), else with the unsafe characters removed (a blank
/// when nothing is left).
pub fn safe_cell(cell: &Cell) -> Option<Cell> {
    let symbol = cell.symbol();
    if !symbol.chars().any(is_unsafe) {
        return None;
    }
    let kept: String = symbol.chars().filter(|c| !is_unsafe(*c)).collect();
    let mut clean = cell.clone();
    clean.set_symbol(if kept.is_empty() { " " } else { &kept });
    Some(clean)
}

impl<B: Backend> Backend for SafeBackend<B> {
    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        // Cleaned cells must outlive the iterator handed on, so collect them.
        let cells: Vec<(u16, u16, std::borrow::Cow<'a, Cell>)> = content
            .map(|(x, y, c)| match safe_cell(c) {
                None => (x, y, std::borrow::Cow::Borrowed(c)),
                Some(clean) => (x, y, std::borrow::Cow::Owned(clean)),
            })
            .collect();
        self.inner.draw(cells.iter().map(|(x, y, c)| (*x, *y, c.as_ref())))
    }

    fn append_lines(&mut self, n: u16) -> io::Result<()> {
        self.inner.append_lines(n)
    }
    fn hide_cursor(&mut self) -> io::Result<()> {
        self.inner.hide_cursor()
    }
    fn show_cursor(&mut self) -> io::Result<()> {
        self.inner.show_cursor()
    }
    fn get_cursor_position(&mut self) -> io::Result<Position> {
        self.inner.get_cursor_position()
    }
    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        self.inner.set_cursor_position(position)
    }
    fn clear(&mut self) -> io::Result<()> {
        self.inner.clear()
    }
    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        self.inner.clear_region(clear_type)
    }
    fn size(&self) -> io::Result<Size> {
        self.inner.size()
    }
    fn window_size(&mut self) -> io::Result<WindowSize> {
        self.inner.window_size()
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use ratatui::backend::TestBackend;
    use ratatui::widgets::Paragraph;
    use ratatui::Terminal;

    use super::*;

    #[test]
    fn no_unsafe_character_reaches_the_backend() {
        let mut term = Terminal::new(SafeBackend::new(TestBackend::new(40, 2))).unwrap();
        term.draw(|f| {
            // Paragraph puts symbols into cells as they are: the raw text
            // would carry ESC, C1 CSI, bidi and zero-width characters.
            f.render_widget(Paragraph::new("a\u{1b}]0;t\u{7}b\u{9b}c\u{202E}d\u{200B}e"), f.area())
        })
        .unwrap();
        let buf = term.backend().inner().buffer();
        for cell in buf.content() {
            assert!(!cell.symbol().chars().any(is_unsafe), "unsafe symbol {:?}", cell.symbol());
        }
    }
}
