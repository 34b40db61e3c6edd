//! Components only display what they are given; pages own their data.

mod arch_diff;
mod badges;
mod chart;
mod deployments;
mod error_cards;
mod model_file;
mod problems;
mod provenance;
mod timeline;

pub use arch_diff::ArchDiffView;
pub use badges::{AliasBadge, DatasetBadge, StatusBadge};
pub use chart::{Chart, EvalChart};
pub use deployments::Deployments;
pub use error_cards::ErrorCards;
pub use model_file::ModelFile;
pub use problems::Problems;
pub use provenance::{CodeView, DatasetsView, EnvironmentView, RunView};
pub use timeline::Timeline;
