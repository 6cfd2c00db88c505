//! Command line and environment configuration (clap derive). Every flag is also an
//! `AMPLOCAL_*` variable; LocalStack's names are accepted where they mean the same
//! (`GATEWAY_LISTEN`, `DEBUG`). Each service flattens its own `Config` in here.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;

/// `amplocal`: serve (no subcommand) or one of the helper subcommands.
#[derive(Debug, Parser)]
#[command(name = "amplocal", version, about = "Local AWS emulator for Amplify-style backends (S3, DynamoDB, Cognito, AppSync) on one port")]
pub struct Cli {
    /// Helper subcommand; none serves.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Serving options.
    #[command(flatten)]
    pub serve: ServeArgs,
}

/// Helper subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the path of the local CA certificate (created on first use) as the last line.
    Ca {
        /// Data directory holding the CA.
        #[arg(long, env = "AMPLOCAL_DATA_DIR", default_value = "./.amplocal")]
        data_dir: PathBuf,
        /// Also add the CA to the trust stores it can reach (the NSS database Chromium and
        /// Firefox use on Linux); prints what it did and what is left to do by hand.
        #[arg(long)]
        install: bool,
    },
    /// Exit 0 when the emulator at URL answers its health endpoint, 1 otherwise.
    Healthcheck {
        /// Base URL of the emulator (plain http). Default: the port of `AMPLOCAL_LISTEN` /
        /// `GATEWAY_LISTEN` on loopback, else http://127.0.0.1:4566.
        #[arg(long, env = "AMPLOCAL_HEALTHCHECK_URL")]
        url: Option<String>,
    },
}

/// How unknown access keys are treated (see ARCHITECTURE.md "credentials").
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum CredentialModeArg {
    /// Any key accepted; known keys must sign correctly.
    #[default]
    Lenient,
    /// Unknown keys rejected; every signature and expiry checked.
    Strict,
}

/// Options of the server.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on (HTTP and HTTPS on the same port). Also `GATEWAY_LISTEN`.
    #[arg(long, env = "AMPLOCAL_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// Directory for persistent state.
    #[arg(long, env = "AMPLOCAL_DATA_DIR", default_value = "./.amplocal")]
    pub data_dir: PathBuf,
    /// Keep all state in a temporary directory removed at exit.
    #[arg(long, env = "AMPLOCAL_EPHEMERAL")]
    pub ephemeral: bool,
    /// A known access key pair KEY:SECRET (repeatable). Default: test:test.
    #[arg(long = "credentials", env = "AMPLOCAL_CREDENTIALS", value_delimiter = ',')]
    pub credentials: Vec<String>,
    /// lenient: any access key accepted; strict: unknown keys rejected.
    #[arg(long, env = "AMPLOCAL_CREDENTIAL_MODE", value_enum, default_value_t = CredentialModeArg::Lenient)]
    pub credential_mode: CredentialModeArg,
    /// Log filter (e.g. `info`, `debug`, `amplocal=trace`). `DEBUG=1` means `debug`.
    #[arg(long, env = "AMPLOCAL_LOG_LEVEL")]
    pub log_level: Option<String>,
    /// Origins allowed to call the non-S3 services from a browser (comma-separated
    /// `scheme://host[:port]`; `*` = any). S3 uses its own bucket CORS rules.
    #[arg(long, env = "AMPLOCAL_CORS_ORIGINS", default_value = "*")]
    pub cors_origins: String,
    /// Backend manifest (TOML) provisioned idempotently at every start: user pools, identity
    /// pools, buckets, GraphQL APIs and seed data. See README "Backend manifest".
    #[arg(long, env = "AMPLOCAL_BACKEND")]
    pub backend: Option<PathBuf>,
    /// Write `amplify_outputs.json` (schema 1.4) for the provisioned backend to this path.
    #[arg(long, env = "AMPLOCAL_AMPLIFY_OUTPUTS")]
    pub amplify_outputs: Option<PathBuf>,
    /// Per-service options.
    #[command(flatten)]
    pub services: ServiceConfigs,
}

/// The services' own options. Each service's `Config` derives `clap::Args` under the same
/// struct name, so their argument groups would collide; their arguments are added here without
/// the groups (see `add_ungrouped`).
#[derive(Debug, Clone, Default)]
pub struct ServiceConfigs {
    /// S3 options.
    pub s3: amplocal_s3::Config,
    /// DynamoDB options.
    pub dynamodb: amplocal_dynamodb::Config,
    /// Cognito options.
    pub cognito: amplocal_cognito::Config,
    /// AppSync options.
    pub appsync: amplocal_appsync::Config,
}

