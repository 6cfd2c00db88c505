//! The backend manifest (`--backend amplocal.toml`): provisions user pools, identity pools,
//! buckets, GraphQL APIs and seed data idempotently at every start, then (with
//! `--amplify-outputs`) writes `amplify_outputs.json` for them. Contract: README "Backend manifest".

pub mod outputs;
