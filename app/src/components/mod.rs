//! Components only display what they are given; pages own their data.

mod error_cards;

pub use error_cards::ErrorCards;
