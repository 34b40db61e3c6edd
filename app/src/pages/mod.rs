//! Pages own their data: each loads what it shows.

mod catalog;
mod compare;
mod model;
mod version;

pub use catalog::CatalogPage;
pub use compare::ComparePage;
pub use model::ModelPage;
pub use version::VersionPage;
