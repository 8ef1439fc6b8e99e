//! Lexical helpers that read a GraphQL document's text without parsing it: the token count
//! that bounds what the parser and the later checks may be given, and the name of the first
//! operation for the request log.

/// Counts GraphQL tokens (names, numbers, strings, punctuators), stopping once past `max`.
pub fn count_tokens(query: &str, max: usize) -> usize {
    let bytes = query.as_bytes();
    let (mut i, mut tokens) = (0, 0);
    while i < bytes.len() && tokens <= max {
        match bytes[i] {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => i += 1,
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    i += if bytes[i..].starts_with(b"\\\"\"\"") { 4 } else { 1 };
                }
                i += 3;
                tokens += 1;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                tokens += 1;
            }
            b'.' if bytes[i..].starts_with(b"...") => {
                i += 3;
                tokens += 1;
            }
            b if b == b'_' || b.is_ascii_alphanumeric() || b == b'-' => {
                i += 1;
                while i < bytes.len() && (bytes[i] == b'_' || bytes[i].is_ascii_alphanumeric() || matches!(bytes[i], b'.' | b'+' | b'-')) {
                    i += 1;
                }
                tokens += 1;
            }
            _ => {
                // A punctuator, or a character the parser will refuse: one token either way.
                i += query[i..].chars().next().map_or(1, char::len_utf8);
                tokens += 1;
            }
        }
    }
    tokens
}

/// The name of a document's first operation, read from its text without parsing it (for the
/// request log, when the request names no operation): `Named` in `query Named { … }`.
pub fn first_operation_name(query: &str) -> Option<&str> {
    fn skip_ignored(s: &str) -> &str {
        let mut s = s.trim_start_matches(|c: char| c.is_whitespace() || c == ',' || c == '\u{feff}');
        while let Some(comment) = s.strip_prefix('#') {
            s = comment.split_once('\n').map_or("", |(_, rest)| rest).trim_start_matches(|c: char| c.is_whitespace() || c == ',');
        }
        s
    }
    let name_len = |s: &str| s.find(|c: char| !(c == '_' || c.is_ascii_alphanumeric())).unwrap_or(s.len());
    let s = skip_ignored(query);
    let keyword = &s[..name_len(s)];
    if !matches!(keyword, "query" | "mutation" | "subscription") {
        return None;
    }
    let s = skip_ignored(&s[keyword.len()..]);
    let name = &s[..name_len(s)];
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_names_numbers_strings_and_punctuators_and_comments_do_not_count() {
        assert_eq!(count_tokens("{ a b }", 100), 4);
        assert_eq!(count_tokens("query Q($n: Int = -12.5e3) { f(first: $n) @skip(if: true) }", 100), 26);
        assert_eq!(count_tokens("# a comment with many words\n{ a }", 100), 3);
        assert_eq!(count_tokens(r#"{ f(s: "a \" b, c") }"#, 100), 8);
        assert_eq!(count_tokens("{ f(s: \"\"\"block \\\"\"\" with, commas\"\"\") }", 100), 8);
        assert_eq!(count_tokens("{ ...F }", 100), 4);
        assert_eq!(count_tokens(&"a ".repeat(10_000), 50), 51, "counting stops past the limit");
    }

    #[test]
    fn the_first_operation_name_is_read_from_the_text() {
        assert_eq!(first_operation_name("query Named { a }"), Some("Named"));
        assert_eq!(first_operation_name("  # c\n mutation\n  Do_1($x: Int) { a }"), Some("Do_1"));
        assert_eq!(first_operation_name("subscription S { a }"), Some("S"));
        assert_eq!(first_operation_name("query { a }"), None);
        assert_eq!(first_operation_name("{ a }"), None);
        assert_eq!(first_operation_name("fragment F on Query { a } query Q { ...F }"), None);
    }
}
