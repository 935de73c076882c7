//! CSV as HSDS data packages use it (RFC 4180): fields separated by commas, quoted with
//! `"` when they hold a comma, quote or line break, a quote inside doubled.

/// Parses `text` into rows of fields. A row ends at a line break outside quotes; a
/// final empty line is no row. `Err` names the 1-based line where a quoted field never
/// closes.
pub fn parse(text: &str) -> Result<Vec<Vec<String>>, usize> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let (mut line, mut quoted_from) = (1usize, None::<usize>);
    let mut in_quotes = false;
    let mut any = false;
    while let Some(c) = chars.next() {
        any = true;
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                '\n' => {
                    line += 1;
                    field.push(c);
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => {
                in_quotes = true;
                quoted_from = Some(line);
            }
            ',' => row.push(std::mem::take(&mut field)),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => {
                line += 1;
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
                any = false;
            }
            _ => field.push(c),
        }
    }
    if in_quotes {
        return Err(quoted_from.unwrap_or(line));
    }
    if any {
        row.push(field);
        rows.push(row);
    }
    Ok(rows)
}

/// Appends one row to `out`, quoting fields that need it.
pub fn write_row(out: &mut String, fields: &[&str]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if f.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&f.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(f);
        }
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_quotes_commas_and_line_breaks() {
        let mut out = String::new();
        write_row(&mut out, &["id", "name"]);
        write_row(&mut out, &["1", "Shelter, \"Safe\"\nHouse"]);
        write_row(&mut out, &["2", ""]);
        let rows = parse(&out).unwrap();
        assert_eq!(rows, vec![vec!["id", "name"], vec!["1", "Shelter, \"Safe\"\nHouse"], vec!["2", ""]]);
    }

    #[test]
    fn an_unclosed_quote_names_its_line() {
        assert_eq!(parse("a,b\n1,\"open\n2,3\n"), Err(2));
    }
}
