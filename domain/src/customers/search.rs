//! Customer search text to an FTS5 query: what a person types must never be read as FTS5
//! syntax (quotes, `NEAR`, `*`, column filters), so it is cut into plain terms, each quoted and
//! matched as a prefix, all required.

use thiserror::Error;

pub const MAX_QUERY_CHARS: usize = 100;
pub const MAX_TERMS: usize = 8;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SearchError {
    #[error("search for 1 to {MAX_QUERY_CHARS} characters with at least one letter or digit")]
    Empty,
    #[error("search for at most {MAX_QUERY_CHARS} characters")]
    TooLong,
}

/// `alex@example.com` → `"alex"* "example"* "com"*`; `+44 7700` → `"44"* "7700"*`.
pub fn fts_query(raw: &str) -> Result<String, SearchError> {
    if raw.chars().count() > MAX_QUERY_CHARS {
        return Err(SearchError::TooLong);
    }
    let terms: Vec<String> = raw
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .take(MAX_TERMS)
        .map(|t| format!("\"{}\"*", t.to_lowercase()))
        .collect();
    if terms.is_empty() {
        return Err(SearchError::Empty);
    }
    Ok(terms.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_text_becomes_quoted_prefix_terms() {
        assert_eq!(fts_query("Alex Mor"), Ok(r#""alex"* "mor"*"#.into()));
        assert_eq!(fts_query("alex@example.com"), Ok(r#""alex"* "example"* "com"*"#.into()));
    }

    #[test]
    fn fts_syntax_is_only_ever_text() {
        assert_eq!(fts_query(r#"name:"x" OR NEAR(a*"#), Ok(r#""name"* "x"* "or"* "near"* "a"*"#.into()));
    }

    #[test]
    fn nothing_searchable_or_too_much_is_refused() {
        assert_eq!(fts_query(" -- "), Err(SearchError::Empty));
        assert_eq!(fts_query(&"a".repeat(101)), Err(SearchError::TooLong));
    }
}
