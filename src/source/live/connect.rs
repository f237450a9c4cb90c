//! Connection settings the way libpq users expect them: a URL or key=value
//! string, a service from `pg_service.conf`, `PG*` environment variables
//! for what those leave out, a password from `.pgpass`, and `sslmode` /
//! `sslrootcert` / `connect_timeout` with libpq's meanings.

mod conninfo;
mod files;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use tokio_postgres::config::{Host, SslMode as PgSslMode};

use self::conninfo::{Origin, Params};
use super::LiveError;

/// libpq's `sslmode`, minus `allow` (which nobody should want).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    /// Plain TCP only.
    Disable,
    /// TLS when the server offers it, without checking its certificate.
    Prefer,
    /// TLS or nothing, without checking the certificate.
    Require,
    /// TLS, certificate signed by a trusted CA (any host name).
    VerifyCa,
    /// TLS, certificate signed by a trusted CA and issued for this host.
    VerifyFull,
}

impl FromStr for SslMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "disable" => SslMode::Disable,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            other => {
                return Err(format!(
                    "unknown sslmode `{other}` (disable, prefer, require, verify-ca, verify-full)"
                ))
            }
        })
    }
}

/// What to connect to and how, before the environment fills the gaps.
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    /// `postgresql://...` or `host=... dbname=...`; None = `PG*` variables only.
    pub url: Option<String>,
    /// Overrides the URL's and `PGSSLMODE`.
    pub sslmode: Option<SslMode>,
    /// Overrides the URL's and `PGSSLROOTCERT`.
    pub sslrootcert: Option<String>,
    /// Overrides the URL's `connect_timeout` and `PGCONNECT_TIMEOUT`; zero
    /// waits forever.
    pub connect_timeout: Option<Duration>,
}

/// A resolved connection: the driver's config, the TLS mode and a label
/// (`user@host:port/db`, never the password) for messages.
pub struct Target {
    pub config: tokio_postgres::Config,
    pub sslmode: SslMode,
    pub sslrootcert: Option<String>,
    pub label: String,
    pub connect_timeout: ConnectTimeout,
    /// To print before connecting (a password file others may read, ...).
    pub warnings: Vec<String>,
}

impl Target {
    /// Hosts tried in turn (at least one).
    pub fn hosts(&self) -> usize {
        let hosts = self.config.get_hosts().len();
        hosts.max(self.config.get_hostaddrs().len()).max(1)
    }

    /// The error when the connect timeout fired.
    pub fn timed_out(&self) -> LiveError {
        LiveError::Connect {
            target: self.label.clone(),
            message: self.connect_timeout.message(self.hosts()),
        }
    }
}

/// How long connecting to one host may take: TCP, TLS, startup and
/// authentication together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectTimeout {
    /// None: wait forever.
    pub per_host: Option<Duration>,
    /// The setting it came from, named when it fires.
    pub source: String,
}

const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

impl ConnectTimeout {
    /// The option, else `connect_timeout` (connection string, service,
    /// PGCONNECT_TIMEOUT, in that order), else 10 s.
    fn resolve(option: Option<Duration>, params: &Params) -> Result<Self, LiveError> {
        if let Some(limit) = option {
            return Ok(ConnectTimeout {
                per_host: (!limit.is_zero()).then_some(limit),
                source: "the connect timeout option".to_string(),
            });
        }
        let Some((text, origin)) = params.entry("connect_timeout") else {
            return Ok(ConnectTimeout {
                per_host: Some(DEFAULT_CONNECT_TIMEOUT),
                source: "default connect_timeout; set connect_timeout in the URL or \
                         PGCONNECT_TIMEOUT to change it"
                    .to_string(),
            });
        };
        let source = origin.describe("connect_timeout");
        let seconds: i64 = text
            .trim()
            .parse()
            .map_err(|_| LiveError::Usage(format!("{source} is not a whole number of seconds")))?;
        // libpq's documented meaning: zero or negative waits forever, and
        // the shortest limit is 2 s (a value of 1 means 2).
        let per_host = u64::try_from(seconds)
            .ok()
            .filter(|s| *s > 0)
            .map(|s| Duration::from_secs(s.max(2)));
        Ok(ConnectTimeout { per_host, source })
    }

