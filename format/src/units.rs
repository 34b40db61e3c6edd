//! Units shown to people, the same in the CLI and the app, and the escaping that makes
//! stored text safe to show on a terminal.

use std::borrow::Cow;
use std::fmt::Write as _;

use crate::canonical::Digest;

/// Bytes in B, KB, MB, GB, TB (powers of 1000, one decimal).
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut x = bytes as f64;
    let mut unit = 0;
    while x >= 1000.0 && unit < UNITS.len() - 1 {
        x /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{x:.1} {}", UNITS[unit])
    }
}

/// A content id for lists: `sha256:` and the first 12 hex digits.
pub fn short_digest(digest: &Digest) -> String {
    format!("sha256:{}", &digest.hex()[..12])
}

/// The first line of a text (a description, a reason); empty for an empty text.
pub fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

/// Whether a character must not reach a terminal as it is: it moves the cursor, changes
/// colours or the title, rings the bell, ends the line, or reorders what follows.
///
/// - C0 controls (U+0000 to U+001F: ESC, BEL, CR, LF, TAB…) and DEL (U+007F);
/// - C1 controls (U+0080 to U+009F, e.g. the one-character CSI U+009B);
/// - bidirectional controls that make text display in another order than it is stored:
///   the embeddings and overrides U+202A to U+202E (RLO is U+202E), the isolates U+2066
///   to U+2069, and the marks U+200E, U+200F and U+061C;
/// - the line and paragraph separators U+2028 and U+2029.
pub fn is_terminal_unsafe(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}'
        | '\u{7f}'..='\u{9f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}'
        | '\u{200e}' | '\u{200f}' | '\u{061c}'
        | '\u{2028}' | '\u{2029}')
}

/// `text` as it can be shown on a terminal: every character [`is_terminal_unsafe`] names
/// is written as an escape (`\n`, `\r`, `\t`, `\e` for ESC, `\x07` for other ASCII
/// controls and DEL, `\u{202e}` for the others), as `git` and `ls` show such names.
/// Everything else, backslashes included, is kept. Borrowed when nothing needs escaping,
/// which is the common case.
///
/// Text read from a registry can come from anyone who can write to the bucket; printed
/// raw, an escape sequence in a description or an actor could clear the screen, retitle
/// the window, or forge lines of `shelf log`. JSON output is exact and never escaped this
/// way (JSON has its own escapes).
pub fn terminal_safe(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_terminal_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{1b}' => out.push_str("\\e"),
            c if is_terminal_unsafe(c) && (c as u32) < 0x80 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if is_terminal_unsafe(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(human_size(999), "999 B");
        assert_eq!(human_size(524_288), "524.3 KB");
        assert_eq!(human_size(1_073_741_824), "1.1 GB");
    }

    #[test]
    fn short_digests_and_first_lines() {
        let d = Digest::of(b"x");
        assert_eq!(short_digest(&d), format!("sha256:{}", &d.hex()[..12]));
        assert_eq!(first_line("one\ntwo"), "one");
        assert_eq!(first_line("one\r\ntwo"), "one");
        assert_eq!(first_line(""), "");
    }

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        for text in [
            "",
            "fraud@7 sha256:ab12",
            "déjà vu — naïve 模型 🚀",
            r"C:\models\new",
            "a\u{a0}b",
        ] {
            assert!(matches!(terminal_safe(text), Cow::Borrowed(t) if t == text));
        }
    }

    #[test]
    fn controls_are_escaped() {
        let cases = [
            ("\u{1b}[2J\u{1b}]0;pwned\u{7}", r"\e[2J\e]0;pwned\x07"),
            ("safe model\rEVIL!", r"safe model\rEVIL!"),
            ("evil\nFAKE LINE", r"evil\nFAKE LINE"),
            ("a\tb", r"a\tb"),
            ("nul\u{0}del\u{7f}", r"nul\x00del\x7f"),
            ("csi\u{9b}31m nel\u{85}", r"csi\u{9b}31m nel\u{85}"),
            ("\u{202e}gpj.exe", r"\u{202e}gpj.exe"),
            (
                "\u{202a}\u{202b}\u{202c}\u{202d}\u{2066}\u{2067}\u{2068}\u{2069}",
                r"\u{202a}\u{202b}\u{202c}\u{202d}\u{2066}\u{2067}\u{2068}\u{2069}",
            ),
            ("\u{200e}\u{200f}\u{61c}", r"\u{200e}\u{200f}\u{61c}"),
            ("line\u{2028}sep\u{2029}", r"line\u{2028}sep\u{2029}"),
        ];
        for (raw, shown) in cases {
            assert_eq!(terminal_safe(raw), shown, "{raw:?}");
        }
    }

    #[test]
    fn nothing_unsafe_survives_any_character() {
        // Every character of the Basic Multilingual Plane, one per text: what comes out
        // holds no character a terminal acts on.
        for code in 0..=0xffffu32 {
            let Some(c) = char::from_u32(code) else {
                continue;
            };
            let text = format!("a{c}b");
            let shown = terminal_safe(&text);
            assert!(
                !shown.chars().any(is_terminal_unsafe),
                "U+{code:04X} -> {shown:?}"
            );
            assert_eq!(is_terminal_unsafe(c), shown != text, "U+{code:04X}");
        }
    }
}
