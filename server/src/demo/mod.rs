//! The demo data set (`server/data/demo/`, read and validated by [`data`]) and the
//! synthetic benchmark profiles ([`synthetic`]). Loading them into a database is a use
//! case of the application layer: `app::demo`.

pub mod data;
pub mod synthetic;
