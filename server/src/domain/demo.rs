//! Demo and benchmark data (being written).
