//! Components only display what they are given; pages own their data.

mod chart;
mod error_cards;
mod problems;

pub use chart::Chart;
pub use error_cards::ErrorCards;
pub use problems::Problems;