fn add_ungrouped<T: Args>(mut cmd: clap::Command) -> clap::Command {
    let scratch = T::augment_args(clap::Command::new("scratch"));
    for arg in scratch.get_arguments() {
        cmd = cmd.arg(arg.clone());
    }
    cmd
}

impl Args for ServiceConfigs {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        let cmd = add_ungrouped::<amplocal_s3::Config>(cmd);
        let cmd = add_ungrouped::<amplocal_dynamodb::Config>(cmd);
        let cmd = add_ungrouped::<amplocal_cognito::Config>(cmd);
        add_ungrouped::<amplocal_appsync::Config>(cmd)
    }
    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
    }
}

impl clap::FromArgMatches for ServiceConfigs {
    fn from_arg_matches(m: &clap::ArgMatches) -> Result<Self, clap::Error> {
        Ok(Self {
            s3: amplocal_s3::Config::from_arg_matches(m)?,
            dynamodb: amplocal_dynamodb::Config::from_arg_matches(m)?,
            cognito: amplocal_cognito::Config::from_arg_matches(m)?,
            appsync: amplocal_appsync::Config::from_arg_matches(m)?,
        })
    }
    fn update_from_arg_matches(&mut self, m: &clap::ArgMatches) -> Result<(), clap::Error> {
        self.s3.update_from_arg_matches(m)?;
        self.dynamodb.update_from_arg_matches(m)?;
        self.cognito.update_from_arg_matches(m)?;
        self.appsync.update_from_arg_matches(m)
    }
}

/// The default listen address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:4566";

fn resolve_listen(explicit: Option<SocketAddr>) -> Result<SocketAddr, String> {
    if let Some(a) = explicit {
        return Ok(a);
    }
    if let Ok(v) = std::env::var("GATEWAY_LISTEN") {
        let first = v.split(',').next().unwrap_or("").trim();
        let first = if first.starts_with(':') { format!("0.0.0.0{first}") } else { first.to_string() };
        return first.parse().map_err(|e| format!("GATEWAY_LISTEN={v}: {e}"));
    }
    DEFAULT_LISTEN.parse().map_err(|e| format!("{e}"))
}

/// The URL `amplocal healthcheck` probes when none is given: the configured listen port
/// (`AMPLOCAL_LISTEN`, `GATEWAY_LISTEN`) on loopback when the bind address is a wildcard.
pub fn default_healthcheck_url() -> String {
    let explicit = std::env::var("AMPLOCAL_LISTEN").ok().and_then(|v| v.trim().parse::<SocketAddr>().ok());
    let addr = resolve_listen(explicit).unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 4566)));
    let ip = match addr.ip() {
        std::net::IpAddr::V4(v4) if v4.is_unspecified() => std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
        std::net::IpAddr::V6(v6) if v6.is_unspecified() => std::net::IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}", SocketAddr::new(ip, addr.port()))
}

impl ServeArgs {
    /// The address to bind: `--listen`/`AMPLOCAL_LISTEN`, else `GATEWAY_LISTEN` (LocalStack; may
    /// be a comma-separated list, the first entry wins, `:4566` means all interfaces), else
    /// 127.0.0.1:4566.
    pub fn listen_addr(&self) -> Result<SocketAddr, String> {
        resolve_listen(self.listen)
    }

    /// Parsed `--credentials`, defaulting to `test:test`.
    pub fn credential_pairs(&self) -> Result<Vec<(String, String)>, String> {
        if self.credentials.is_empty() {
            return Ok(vec![("test".into(), "test".into())]);
        }
        self.credentials
            .iter()
            .map(|c| {
                c.split_once(':')
                    .filter(|(k, s)| !k.is_empty() && !s.is_empty())
                    .map(|(k, s)| (k.to_string(), s.to_string()))
                    .ok_or_else(|| format!("--credentials {c}: expected KEY:SECRET"))
            })
            .collect()
    }

    /// The effective log filter.
    pub fn log_filter(&self) -> String {
        if let Some(l) = &self.log_level {
            return l.clone();
        }
        match std::env::var("DEBUG").as_deref() {
            Ok("1") | Ok("true") => "debug".into(),
            _ => "info".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
        let cli = Cli::try_parse_from(["amplocal", "--ephemeral", "--cors-origins", "http://a"]).unwrap();
        assert!(cli.serve.ephemeral);
        assert_eq!(cli.serve.cors_origins, "http://a");
        assert!(matches!(Cli::try_parse_from(["amplocal", "ca", "--data-dir", "x"]).unwrap().command, Some(Command::Ca { .. })));
    }
}
