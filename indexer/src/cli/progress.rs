//! Progress bars on stderr, with indicatif; [`Printer::reporter`](super::printer::Printer)
//! decides when they show.

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use shelf::{Progress, Reporter};

pub struct Bars {
    multi: MultiProgress,
    style: ProgressStyle,
}

impl Bars {
    pub fn new() -> Self {
        let style = ProgressStyle::with_template(
            "{msg:30!} [{bar:30}] {bytes:>10}/{total_bytes:<10} {bytes_per_sec:>12} {eta:>4}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        Bars {
            multi: MultiProgress::new(),
            style,
        }
    }
}

struct Bar(ProgressBar);

impl Progress for Bar {
    fn inc(&self, bytes: u64) {
        self.0.inc(bytes);
    }
    fn finish(&self) {
        self.0.finish_and_clear();
    }
}

impl Reporter for Bars {
    fn transfer(&self, label: &str, total: u64) -> Box<dyn Progress> {
        let bar = self.multi.add(ProgressBar::new(total));
        bar.set_style(self.style.clone());
        bar.set_message(shelf_format::units::terminal_safe(label).into_owned());
        Box::new(Bar(bar))
    }
}
