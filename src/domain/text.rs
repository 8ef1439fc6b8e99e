//! Text hygiene: every text input is normalised to NFC, and characters that have no business
//! in it are refused with `BAD_USER_INPUT` before anything is written (a NUL byte fails on
//! Postgres and is stored silently by SQLite; a zero-width space or a bidi override makes two
//! different emails look the same; a name of control characters shows as nothing).
//!
//! - Free text (`values::text`): NFC; no control characters but tab, line feed and carriage
//!   return; at least one visible character.
//! - Emails: NFC, lower case; no control, format (zero-width, bidi, soft hyphen) or
//!   whitespace characters.

use unicode_normalization::UnicodeNormalization;

use super::error::{DomainError, DomainResult};

/// NFC form of `raw` (cheap when it already is: the quick check answers for ASCII at once).
pub fn nfc(raw: &str) -> String {
    if unicode_normalization::is_nfc_quick(raw.chars()) == unicode_normalization::IsNormalized::Yes {
        raw.to_owned()
    } else {
        raw.nfc().collect()
    }
}

/// Whether `c` is invisible by design: Unicode format characters (category Cf: soft hyphen,
/// zero-width space and joiners, bidi embeddings, overrides and isolates, the BOM, tags…) and
/// the fillers that render as blank.
pub fn is_invisible(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x034F | 0x061C | 0x115F | 0x1160 | 0x17B4 | 0x17B5 | 0x180B..=0x180F
        | 0x0600..=0x0605 | 0x06DD | 0x070F | 0x0890 | 0x0891 | 0x08E2
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F
        | 0x2800 | 0x3164 | 0xFE00..=0xFE0F | 0xFEFF | 0xFFA0 | 0xFFF9..=0xFFFB
        | 0x110BD | 0x110CD | 0x13430..=0x1343F | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A
        | 0xE0001 | 0xE0020..=0xE007F | 0xE0100..=0xE01EF)
}

/// Whether `c` shows as something.
pub fn is_visible(c: char) -> bool {
    !c.is_whitespace() && !c.is_control() && !is_invisible(c)
}

/// Checks free text: refuses NUL and other control characters (tab, line feed and carriage
/// return aside) and text with nothing visible in it.
pub fn check_free_text(field: &str, value: &str) -> DomainResult<()> {
    if let Some(c) = value.chars().find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')) {
        let what = if c == '\0' {
            "must not contain NUL bytes".to_owned()
        } else {
            format!("must not contain control characters (U+{:04X})", c as u32)
        };
        return Err(DomainError::bad_input(field, what));
    }
    if !value.is_empty() && !value.chars().any(is_visible) {
        return Err(DomainError::bad_input(field, "must contain visible characters"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_text_refuses_nul_controls_and_invisible_only_text() {
        assert!(check_free_text("t", "Hello\n\tworld").is_ok());
        assert!(check_free_text("t", "a\0b").is_err());
        assert!(check_free_text("t", "\u{1}\u{2}\u{7f}").is_err());
        assert!(check_free_text("t", "\u{200b}\u{202e}\u{ad}").is_err());
        assert!(check_free_text("t", "سلام \u{200f}").is_ok());
    }

    #[test]
    fn nfc_composes() {
        assert_eq!(nfc("e\u{301}"), "\u{e9}");
        assert_eq!(nfc("plain"), "plain");
    }
}