    /// The limit for a whole attempt: libpq's applies to each host in turn.
    pub fn total(&self, hosts: usize) -> Option<Duration> {
        let hosts = u32::try_from(hosts.max(1)).unwrap_or(u32::MAX);
        self.per_host.map(|limit| limit.saturating_mul(hosts))
    }

    pub fn message(&self, hosts: usize) -> String {
        let limit = self.per_host.unwrap_or_default();
        let amount = if limit.subsec_millis() == 0 {
            format!("{} s", limit.as_secs())
        } else {
            format!("{} ms", limit.as_millis())
        };
        let each = if hosts > 1 { " per host" } else { "" };
        format!("no answer within {amount}{each} ({})", self.source)
    }
}

/// Environment variables for what the connection string and the service
/// leave unset, and the parameter each stands for.
const ENV: &[(&str, &str)] = &[
    ("PGHOST", "host"),
    ("PGPORT", "port"),
    ("PGUSER", "user"),
    ("PGPASSWORD", "password"),
    ("PGPASSFILE", "passfile"),
    ("PGDATABASE", "dbname"),
    ("PGSSLMODE", "sslmode"),
    ("PGSSLROOTCERT", "sslrootcert"),
    ("PGCONNECT_TIMEOUT", "connect_timeout"),
];

/// The socket directory libpq uses when no host is given (Debian's).
const SOCKET_DIR: &str = "/var/run/postgresql";

