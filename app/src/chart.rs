//! Scaling a metric to an SVG line chart: across versions (evenly spaced), or over time
//! with a reference line (evaluations against the training-time value). Pure, tested
//! natively.

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

/// A y axis: the value range padded to nice ticks, and where values go in the box.
struct YAxis {
    min: f64,
    max: f64,
    step: f64,
    top: f64,
    inner_h: f64,
}

impl YAxis {
    /// An axis for `values` (non-finite ones ignored). A single value or a flat series
    /// gets a range around it.
    fn new(values: impl IntoIterator<Item = f64>, height: f64, margin: f64) -> YAxis {
        let (lo, hi) = values
            .into_iter()
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(v), b.max(v))
            });
        let (lo, hi) = if lo > hi {
            (0.0, 1.0)
        } else if lo == hi {
            let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
            (lo - pad, hi + pad)
        } else {
            (lo, hi)
        };
        let step = nice_step(hi - lo, 4);
        YAxis {
            min: (lo / step).floor() * step,
            max: (hi / step).ceil() * step,
            step,
            top: margin,
            inner_h: (height - 2.0 * margin).max(1.0),
        }
    }

    fn y(&self, v: f64) -> f64 {
        self.top + self.inner_h * (1.0 - (v - self.min) / (self.max - self.min))
    }

    /// (y position, label value) of the horizontal grid lines.
    fn ticks(&self) -> Vec<(f64, f64)> {
        let mut ticks = Vec::new();
        let mut t = self.min;
        while t <= self.max + self.step / 2.0 && ticks.len() < 20 {
            ticks.push((self.y(t), (t / self.step).round() * self.step));
            t += self.step;
        }
        ticks
    }
}

/// Lay out `(version, value)` pairs. Versions are spread evenly on x in the order given;
/// y is scaled to a range padded to nice ticks. A single value or a flat series is
/// centred.
pub fn layout(series: &[(u64, f64)], width: f64, height: f64, margin: f64) -> Layout {
    let axis = YAxis::new(series.iter().map(|(_, v)| *v), height, margin);
    let inner_w = (width - 2.0 * margin).max(1.0);
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
            y: axis.y(*value),
            version: *version,
            value: *value,
        })
        .collect();
    Layout {
        points,
        y_ticks: axis.ticks(),
        min: axis.min,
        max: axis.max,
    }
}

/// A point of a chart over time, in SVG user units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimePoint {
    pub x: f64,
    pub y: f64,
    /// The time, in milliseconds since the epoch.
    pub millis: i64,
    pub value: f64,
}

/// A chart of values over time, with an optional horizontal reference line.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeLayout {
    /// In time order.
    pub points: Vec<TimePoint>,
    pub y_ticks: Vec<(f64, f64)>,
    /// The y position of the reference value, when there is one.
    pub reference_y: Option<f64>,
    /// The first and last time (milliseconds) and their x positions; one when they are
    /// equal, none for an empty series.
    pub x_ticks: Vec<(f64, i64)>,
    pub min: f64,
    pub max: f64,
}

/// Lay out `(time in milliseconds, value)` pairs on x by time and y by value, the range
/// covering both the values and `reference` (so the line is always inside the box). A
/// single time is centred.
pub fn time_layout(
    series: &[(i64, f64)],
    reference: Option<f64>,
    width: f64,
    height: f64,
    margin: f64,
) -> TimeLayout {
    let reference = reference.filter(|r| r.is_finite());
    let axis = YAxis::new(
        series.iter().map(|(_, v)| *v).chain(reference),
        height,
        margin,
    );
    let mut sorted: Vec<(i64, f64)> = series
        .iter()
        .copied()
        .filter(|(_, v)| v.is_finite())
        .collect();
    sorted.sort_by_key(|(t, _)| *t);
    let first = sorted.first().map(|(t, _)| *t);
    let last = sorted.last().map(|(t, _)| *t);
    let inner_w = (width - 2.0 * margin).max(1.0);
    let x_of = |t: i64| match (first, last) {
        (Some(a), Some(b)) if b > a => margin + inner_w * (t - a) as f64 / (b - a) as f64,
        _ => margin + inner_w / 2.0,
    };
    let points = sorted
        .iter()
        .map(|(millis, value)| TimePoint {
            x: x_of(*millis),
            y: axis.y(*value),
            millis: *millis,
            value: *value,
        })
        .collect();
    let x_ticks = match (first, last) {
        (Some(a), Some(b)) if b > a => vec![(x_of(a), a), (x_of(b), b)],
        (Some(a), _) => vec![(x_of(a), a)],
        _ => vec![],
    };
    TimeLayout {
        points,
        y_ticks: axis.ticks(),
        reference_y: reference.map(|r| axis.y(r)),
        x_ticks,
        min: axis.min,
        max: axis.max,
    }
}

/// The SVG path (`M x y L x y …`) through `(x, y)` points.
pub fn path(points: impl IntoIterator<Item = (f64, f64)>) -> String {
    points
        .into_iter()
        .enumerate()
        .map(|(i, (x, y))| format!("{}{x:.1} {y:.1}", if i == 0 { "M" } else { " L" }))
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
        assert_eq!(
            path(l.points[..2].iter().map(|p| (p.x, p.y)))
                .matches('L')
                .count(),
            1
        );
    }

    #[test]
    fn over_time_with_a_reference_line() {
        // Given out of order: laid out by time, x proportional to it.
        let day = 86_400_000;
        let l = time_layout(
            &[(10 * day, 0.90), (0, 0.95), (30 * day, 0.88)],
            Some(0.93),
            400.0,
            200.0,
            20.0,
        );
        let xs: Vec<f64> = l.points.iter().map(|p| p.x).collect();
        assert_eq!(xs, [20.0, 20.0 + 360.0 / 3.0, 380.0]);
        let order: Vec<(i64, f64)> = l.points.iter().map(|p| (p.millis, p.value)).collect();
        assert_eq!(order, [(0, 0.95), (10 * day, 0.90), (30 * day, 0.88)]);
        assert_eq!(
            path(l.points.iter().map(|p| (p.x, p.y)))
                .matches('L')
                .count(),
            2
        );
        assert_eq!(l.x_ticks, [(20.0, 0), (380.0, 30 * day)]);
        // The reference sits where a point of the same value would, between 0.95 and 0.90.
        let r = l.reference_y.unwrap();
        assert!(l.points[0].y < r && r < l.points[1].y, "{l:?}");
        let same = time_layout(&[(0, 0.93)], Some(0.93), 400.0, 200.0, 20.0);
        assert_eq!(same.reference_y, Some(same.points[0].y));

        // A reference far outside the values widens the range to keep the line in the box.
        let l = time_layout(&[(0, 0.5), (day, 0.6)], Some(0.99), 400.0, 200.0, 20.0);
        assert!(l.max >= 0.99, "{l:?}");
        let r = l.reference_y.unwrap();
        assert!((20.0..=180.0).contains(&r), "{r}");
        assert!(l.points.iter().all(|p| p.y > r));
        assert!(l.y_ticks.iter().any(|(_, v)| *v >= 0.99));

        // No reference, one point: centred, one x tick; nothing at all: no ticks.
        let l = time_layout(&[(5, 1.0)], None, 400.0, 200.0, 20.0);
        assert_eq!(l.reference_y, None);
        assert_eq!(l.points[0].x, 200.0);
        assert_eq!(l.x_ticks, [(200.0, 5)]);
        let l = time_layout(&[], Some(0.5), 400.0, 200.0, 20.0);
        assert!(l.points.is_empty() && l.x_ticks.is_empty());
        assert!(l.reference_y.is_some());
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
