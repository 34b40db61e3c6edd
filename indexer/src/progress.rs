//! Progress reporting. The library reports, the binary decides how (or whether) to show it.

/// One transfer in progress (an upload, a download, a hash).
pub trait Progress: Send + Sync {
    /// `bytes` more were transferred.
    fn inc(&self, bytes: u64);
    /// The transfer ended.
    fn finish(&self);
}

/// Receives progress of long operations.
pub trait Reporter: Send + Sync {
    /// A transfer of `total` bytes named `label` starts.
    fn transfer(&self, label: &str, total: u64) -> Box<dyn Progress>;
}

/// Reports nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct Silent;

struct NoProgress;

impl Progress for NoProgress {
    fn inc(&self, _: u64) {}
    fn finish(&self) {}
}

impl Reporter for Silent {
    fn transfer(&self, _: &str, _: u64) -> Box<dyn Progress> {
        Box::new(NoProgress)
    }
}
