//! `amplocal`: parse configuration, prepare the data dir and its TLS files, build the services,
//! bind the port, print `Ready.` and serve until SIGINT/SIGTERM. Also the `ca` and
//! `healthcheck` helper subcommands.

use amplocal::config::{default_healthcheck_url, Cli, Command, CredentialModeArg};
use amplocal::cors::CorsConfig;
use amplocal::{build_app, run_with, tls, AppState, ServeOptions};
use amplocal_core::{CoreCtx, CredentialMode, CredentialStore, RandomIds, SystemClock};
use clap::Parser;
use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Ca { data_dir, install }) => ca(&data_dir, install),
        Some(Command::Healthcheck { url }) => {
            let url = url.unwrap_or_else(default_healthcheck_url);
            return match amplocal::healthcheck::check(&url, Duration::from_secs(3)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("amplocal healthcheck {url}: {e}");
                    ExitCode::FAILURE
                }
            };
        }
        None => serve(cli.serve),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("amplocal: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// `amplocal ca`: create the CA (and leaf) if needed; the CA path is the last stdout line.
/// `--install` on a dir holding only `tls/ca.pem` (copied out of a container, without its key)
/// installs that certificate as it is instead of making a new CA.
fn ca(data_dir: &std::path::Path, install: bool) -> anyhow::Result<()> {
    let copied = tls::TlsPaths::new(data_dir);
    if install && copied.ca_cert.is_file() && !copied.ca_key.exists() {
        let ca = std::fs::canonicalize(&copied.ca_cert).unwrap_or(copied.ca_cert);
        return ca_install(&ca);
    }
    std::fs::create_dir_all(data_dir)?;
    let paths = tls::ensure(data_dir)?;
    let ca = std::fs::canonicalize(&paths.ca_cert).unwrap_or(paths.ca_cert);
    if install {
        return ca_install(&ca);
    }
    println!("{}", ca.display());
    Ok(())
}

/// `amplocal ca --install`: the report goes to stderr, the CA path stays the (only and last)
/// stdout line, also on failure; exit non-zero when certutil is missing or a database failed.
fn ca_install(ca: &std::path::Path) -> anyhow::Result<()> {
    use amplocal::ca_install::{self as inst, InstallError, Outcome};
    let result = (|| {
        let cert = inst::CaCert::load(ca)?;
        let home = std::env::var_os("HOME").filter(|h| !h.is_empty()).ok_or(InstallError::NoHome)?;
        let certutil = inst::find_certutil(std::env::var_os("PATH").as_deref()).ok_or(InstallError::CertutilMissing)?;
        eprintln!("amplocal ca --install: {} ({})", cert.nickname, ca.display());
        Ok::<_, InstallError>(inst::install(&cert, std::path::Path::new(&home), &certutil))
    })();
    let failed = match &result {
        Ok(results) => {
            for r in results {
                eprintln!("  {}", inst::describe(r));
            }
            if results.is_empty() {
                eprintln!("  no NSS database on this system to update");
            }
            results.iter().filter(|r| matches!(r.outcome, Outcome::Failed(_))).count()
        }
        Err(_) => 0,
    };
    eprintln!("{}", inst::manual_steps(ca));
    println!("{}", ca.display());
    match result {
        Err(e) => Err(e.into()),
        Ok(_) if failed > 0 => anyhow::bail!("{failed} NSS database(s) could not be updated (see above)"),
        Ok(_) => Ok(()),
    }
}

fn serve(mut args: amplocal::config::ServeArgs) -> anyhow::Result<()> {
    // Colours only on a terminal (a log file or pipe gets plain text, and formatting is cheaper).
    // The format is tracing-subscriber's default, written by amplocal::logfmt for less CPU per
    // request line.
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(args.log_filter()))
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .fmt_fields(amplocal::logfmt::Fields)
        .event_format(amplocal::logfmt::LineFormat::default())
        .init();
    // The manifest is read and validated before anything else: a bad one exits non-zero
    // without serving. Conflict detection is a service-wide AppSync setting.
    if args.amplify_outputs.is_some() && args.backend.is_none() {
        anyhow::bail!("--amplify-outputs describes a backend manifest: give --backend FILE (or AMPLOCAL_BACKEND) too");
    }
    let manifest = args.backend.as_deref().map(amplocal::backend::Manifest::load).transpose()?;
    if manifest.as_ref().is_some_and(amplocal::backend::Manifest::conflict_detection) {
        args.services.appsync.graphql_conflict_detection = true;
    }
    let addr = args.listen_addr().map_err(anyhow::Error::msg)?;
    let (data_dir, temp) = if args.ephemeral {
        let t = tempfile::Builder::new().prefix("amplocal-").tempdir()?;
        (t.path().to_path_buf(), Some(t))
    } else {
        std::fs::create_dir_all(&args.data_dir)?;
        (std::fs::canonicalize(&args.data_dir).unwrap_or_else(|_| args.data_dir.clone()), None)
    };
    let tls_paths = tls::ensure(&data_dir)?;
    let opts = ServeOptions { tls: Some(tls::server_config_for(&tls_paths, &args.services.s3.hostnames)?), ..ServeOptions::default() };
    let mode = match args.credential_mode {
        CredentialModeArg::Lenient => CredentialMode::Lenient,
        CredentialModeArg::Strict => CredentialMode::Strict,
    };
    let creds = CredentialStore::new(mode);
    for (k, s) in args.credential_pairs().map_err(anyhow::Error::msg)? {
        creds.insert_static(&k, &s);
    }
    let core = CoreCtx::new(Arc::new(SystemClock), Arc::new(RandomIds), creds, data_dir.clone());
    let cors = CorsConfig::from_list(&args.cors_origins);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let served = rt.block_on(async move {
        let state = AppState::new(core, &args.services)?.with_cors(cors);
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let shutdown = shutdown_signal()?;
        if let Some(m) = &manifest {
            let provisioned = amplocal::backend::provision(&state, m, local).await?;
            if let Some(path) = &args.amplify_outputs {
                use amplocal::backend::outputs;
                outputs::write(path, &provisioned).map_err(|e| anyhow::anyhow!("--amplify-outputs {}: {e}", path.display()))?;
                let snippet = outputs::snippet(&provisioned);
                if !snippet.is_empty() {
                    let text = format!("amplocal: wrote {}; add after Amplify.configure(outputs):\n{snippet}", path.display());
                    eprint!("{text}");
                    print!("{text}");
                }
            }
        }
        tracing::info!(
            "amplocal {} listening on {local} (http and https), data dir {}{}, CA {}",
            amplocal::health::VERSION,
            data_dir.display(),
            if temp.is_some() { " (ephemeral)" } else { "" },
            tls_paths.ca_cert.display()
        );
        {
            let mut out = std::io::stdout().lock();
            writeln!(out, "Ready.")?;
            out.flush()?;
        }
        run_with(listener, build_app(state), opts, shutdown).await?;
        tracing::info!("amplocal stopped");
        Ok::<_, anyhow::Error>(temp)
    });
    // Blocking work (SQLite) still queued gets a moment, not forever.
    rt.shutdown_timeout(Duration::from_secs(2));
    // The temp dir (if any) is removed here, after the runtime has let go of its files.
    drop(served?);
    Ok(())
}

/// Resolves on SIGINT or SIGTERM. The handlers are installed when this is called (before
/// `Ready.` is printed), so a signal arriving right after `Ready.` is never lost.
#[cfg(unix)]
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut int = signal(SignalKind::interrupt())?;
    let mut term = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! { _ = int.recv() => {}, _ = term.recv() => {} }
        tracing::info!("shutting down: finishing in-flight requests");
    })
}

/// Resolves on Ctrl-C.
#[cfg(not(unix))]
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down: finishing in-flight requests");
    })
}
