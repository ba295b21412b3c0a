//! A small PDF text page (A4, base-14 Helvetica, WinAnsi, no font to embed): what an invoice
//! and a return label are drawn with. Long documents flow onto further pages.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};

/// One line of a text page: its text and whether it is set in bold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub text: String,
    pub bold: bool,
}

impl Line {
    pub fn plain(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            bold: false,
        }
    }

    pub fn bold(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            bold: true,
        }
    }
}

const WIDTH: f32 = 595.0;
const HEIGHT: f32 = 842.0;
const MARGIN: f32 = 56.0;
const LEADING: f32 = 15.0;
const LINES_PER_PAGE: usize = ((HEIGHT - 2.0 * MARGIN) / LEADING) as usize;

/// A PDF of `lines`, top to bottom, 10 pt (a bold line 12 pt).
pub fn text_pdf(title: &str, lines: &[Line]) -> Vec<u8> {
    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let regular = Ref::new(3);
    let bold = Ref::new(4);
    let info = Ref::new(5);
    let chunks: Vec<&[Line]> = if lines.is_empty() {
        vec![&[]]
    } else {
        lines.chunks(LINES_PER_PAGE).collect()
    };
    let pages: Vec<(Ref, Ref)> = (0..chunks.len())
        .map(|n| {
            let n = i32::try_from(n).unwrap_or(0);
            (Ref::new(6 + 2 * n), Ref::new(7 + 2 * n))
        })
        .collect();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(pages.iter().map(|(page, _)| *page))
        .count(i32::try_from(pages.len()).unwrap_or(1));
    pdf.document_info(info)
        .title(pdf_writer::TextStr(&ascii(title)))
        .producer(pdf_writer::TextStr("sentral"));
    for (kind, id) in [
        (b"Helvetica".as_slice(), regular),
        (b"Helvetica-Bold", bold),
    ] {
        pdf.type1_font(id)
            .base_font(Name(kind))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    for ((page_id, content_id), chunk) in pages.iter().zip(chunks) {
        let mut page = pdf.page(*page_id);
        page.media_box(Rect::new(0.0, 0.0, WIDTH, HEIGHT));
        page.parent(tree);
        page.contents(*content_id);
        let mut resources = page.resources();
        let mut fonts = resources.fonts();
        fonts.pair(Name(b"F1"), regular);
        fonts.pair(Name(b"F2"), bold);
        fonts.finish();
        resources.finish();
        page.finish();
        let mut content = Content::new();
        let mut y = HEIGHT - MARGIN;
        for line in chunk {
            content.begin_text();
            if line.bold {
                content.set_font(Name(b"F2"), 12.0);
            } else {
                content.set_font(Name(b"F1"), 10.0);
            }
            content.next_line(MARGIN, y);
            content.show(Str(ascii(&line.text).as_bytes()));
            content.end_text();
            y -= LEADING;
        }
        pdf.stream(*content_id, &content.finish());
    }
    pdf.finish()
}

/// `text` in printable ASCII (a WinAnsi subset any reader extracts alike); others become `?`.
fn ascii(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c == ' ' || c.is_ascii_graphic() {
                c
            } else {
                '?'
            }
        })
        .collect()
}

/// Cents as euros the way a Dutch invoice shows them: `EUR 1.234,56`, `EUR -12,00`.
pub fn euros(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    let whole = (abs / 100).to_string();
    let mut grouped = String::new();
    for (n, digit) in whole.chars().enumerate() {
        if n > 0 && (whole.len() - n).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(digit);
    }
    format!("EUR {sign}{grouped},{:02}", abs % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn euros_group_thousands_with_a_comma_for_cents() {
        assert_eq!(euros(0), "EUR 0,00");
        assert_eq!(euros(5), "EUR 0,05");
        assert_eq!(euros(123_456), "EUR 1.234,56");
        assert_eq!(euros(-1_200), "EUR -12,00");
        assert_eq!(euros(100_000_000), "EUR 1.000.000,00");
    }

    #[test]
    fn a_text_pdf_is_a_pdf_over_pages() {
        let lines: Vec<Line> = (0..120).map(|n| Line::plain(format!("line {n}"))).collect();
        let bytes = text_pdf("t", &lines);
        assert!(bytes.starts_with(b"%PDF-"));
        assert!(text_pdf("empty", &[]).starts_with(b"%PDF-"));
    }
}
