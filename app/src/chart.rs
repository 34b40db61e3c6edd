//! Scaling a metric across versions to an SVG line chart. Pure, tested natively.

/// A point of the chart, in SVG user units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
    pub version: u64,
    pub value: f64,
}

/// A chart laid out in a `width` × `height` box with `margin` on each side.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub points: Vec<Point>,
    /// (y position, label value) of horizontal grid lines.
    pub y_ticks: Vec<(f64, f64)>,
    pub min: f64,
    pub max: f64,
}

/// "Nice" tick step (1, 2 or 5 × 10^k) for a span split in about `count` parts.
pub fn nice_step(span: f64, count: usize) -> f64 {
    if span <= 0.0 || !span.is_finite() {
        return 1.0;
    }
    let raw = span / count.max(1) as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    let residual = raw / magnitude;
    let nice = if residual <= 1.0 {
        1.0
    } else if residual <= 2.0 {
        2.0
    } else if residual <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * magnitude
}

/// Lay out `(version, value)` pairs. Versions are spread evenly on x in the order given;
/// y is scaled to a range padded to nice ticks. A single value or a flat series is
/// centred.
pub fn layout(series: &[(u64, f64)], width: f64, height: f64, margin: f64) -> Layout {
    let values: Vec<f64> = series
        .iter()
        .map(|(_, v)| *v)
        .filter(|v| v.is_finite())
        .collect();
    let (lo, hi) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(*v), b.max(*v))
        });
    let (lo, hi) = if values.is_empty() {
        (0.0, 1.0)
    } else if lo == hi {
        let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        (lo - pad, hi + pad)
    } else {
        (lo, hi)
    };
    let step = nice_step(hi - lo, 4);
    let min = (lo / step).floor() * step;
    let max = (hi / step).ceil() * step;
    let inner_w = (width - 2.0 * margin).max(1.0);
    let inner_h = (height - 2.0 * margin).max(1.0);
    let y_of = |v: f64| margin + inner_h * (1.0 - (v - min) / (max - min));
    let n = series.len();
    let points = series
        .iter()
        .enumerate()
        .filter(|(_, (_, v))| v.is_finite())
        .map(|(i, (version, value))| Point {
            x: if n <= 1 {
                margin + inner_w / 2.0
            } else {
                margin + inner_w * i as f64 / (n - 1) as f64
            },
            y: y_of(*value),
            version: *version,
            value: *value,
        })
        .collect();
    let mut y_ticks = Vec::new();
    let mut t = min;
    while t <= max + step / 2.0 && y_ticks.len() < 20 {
        y_ticks.push((y_of(t), (t / step).round() * step));
        t += step;
    }
    Layout {
        points,
        y_ticks,
        min,
        max,
    }
}

/// The SVG path (`M x y L x y …`) through the points.
pub fn path(points: &[Point]) -> String {
    points
        .iter()
        .enumerate()
        .map(|(i, p)| format!("{}{:.1} {:.1}", if i == 0 { "M" } else { " L" }, p.x, p.y))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_steps() {
        assert_eq!(nice_step(1.0, 4), 0.5);
        assert_eq!(nice_step(0.1, 4), 0.05);
        assert_eq!(nice_step(37.0, 4), 10.0);
        assert_eq!(nice_step(0.0, 4), 1.0);
    }

    #[test]
    fn scales_into_the_box() {
        let l = layout(&[(1, 0.80), (2, 0.85), (3, 0.83)], 400.0, 200.0, 20.0);
        assert_eq!(l.points.len(), 3);
        assert_eq!(l.points[0].x, 20.0);
        assert_eq!(l.points[2].x, 380.0);
        assert!(l.min <= 0.80 && l.max >= 0.85);
        for p in &l.points {
            assert!((20.0..=180.0).contains(&p.y), "{p:?}");
        }
        // Higher values are drawn higher (smaller y).
        assert!(l.points[1].y < l.points[0].y);
        assert!(l.y_ticks.len() >= 2);
        assert_eq!(path(&l.points[..2]).matches('L').count(), 1);
    }

    #[test]
    fn flat_and_single_series_are_centred() {
        let l = layout(&[(4, 0.5)], 400.0, 200.0, 20.0);
        assert_eq!(l.points[0].x, 200.0);
        assert!((l.points[0].y - 100.0).abs() < 1e-9);
        let l = layout(&[(1, 0.0), (2, 0.0)], 400.0, 200.0, 20.0);
        assert!(l.points.iter().all(|p| (p.y - 100.0).abs() < 1e-9));
    }
}
