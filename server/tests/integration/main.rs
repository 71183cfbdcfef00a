//! Server integration tests, in one binary (one link step).
//!
//! Storage tests run on SQLite (a real file) and on PostgreSQL (a real
//! server that `scripts/with-postgres.sh` starts; its URL comes in
//! `TEST_POSTGRES_URL`). Run only the PostgreSQL ones with
//! `scripts/with-postgres.sh cargo test -p server --test integration postgres`.

mod support;

mod access_log;
mod archive;
mod auth;
mod bulk_load;
mod companies_timeline;
mod consent;
mod consent_crash;
mod consent_http;
mod dashboard;
mod deals;
mod field_catalogue;
mod http;
mod leads;
mod live;
mod people;
mod people_lists;
mod pipelines;
mod privacy;
mod privacy_http;
mod render_stress;
mod second_factor;
mod stages;
mod startup;
mod storage_contract;