/// Builds the target from the options and `env` (a lookup, so tests need not
/// touch the process environment; files are found through it too: HOME,
/// PGPASSFILE, PGSERVICEFILE, PGSYSCONFDIR).
pub fn resolve(
    opts: &ConnectOptions,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Target, LiveError> {
    let params = parameters(opts.url.as_deref(), env)?;
    let sslmode = match (opts.sslmode, params.get("sslmode")) {
        (Some(mode), _) => mode,
        (None, Some(text)) => text.parse().map_err(LiveError::Usage)?,
        (None, None) => SslMode::Prefer,
    };
    let sslrootcert = opts
        .sslrootcert
        .clone()
        .or_else(|| params.get("sslrootcert").map(str::to_string));
    let connect_timeout = ConnectTimeout::resolve(opts.connect_timeout, &params)?;
    let mut warnings = Vec::new();
    let mut config = driver_config(&params, env, &mut warnings)?;
    config.application_name("pgvet");
    if let Some(limit) = connect_timeout.per_host {
        // The driver's limit is for the TCP connect to one address; the
        // whole attempt is bounded in `query::connect`.
        config.connect_timeout(limit);
    }
    config.ssl_mode(match sslmode {
        SslMode::Disable => PgSslMode::Disable,
        SslMode::Prefer => PgSslMode::Prefer,
        _ => PgSslMode::Require,
    });
    let label = label(&config);
    Ok(Target {
        config,
        sslmode,
        sslrootcert,
        label,
        connect_timeout,
        warnings,
    })
}

/// The connection string's parameters, then the service's, then the
/// environment's, each filling only what the ones before left unset.
fn parameters(
    text: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Params, LiveError> {
    let mut params = match text {
        Some(t) if !t.trim().is_empty() => conninfo::parse(t).map_err(LiveError::Usage)?,
        _ => Params::default(),
    };
    let service = params
        .get("service")
        .map(str::to_string)
        .or_else(|| env("PGSERVICE"))
        .filter(|s| !s.is_empty());
    if let Some(name) = service {
        files::apply_service(&mut params, &name, env).map_err(LiveError::Usage)?;
    }
    for (var, key) in ENV {
        if let Some(value) = env(var) {
            params.fill(key, value, Origin::Env(var));
        }
    }
    Ok(params)
}

/// The driver's config: hosts, ports, user, database and password, and the
/// parameters the driver checks itself.
fn driver_config(
    params: &Params,
    env: &dyn Fn(&str) -> Option<String>,
    warnings: &mut Vec<String>,
) -> Result<tokio_postgres::Config, LiveError> {
    let mut config = tokio_postgres::Config::from_str(&params.driver_string()).map_err(|e| {
        // The driver's own text is only "invalid connection string"; its
        // cause says what is wrong, without the value.
        let cause = std::error::Error::source(&e).map_or_else(String::new, ToString::to_string);
        LiveError::Usage(format!("invalid connection string: {cause}"))
    })?;
    add_hosts(&mut config, params);
    add_ports(&mut config, params)?;
    let user = params
        .get("user")
        .map(str::to_string)
        .or_else(|| env("USER"))
        .unwrap_or_else(|| "postgres".to_string());
    config.user(&user);
    if let Some(db) = params.get("dbname") {
        config.dbname(db);
    }
    let password = match params.get("password") {
        Some(pw) => Some(pw.to_string()),
        None => file_password(params, &user, env, warnings),
    };
    if let Some(pw) = password.filter(|pw| !pw.is_empty()) {
        config.password(pw);
    }
    Ok(config)
}

/// libpq's default host: the local socket directory, else localhost.
fn default_host() -> &'static str {
    if Path::new(SOCKET_DIR).is_dir() {
        SOCKET_DIR
    } else {
        "localhost"
    }
}

/// Each host of the list (an empty item is the default host); the
/// default host when neither `host` nor `hostaddr` is set.
fn add_hosts(config: &mut tokio_postgres::Config, params: &Params) {
    match params.get("host") {
        Some(list) => {
            for host in list.split(',') {
                config.host(if host.is_empty() {
                    default_host()
                } else {
                    host
                });
            }
        }
        None if params.get("hostaddr").is_none() => {
            config.host(default_host());
        }
        None => {}
    }
}

/// One port for every host, or one per host; an empty item is 5432.
fn add_ports(config: &mut tokio_postgres::Config, params: &Params) -> Result<(), LiveError> {
    let Some((list, origin)) = params.entry("port") else {
        return Ok(());
    };
    for item in list.split(',') {
        let port = match item.trim() {
            "" => 5432,
            text => text
                .parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or_else(|| {
                    LiveError::Usage(format!(
                        "{} is not a port number (1 to 65535)",
                        origin.describe("port")
                    ))
                })?,
        };
        config.port(port);
    }
    let hosts = config.get_hosts().len().max(config.get_hostaddrs().len());
    let ports = config.get_ports().len();
    if ports > 1 && ports != hosts {
        return Err(LiveError::Usage(format!(
            "{ports} ports for {hosts} hosts: give one port for all, or one per host"
        )));
    }
    Ok(())
}

/// The password file's password for the first host (the driver sends one
/// password to whichever host answers). The file is `passfile`,
/// PGPASSFILE, else ~/.pgpass.
fn file_password(
    params: &Params,
    user: &str,
    env: &dyn Fn(&str) -> Option<String>,
    warnings: &mut Vec<String>,
) -> Option<String> {
    let path = params
        .get("passfile")
        .map(PathBuf::from)
        .or_else(|| env("HOME").map(|home| Path::new(&home).join(".pgpass")))?;
    let first = |key: &str| params.get(key).and_then(|list| list.split(',').next());
    // libpq matches `host`, else `hostaddr`, else localhost; its default
    // socket directory counts as localhost.
    let host = match first("host").or_else(|| first("hostaddr")) {
        None | Some("") | Some(SOCKET_DIR) => "localhost",
        Some(host) => host,
    };
    let port = first("port").filter(|p| !p.is_empty()).unwrap_or("5432");
    let key = files::PassKey {
        host,
        port,
        dbname: params.get("dbname").unwrap_or(user),
        user,
    };
    files::password(&path, &key, warnings)
}

/// `user@host:port/dbname` for messages; never the password. With several
/// hosts (a host list or `hostaddr` list), each with its port, in the
/// order they are tried: `user@a:5432,b:5433/db`.
fn label(config: &tokio_postgres::Config) -> String {
    let user = config.get_user().unwrap_or("?");
    let ports = config.get_ports();
    let mut names: Vec<String> = config
        .get_hosts()
        .iter()
        .map(|host| match host {
            Host::Tcp(h) => h.clone(),
            Host::Unix(p) => p.display().to_string(),
        })
        .collect();
    if names.is_empty() {
        names = config
            .get_hostaddrs()
            .iter()
            .map(ToString::to_string)
            .collect();
    }
    let hosts: Vec<String> = names
        .iter()
        .enumerate()
        .map(|(i, host)| {
            // One port for all hosts, or one per host.
            let port = match ports {
                [one] => *one,
                many => many.get(i).copied().unwrap_or(5432),
            };
            format!("{host}:{port}")
        })
        .collect();
    let hosts = if hosts.is_empty() {
        "?:5432".to_string()
    } else {
        hosts.join(",")
    };
    let db = config.get_dbname().unwrap_or(user);
    format!("{user}@{hosts}/{db}")
}

/// The rustls configuration for a mode (unused for `disable`).
pub fn tls_config(
    sslmode: SslMode,
    sslrootcert: Option<&str>,
) -> Result<rustls::ClientConfig, LiveError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| LiveError::Tls(format!("TLS setup failed: {e}")))?;
    let verify = matches!(sslmode, SslMode::VerifyCa | SslMode::VerifyFull);
    if !verify {
        // libpq's prefer and require encrypt without checking who answers.
        return Ok(builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerification(provider)))
            .with_no_client_auth());
    }
    let mut roots = rustls::RootCertStore::empty();
    match sslrootcert {
        Some(path) => {
            let pem = std::fs::read(path)
                .map_err(|e| LiveError::Tls(format!("cannot read sslrootcert `{path}`: {e}")))?;
            let certs: Vec<CertificateDer<'static>> =
                rustls::pki_types::pem::PemObject::pem_slice_iter(&pem)
                    .collect::<Result<_, _>>()
                    .map_err(|e| {
                        LiveError::Tls(format!("sslrootcert `{path}` is not PEM: {e:?}"))
                    })?;
            if certs.is_empty() {
                return Err(LiveError::Tls(format!(
                    "sslrootcert `{path}` holds no certificate"
                )));
            }
            for cert in certs {
                roots.add(cert).map_err(|e| {
                    LiveError::Tls(format!("sslrootcert `{path}`: unusable certificate: {e}"))
                })?;
            }
        }
        None => {
            for cert in rustls_native_certs::load_native_certs().certs {
                // A broken system certificate is skipped, as libpq does.
                let _ = roots.add(cert);
            }
        }
    }
    let webpki = rustls::client::WebPkiServerVerifier::builder_with_provider(
        Arc::new(roots),
        Arc::clone(&provider),
    )
    .build()
    .map_err(|e| LiveError::Tls(format!("TLS setup failed: {e}")))?;
    let verifier: Arc<dyn ServerCertVerifier> = if sslmode == SslMode::VerifyCa {
        Arc::new(AnyHostName(webpki))
    } else {
        webpki
    };
    Ok(builder
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

/// Accepts any certificate, still checking the handshake's signatures.
#[derive(Debug)]
struct NoVerification(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// verify-ca: the chain must lead to a trusted root; the host name may differ.
#[derive(Debug)]
struct AnyHostName(Arc<rustls::client::WebPkiServerVerifier>);

impl ServerCertVerifier for AnyHostName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
        {
            Err(rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForName))
            | Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    /// An environment of owned values (paths into a temporary directory).
    fn env_owned(vars: Vec<(&'static str, String)>) -> impl Fn(&str) -> Option<String> {
        move |k| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone())
    }

    fn url(text: &str) -> ConnectOptions {
        ConnectOptions {
            url: Some(text.to_string()),
            ..ConnectOptions::default()
        }
    }

    fn usage_error(opts: &ConnectOptions, env: &dyn Fn(&str) -> Option<String>) -> String {
        match resolve(opts, env) {
            Ok(t) => panic!("{:?} resolved to {}", opts.url, t.label),
            Err(e @ LiveError::Usage(_)) => e.to_string(),
            Err(e) => panic!("not a usage error: {e}"),
        }
    }

    /// A file in `dir` with `text` and permissions `mode`.
    fn write(dir: &Path, name: &str, text: &str, mode: u32) -> String {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        path.display().to_string()
    }

    #[test]
    fn url_tls_params_are_read() {
        let t = resolve(
            &url("postgresql://u:p@h:6543/db?sslmode=verify-full&sslrootcert=%2Fa%20b.crt&connect_timeout=5"),
            &|_| None,
        )
        .unwrap();
        assert_eq!(t.sslmode, SslMode::VerifyFull);
        assert_eq!(t.sslrootcert.as_deref(), Some("/a b.crt"));
        assert_eq!(t.label, "u@h:6543/db");
        let t = resolve(
            &url("host=h sslmode=require sslrootcert='/a b.crt'"),
            &|_| None,
        )
        .unwrap();
        assert_eq!(t.sslmode, SslMode::Require);
        assert_eq!(t.sslrootcert.as_deref(), Some("/a b.crt"));
    }

    #[test]
    fn environment_fills_what_the_url_leaves_out() {
        let env = env_of(&[
            ("PGHOST", "db.example"),
            ("PGPORT", "6543"),
            ("PGUSER", "auditor"),
            ("PGPASSWORD", "s3cret"),
            ("PGDATABASE", "app"),
            ("PGSSLMODE", "require"),
        ]);
        let t = resolve(&ConnectOptions::default(), &env).unwrap();
        assert_eq!(t.label, "auditor@db.example:6543/app");
        assert_eq!(t.sslmode, SslMode::Require);
        assert_eq!(t.config.get_password(), Some(&b"s3cret"[..]));

        // The URL wins over the environment, the flag over both.
        let opts = url("postgresql://me@other:5433/x?sslmode=disable");
        let t = resolve(&opts, &env).unwrap();
        assert_eq!(t.label, "me@other:5433/x");
        assert_eq!(t.sslmode, SslMode::Disable);
        let opts = ConnectOptions {
            sslmode: Some(SslMode::VerifyFull),
            ..opts
        };
        assert_eq!(resolve(&opts, &env).unwrap().sslmode, SslMode::VerifyFull);
    }

    #[test]
    fn every_host_is_named_with_its_port() {
        let none = |_: &str| None;
        let t = resolve(
            &url("postgresql://me@localhost/d?host=/tmp/sock&port=55432"),
            &none,
        )
        .unwrap();
        assert_eq!(t.label, "me@/tmp/sock:55432/d");
        let t = resolve(&url("host=a,b port=5433,5434 user=me dbname=x"), &none).unwrap();
        assert_eq!(t.label, "me@a:5433,b:5434/x");
        assert_eq!(t.hosts(), 2);
        let t = resolve(&url("postgresql://me@a:5433,[::1]:5434/x"), &none).unwrap();
        assert_eq!(t.label, "me@a:5433,::1:5434/x");
        let err = usage_error(&url("host=a,b port=1,2,3"), &none);
        assert!(err.contains("3 ports for 2 hosts"), "{err}");
    }

    #[test]
    fn bad_input_is_a_usage_error_without_the_password() {
        let none = |_: &str| None;
        let err = usage_error(&url("postgresql://u:hunter2@h/db?sslmode=sometimes"), &none);
        assert!(err.contains("sslmode `sometimes`"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
        for text in [
            "postgresql://u:hunter2@h:notaport/db",
            "postgresql://u:hunter2@h:99999/db",
            "postgresql://reader:hunter2@secretpart@host/db",
            "postgresql://reader:hunter2/secretpart@host/db",
            "postgresql://reader:hunter2?secretpart@host/db",
            "postgresql://reader:hunter2@[secretpart/db",
            "host=h password=hunter2 secretpart user=u",
            "host=h password='hunter2 secretpart",
        ] {
            let err = usage_error(&url(text), &none);
            for secret in ["hunter2", "secretpart"] {
                assert!(!err.contains(secret), "{text}: {err}");
            }
        }
        let err = usage_error(&url("host=h port=0"), &none);
        assert!(
            err.contains("port in the connection string is not a port number"),
            "{err}"
        );
        let err = usage_error(&ConnectOptions::default(), &env_of(&[("PGPORT", "x")]));
        assert!(err.starts_with("PGPORT is not a port number"), "{err}");
    }

    #[test]
    fn a_password_with_spaces_and_quotes_is_kept_and_never_labelled() {
        let t = resolve(
            &url(r"host=h user=u password='hunter 2 \'q\'' dbname=d"),
            &|_| None,
        )
        .unwrap();
        assert_eq!(t.config.get_password(), Some(&b"hunter 2 'q'"[..]));
        assert_eq!(t.label, "u@h:5432/d");
        let t = resolve(&url("postgres://:hunter2@"), &env_of(&[("PGUSER", "pu")])).unwrap();
        assert!(t.label.starts_with("pu@"), "{}", t.label);
        assert!(!t.label.contains("hunter2"), "{}", t.label);
        assert_eq!(t.config.get_password(), Some(&b"hunter2"[..]));
    }

    #[test]
    fn driver_errors_are_not_prefixed_twice() {
        let err = usage_error(&url("host=h keepalives=often"), &|_| None);
        assert_eq!(
            err,
            "invalid connection string: invalid value for option `keepalives`"
        );
    }

    #[test]
    fn connect_timeout_precedence() {
        let timeout = |opts: &ConnectOptions, env: &[(&'static str, &'static str)]| {
            let env: Vec<(&str, String)> = env.iter().map(|(k, v)| (*k, v.to_string())).collect();
            resolve(opts, &env_owned(env)).unwrap().connect_timeout
        };
        let plain = url("host=h");
        let t = timeout(&plain, &[]);
        assert_eq!(t.per_host, Some(Duration::from_secs(10)));
        assert!(
            t.source.starts_with("default connect_timeout"),
            "{}",
            t.source
        );
        let t = timeout(&plain, &[("PGCONNECT_TIMEOUT", "5")]);
        assert_eq!(
            (t.per_host, t.source.as_str()),
            (Some(Duration::from_secs(5)), "PGCONNECT_TIMEOUT")
        );
        let in_url = url("postgresql://h/db?connect_timeout=3");
        let t = timeout(&in_url, &[("PGCONNECT_TIMEOUT", "5")]);
        assert_eq!(
            (t.per_host, t.source.as_str()),
            (
                Some(Duration::from_secs(3)),
                "connect_timeout in the connection string"
            )
        );
        let option = ConnectOptions {
            connect_timeout: Some(Duration::from_secs(7)),
            ..in_url
        };
        let t = timeout(&option, &[]);
        assert_eq!(t.per_host, Some(Duration::from_secs(7)));
        assert_eq!(t.source, "the connect timeout option");
        // libpq: zero or negative waits forever; 1 means 2.
        for (text, expected) in [
            ("0", None),
            ("-1", None),
            ("1", Some(2)),
            (" 20 ", Some(20)),
        ] {
            let t = timeout(&url(&format!("host=h connect_timeout='{text}'")), &[]);
            assert_eq!(t.per_host, expected.map(Duration::from_secs), "{text}");
        }
        let err = usage_error(&plain, &env_of(&[("PGCONNECT_TIMEOUT", "10s")]));
        assert_eq!(err, "PGCONNECT_TIMEOUT is not a whole number of seconds");
    }

    #[test]
    fn timeout_message_names_its_source() {
        let t = resolve(&url("host=a,b connect_timeout=4 user=u dbname=d"), &|_| {
            None
        })
        .unwrap();
        assert_eq!(
            t.connect_timeout.total(t.hosts()),
            Some(Duration::from_secs(8))
        );
        assert_eq!(
            t.timed_out().to_string(),
            "cannot connect to u@a:5432,b:5432/d: no answer within 4 s per host \
             (connect_timeout in the connection string)"
        );
        let t = resolve(&url("host=a user=u dbname=d"), &|_| None).unwrap();
        assert_eq!(
            t.timed_out().to_string(),
            "cannot connect to u@a:5432/d: no answer within 10 s (default connect_timeout; \
             set connect_timeout in the URL or PGCONNECT_TIMEOUT to change it)"
        );
    }

    #[test]
    fn a_service_fills_what_the_string_leaves_out() {
        let dir = tempfile::tempdir().unwrap();
        let file = write(
            dir.path(),
            "services",
            "[mydb]\nhost=somehost\nport=5433\nuser=admin\nhost=ignored\nconnect_timeout=4\n",
            0o644,
        );
        let env = env_owned(vec![
            ("PGSERVICEFILE", file.clone()),
            ("PGSYSCONFDIR", dir.path().display().to_string()),
            ("PGHOST", "envhost".into()),
            ("PGCONNECT_TIMEOUT", "9".into()),
        ]);
        // The string wins over the service, the service over the environment.
        let t = resolve(&url("service=mydb port=5434"), &env).unwrap();
        assert_eq!(t.label, "admin@somehost:5434/admin");
        assert_eq!(
            t.connect_timeout.source,
            "connect_timeout of service `mydb`"
        );
        let t = resolve(&url("postgresql://me@/db?service=mydb"), &env).unwrap();
        assert_eq!(t.label, "me@somehost:5433/db");
        // PGSERVICE names it when the string does not.
        let env = env_owned(vec![
            ("PGSERVICEFILE", file),
            ("PGSYSCONFDIR", dir.path().display().to_string()),
            ("PGSERVICE", "mydb".into()),
        ]);
        assert_eq!(
            resolve(&ConnectOptions::default(), &env).unwrap().label,
            "admin@somehost:5433/admin"
        );
        let err = usage_error(&url("service=nope"), &env);
        assert!(err.starts_with("service `nope` is not defined"), "{err}");
    }

    #[test]
    fn the_user_service_file_comes_before_the_system_one() {
        let home = tempfile::tempdir().unwrap();
        let sys = tempfile::tempdir().unwrap();
        write(home.path(), ".pg_service.conf", "[a]\nhost=user-a\n", 0o644);
        write(
            sys.path(),
            "pg_service.conf",
            "[a]\nhost=sys-a\nport=1111\n[b]\nhost=sys-b\n",
            0o644,
        );
        let env = env_owned(vec![
            ("HOME", home.path().display().to_string()),
            ("PGSYSCONFDIR", sys.path().display().to_string()),
            ("PGUSER", "u".into()),
        ]);
        // Sections are not merged: the system file's port for `a` is unused.
        assert_eq!(
            resolve(&url("service=a"), &env).unwrap().label,
            "u@user-a:5432/u"
        );
        assert_eq!(
            resolve(&url("service=b"), &env).unwrap().label,
            "u@sys-b:5432/u"
        );
    }

    #[test]
    fn the_password_file_gives_the_password_when_none_is_given() {
        let dir = tempfile::tempdir().unwrap();
        let pgpass = "# host:port:db:user:password\n\
                      db.example:5433:app:auditor:specific\n\
                      db.example:*:*:auditor:any\\:db\n\
                      localhost:5432:*:auditor:local\n";
        write(dir.path(), ".pgpass", pgpass, 0o600);
        let env = env_owned(vec![
            ("HOME", dir.path().display().to_string()),
            ("PGUSER", "auditor".into()),
        ]);
        let password = |text: &str| {
            let t = resolve(&url(text), &env).unwrap();
            assert!(t.warnings.is_empty(), "{:?}", t.warnings);
            t.config
                .get_password()
                .map(|p| String::from_utf8_lossy(p).into_owned())
        };
        assert_eq!(
            password("host=db.example port=5433 dbname=app").as_deref(),
            Some("specific")
        );
        assert_eq!(
            password("host=db.example dbname=other").as_deref(),
            Some("any:db")
        );
        assert_eq!(password("host=elsewhere").as_deref(), None);
        // The default socket directory counts as localhost.
        assert_eq!(
            password("host=/var/run/postgresql").as_deref(),
            Some("local")
        );
        // A given password wins.
        assert_eq!(
            password("host=db.example password=given").as_deref(),
            Some("given")
        );
        // PGPASSFILE and passfile name other files.
        let other = write(dir.path(), "other", "*:*:*:*:from-other\n", 0o600);
        let env = env_owned(vec![("PGPASSFILE", other.clone())]);
        let t = resolve(&url("host=h user=u"), &env).unwrap();
        assert_eq!(t.config.get_password(), Some(&b"from-other"[..]));
        let t = resolve(&url(&format!("host=h user=u passfile='{other}'")), &|_| {
            None
        })
        .unwrap();
        assert_eq!(t.config.get_password(), Some(&b"from-other"[..]));
    }

    #[test]
    fn a_password_file_others_can_read_is_skipped_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "pgpass", "*:*:*:*:leaked\n", 0o640);
        let env = env_owned(vec![("PGPASSFILE", path.clone())]);
        let t = resolve(&url("host=h user=u"), &env).unwrap();
        assert_eq!(t.config.get_password(), None);
        assert_eq!(t.warnings.len(), 1, "{:?}", t.warnings);
        assert!(t.warnings[0].contains(&path), "{:?}", t.warnings);
        assert!(
            t.warnings[0].contains("group or world access"),
            "{:?}",
            t.warnings
        );
        assert!(!t.warnings[0].contains("leaked"), "{:?}", t.warnings);
        // A missing file is silence.
        let env = env_owned(vec![("PGPASSFILE", format!("{path}.none"))]);
        assert!(resolve(&url("host=h user=u"), &env)
            .unwrap()
            .warnings
            .is_empty());
    }

    #[test]
    fn verify_full_without_roots_file_uses_the_system_store() {
        assert!(tls_config(SslMode::VerifyFull, None).is_ok());
        let err = tls_config(SslMode::VerifyFull, Some("/nonexistent/root.crt"))
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("cannot read sslrootcert"), "{err}");
    }
}
