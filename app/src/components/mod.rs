//! Components only display what they are given; pages own their data.

mod badges;
mod chart;
mod deployments;
mod error_cards;
mod problems;
mod timeline;

pub use badges::{AliasBadge, StatusBadge};
pub use chart::{Chart, EvalChart};
pub use deployments::Deployments;
pub use error_cards::ErrorCards;
pub use problems::Problems;
pub use timeline::Timeline;
