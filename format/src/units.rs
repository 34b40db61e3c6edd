//! Units shown to people, the same in the CLI and the app.

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

#[cfg(test)]
mod tests {
    #[test]
    fn sizes() {
        assert_eq!(super::human_size(999), "999 B");
        assert_eq!(super::human_size(524_288), "524.3 KB");
        assert_eq!(super::human_size(1_073_741_824), "1.1 GB");
    }
}
