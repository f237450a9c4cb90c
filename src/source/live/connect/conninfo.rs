//! Connection strings as libpq reads them: a `postgres[ql]://` URL or
//! `key=value` pairs, into one set of parameters. Error messages never quote
//! the string or a part of it that may hold the password: a password that
//! broke the syntax is in it, at a place nobody can tell.

use std::collections::BTreeMap;

/// Where a parameter came from: it decides precedence and names the source
/// in messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The URL or key=value string.
    ConnString,
    /// A section of a service file.
    Service(String),
    /// An environment variable.
    Env(&'static str),
}

impl Origin {
    /// `connect_timeout in PGCONNECT_TIMEOUT`-style phrases: where `key` was set.
    pub fn describe(&self, key: &str) -> String {
        match self {
            Origin::ConnString => format!("{key} in the connection string"),
            Origin::Service(name) => format!("{key} of service `{name}`"),
            Origin::Env(var) => (*var).to_string(),
        }
    }
}

/// Parameters by key word.
#[derive(Debug, Default)]
pub struct Params(BTreeMap<String, (String, Origin)>);

impl Params {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(|(v, _)| v.as_str())
    }

    pub fn entry(&self, key: &str) -> Option<(&str, &Origin)> {
        self.0.get(key).map(|(v, o)| (v.as_str(), o))
    }

    /// Replaces `key`: in a connection string the last value wins, as in
    /// libpq. An empty value means "not set", as in libpq.
    fn set(&mut self, key: &str, value: String, origin: Origin) {
        if value.is_empty() {
            self.0.remove(key);
        } else {
            self.0.insert(key.to_string(), (value, origin));
        }
    }

    /// Sets `key` from a source of lower precedence: only when unset.
    pub fn fill(&mut self, key: &str, value: String, origin: Origin) {
        if !self.0.contains_key(key) {
            self.set(key, value, origin);
        }
    }

    /// The parameters the driver reads itself, as a key=value string with
    /// every value quoted.
    pub fn driver_string(&self) -> String {
        let mut out = Vec::new();
        for key in DRIVER {
            if let Some(value) = self.get(key) {
                let quoted = value.replace('\\', "\\\\").replace('\'', "\\'");
                out.push(format!("{key}='{quoted}'"));
            }
        }
        out.join(" ")
    }
}

/// Key words pgvet reads. `application_name` and
/// `fallback_application_name` are accepted and ignored: pgvet names its
/// sessions `pgvet`.
const KNOWN: &[&str] = &[
    "host",
    "hostaddr",
    "port",
    "user",
    "password",
    "passfile",
    "dbname",
    "options",
    "application_name",
    "fallback_application_name",
    "sslmode",
    "sslnegotiation",
    "sslrootcert",
    "connect_timeout",
    "tcp_user_timeout",
    "keepalives",
    "keepalives_idle",
    "keepalives_interval",
    "keepalives_retries",
    "target_session_attrs",
    "channel_binding",
    "load_balance_hosts",
    "service",
    "servicefile",
];

/// Key words handed to the driver as they are (it checks their values).
const DRIVER: &[&str] = &[
    "hostaddr",
    "options",
    "sslnegotiation",
    "tcp_user_timeout",
    "keepalives",
    "keepalives_idle",
    "keepalives_interval",
    "keepalives_retries",
    "target_session_attrs",
    "channel_binding",
    "load_balance_hosts",
];

/// libpq key words pgvet does not support; named in the error, since a
/// libpq key word is not a piece of a password.
const LIBPQ_ONLY: &[&str] = &[
    "sslcert",
    "sslkey",
    "sslpassword",
    "sslcertmode",
    "sslcrl",
    "sslcrldir",
    "sslsni",
    "sslcompression",
    "ssl_min_protocol_version",
    "ssl_max_protocol_version",
    "requiressl",
    "requirepeer",
    "require_auth",
    "gssencmode",
    "gsslib",
    "gssdelegation",
    "krbsrvname",
    "replication",
    "client_encoding",
    "min_protocol_version",
    "max_protocol_version",
];

const PREFIX: &str = "invalid connection string";

/// Checks a key word. `echo` says whether an unknown one may be printed:
/// not in a key=value string, where a password with an unquoted space
/// turns its second half into a key word.
pub fn check_key(key: &str, echo: bool) -> Result<(), String> {
    if KNOWN.contains(&key) {
        return Ok(());
    }
    if LIBPQ_ONLY.contains(&key) {
        return Err(format!(
            "{PREFIX}: connection parameter `{key}` is not supported by pgvet"
        ));
    }
    if echo {
        return Err(format!("{PREFIX}: unknown connection parameter `{key}`"));
    }
    Err(format!(
        "{PREFIX}: unknown key word (not shown: it may be part of a password); \
         quote a value that contains spaces: password='a b'"
    ))
}

/// Parses a URL or a key=value string.
pub fn parse(text: &str) -> Result<Params, String> {
    let text = text.trim();
    let url = ["postgresql://", "postgres://"]
        .iter()
        .find_map(|scheme| text.strip_prefix(scheme));
    match url {
        Some(rest) => parse_url(rest),
        None => parse_pairs(text),
    }
}

// URLs. The parts are split before anything is decoded, and a URL that can
// be read in more than one way is refused: a password holding `@`, `/`,
// `?` or `:` must be percent-encoded, or part of it would be taken for the
// host or the database and printed in messages.

const MANY_AT: &str = "more than one `@` before the host: write an `@` in the user name or \
                       password as %40 (postgresql://user:p%40ss@host/db)";
const AT_AFTER_HOST: &str = "an `@` after the host part: write `/` and `?` in the password as \
                             %2F and %3F, and an `@` in the database name or a parameter as %40";
const BAD_HOST: &str = "the host part is not host, host:port or [IPv6 address]:port \
                        (comma-separated for several); write an IPv6 address in brackets, \
                        and `:` or `@` in the password as %3A and %40";
const BAD_PORT: &str = "a port in the URL is not a number from 1 to 65535";
const BAD_PERCENT: &str = "a `%` not followed by two hexadecimal digits: write `%` as %25";
const NOT_UTF8: &str = "a percent-encoded part is not UTF-8";
const NO_EQUALS_IN_QUERY: &str = "a parameter after `?` has no `=`";

fn url_error(what: &str) -> String {
    format!("{PREFIX}: {what}")
}

fn parse_url(rest: &str) -> Result<Params, String> {
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    if tail.contains('@') {
        return Err(url_error(AT_AFTER_HOST));
    }
    let mut params = Params::default();
    let hosts = match authority.split_once('@') {
        Some((_, hosts)) if hosts.contains('@') => return Err(url_error(MANY_AT)),
        Some((userinfo, hosts)) => {
            user_and_password(&mut params, userinfo)?;
            hosts
        }
        None => authority,
    };
    host_list(&mut params, hosts)?;
    path_and_query(&mut params, tail)?;
    Ok(params)
}

fn user_and_password(params: &mut Params, userinfo: &str) -> Result<(), String> {
    let (user, password) = match userinfo.split_once(':') {
        Some((u, p)) => (u, Some(p)),
        None => (userinfo, None),
    };
    params.set("user", decode(user)?, Origin::ConnString);
    if let Some(p) = password {
        params.set("password", decode(p)?, Origin::ConnString);
    }
    Ok(())
}

/// `a:5432,[::1]:5433,b` into `host` and `port` lists of equal length
/// (an empty port is the default).
fn host_list(params: &mut Params, list: &str) -> Result<(), String> {
    if list.is_empty() {
        return Ok(());
    }
    let mut hosts = Vec::new();
    let mut ports = Vec::new();
    for item in list.split(',') {
        let (host, port) = host_and_port(item).ok_or_else(|| url_error(BAD_HOST))?;
        if !port.bytes().all(|b| b.is_ascii_digit()) {
            return Err(url_error(BAD_PORT));
        }
        hosts.push(decode(host)?);
        ports.push(port);
    }
    params.set("host", hosts.join(","), Origin::ConnString);
    if ports.iter().any(|p| !p.is_empty()) {
        params.set("port", ports.join(","), Origin::ConnString);
    }
    Ok(())
}

/// One item of the host list; None when it can be read in more than one way.
fn host_and_port(item: &str) -> Option<(&str, &str)> {
    if let Some(bracketed) = item.strip_prefix('[') {
        let (host, after) = bracketed.split_once(']')?;
        if host.contains(['[', ']']) || after.contains(['[', ']']) {
            return None;
        }
        return match after {
            "" => Some((host, "")),
            _ => after.strip_prefix(':').map(|port| (host, port)),
        };
    }
    if item.contains(['[', ']']) {
        return None;
    }
    match item.split_once(':') {
        Some((_, port)) if port.contains(':') => None,
        Some((host, port)) => Some((host, port)),
        None => Some((item, "")),
    }
}

fn path_and_query(params: &mut Params, tail: &str) -> Result<(), String> {
    let (path, query) = match tail.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (tail, None),
    };
    if let Some(dbname) = path.strip_prefix('/') {
        params.set("dbname", decode(dbname)?, Origin::ConnString);
    }
    for pair in query.into_iter().flat_map(|q| q.split('&')) {
        if pair.is_empty() {
            continue;
        }
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| url_error(NO_EQUALS_IN_QUERY))?;
        let key = decode(key)?;
        check_key(&key, true)?;
        params.set(&key, decode(value)?, Origin::ConnString);
    }
    Ok(())
}

fn decode(part: &str) -> Result<String, String> {
    let mut out = Vec::with_capacity(part.len());
    let mut bytes = part.bytes();
    while let Some(b) = bytes.next() {
        if b != b'%' {
            out.push(b);
            continue;
        }
        let high = bytes.next().and_then(hex_digit);
        let low = bytes.next().and_then(hex_digit);
        match (high, low) {
            (Some(h), Some(l)) => out.push((h << 4) | l),
            _ => return Err(url_error(BAD_PERCENT)),
        }
    }
    String::from_utf8(out).map_err(|_| url_error(NOT_UTF8))
}

fn hex_digit(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

// key=value strings, libpq's syntax: `key = value` pairs separated by
// whitespace; a value is quoted with `'` when it holds whitespace or is
// empty; `\` escapes the next character, quoted or not.

const PAIRS_HINT: &str = "write key=value pairs separated by spaces, quote a value that \
                          contains spaces or quotes (password='a b'), and escape ' and \\ \
                          inside it with \\";

fn parse_pairs(text: &str) -> Result<Params, String> {
    let mut params = Params::default();
    let mut chars = text.chars().peekable();
    loop {
        skip_spaces(&mut chars);
        if chars.peek().is_none() {
            return Ok(params);
        }
        let mut key = String::new();
        while let Some(c) = chars.next_if(|c| !c.is_whitespace() && *c != '=') {
            key.push(c);
        }
        skip_spaces(&mut chars);
        if key.is_empty() || chars.next() != Some('=') {
            return Err(format!(
                "{PREFIX}: a word that is not key=value (not shown: it may be part of \
                 a password); {PAIRS_HINT}"
            ));
        }
        skip_spaces(&mut chars);
        let value = match chars.next_if_eq(&'\'') {
            Some(_) => quoted_value(&mut chars)?,
            None => bare_value(&mut chars),
        };
        check_key(&key, false)?;
        params.set(&key, value, Origin::ConnString);
    }
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

fn skip_spaces(chars: &mut Chars) {
    while chars.next_if(|c| c.is_whitespace()).is_some() {}
}

fn bare_value(chars: &mut Chars) -> String {
    let mut value = String::new();
    while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
        match c {
            '\\' => value.extend(chars.next()),
            _ => value.push(c),
        }
    }
    value
}

fn quoted_value(chars: &mut Chars) -> Result<String, String> {
    let mut value = String::new();
    while let Some(c) = chars.next() {
        match c {
            '\'' => return Ok(value),
            '\\' => value.extend(chars.next()),
            _ => value.push(c),
        }
    }
    Err(format!(
        "{PREFIX}: a quoted value has no closing '; {PAIRS_HINT}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Params {
        parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    /// The error for `text`, checked to hold none of `secrets`.
    fn refused(text: &str, secrets: &[&str]) -> String {
        let err = match parse(text) {
            Ok(p) => panic!("{text}: accepted as {p:?}"),
            Err(e) => e,
        };
        for s in secrets {
            assert!(!err.contains(s), "{text}: `{s}` in: {err}");
        }
        assert!(err.starts_with("invalid connection string: "), "{err}");
        assert_eq!(err.matches("invalid connection string").count(), 1, "{err}");
        err
    }

    #[test]
    fn url_parts_are_decoded() {
        let p = parsed(
            "postgresql://u%40x:p%40ss%2F%3F@h1:5433,[::1]:5434/d%20b?sslmode=require&host=%2Ftmp",
        );
        assert_eq!(p.get("user"), Some("u@x"));
        assert_eq!(p.get("password"), Some("p@ss/?"));
        // `?host=` replaces the authority's hosts, as in libpq.
        assert_eq!(p.get("host"), Some("/tmp"));
        assert_eq!(p.get("port"), Some("5433,5434"));
        assert_eq!(p.get("dbname"), Some("d b"));
        assert_eq!(p.get("sslmode"), Some("require"));
        let p = parsed("postgres://[::1]/x");
        assert_eq!(p.get("host"), Some("::1"));
        assert_eq!(p.get("port"), None);
    }

    #[test]
    fn a_colon_in_the_password_is_fine() {
        let p = parsed("postgresql://u:pa:ss@h/db");
        assert_eq!(p.get("password"), Some("pa:ss"));
        assert_eq!(p.get("host"), Some("h"));
    }

    #[test]
    fn empty_parts_mean_defaults() {
        let p = parsed("postgres://:pw@");
        assert_eq!(p.get("user"), None);
        assert_eq!(p.get("password"), Some("pw"));
        assert_eq!(p.get("host"), None);
        let p = parsed("postgresql://u:pw@/db");
        assert_eq!((p.get("host"), p.get("dbname")), (None, Some("db")));
        let p = parsed("postgresql://u@h:/db");
        assert_eq!((p.get("host"), p.get("port")), (Some("h"), None));
    }

    #[test]
    fn several_at_signs_are_refused_without_the_userinfo() {
        let err = refused(
            "postgresql://reader:hunter2@secretpart@host/db",
            &["reader", "hunter2", "secretpart"],
        );
        assert!(err.contains("%40"), "{err}");
        refused(
            "postgresql://reader:hun@ter2@@host/db",
            &["reader", "hun", "ter2"],
        );
        refused("postgresql://@@host/db", &[]);
    }

    #[test]
    fn an_at_sign_after_a_slash_or_question_mark_is_refused() {
        for url in [
            "postgresql://reader:hunt/er2@host/db",
            "postgresql://reader:hunt?er2@host/db",
            "postgresql://reader:hu@nt/er2@host/db",
            "postgres://reader:hunt/er2@",
            "postgresql://host/db?application_name=a@b",
        ] {
            let err = refused(url, &["reader", "hunt", "er2"]);
            assert!(err.contains("%2F") && err.contains("%40"), "{err}");
        }
    }

    #[test]
    fn odd_hosts_are_refused_without_the_userinfo() {
        for url in [
            "postgresql://reader:hunter2@[::1/db",
            "postgresql://reader:hunter2@::1]/db",
            "postgresql://reader:hunter2@[::1]x/db",
            "postgresql://reader:hunter2@[[::1]]/db",
            "postgresql://reader:hunter2@::1/db",
            "postgresql://reader:hunter2@host:5432:1/db",
            "postgresql://reader:hunter2@host:54x2/db",
            "postgresql://reader:hunter2@host:-1/db",
        ] {
            refused(url, &["reader", "hunter2"]);
        }
        // A forgotten `@host`: the password would be the port.
        refused("postgresql://reader:hunter2", &["reader", "hunter2"]);
        refused("postgresql://reader:hunter2/db", &["reader", "hunter2"]);
    }

    #[test]
    fn bad_percent_escapes_are_refused() {
        refused("postgresql://u:hunter%2@h/db", &["hunter"]);
        refused("postgresql://u:hunter%zz@h/db", &["hunter"]);
        refused("postgresql://u:hunter%ff@h/db", &["hunter"]);
    }

    #[test]
    fn url_parameters_are_checked() {
        let err = refused("postgresql://h/db?sslmod=require", &[]);
        assert!(err.contains("`sslmod`"), "{err}");
        let err = refused("postgresql://h/db?sslcert=a.crt", &[]);
        assert!(err.contains("`sslcert` is not supported"), "{err}");
        refused("postgresql://h/db?sslmode", &[]);
    }

    #[test]
    fn key_value_quoting_and_escapes() {
        let p = parsed(r"host=h password='it\'s a \\ secret' user = me dbname=x\ y");
        assert_eq!(p.get("password"), Some(r"it's a \ secret"));
        assert_eq!(p.get("user"), Some("me"));
        assert_eq!(p.get("dbname"), Some("x y"));
        // Key words inside a quoted value are part of the value.
        let p = parsed("password='x sslmode=disable' host=h");
        assert_eq!(p.get("password"), Some("x sslmode=disable"));
        assert_eq!(p.get("sslmode"), None);
        // The last value wins; an empty one unsets.
        let p = parsed("host=a host=b port=1 port=''");
        assert_eq!((p.get("host"), p.get("port")), (Some("b"), None));
    }

    #[test]
    fn broken_key_value_strings_are_refused_without_the_password() {
        for text in [
            "host=h password=hunter two dbname=x",
            "host=h password=hunter twowords=x",
            "host=h password='hunter two",
            "host=h password=hunter\\' two'",
            "password=hunter =two",
        ] {
            refused(text, &["hunter", "two"]);
        }
        let err = refused("host=h sslcert=x", &[]);
        assert!(err.contains("`sslcert`"), "{err}");
    }

    #[test]
    fn the_driver_string_quotes_every_value() {
        let p = parsed(r"options='-c a=\'b c\'' keepalives=0 password=x host=h");
        assert_eq!(p.driver_string(), r"options='-c a=\'b c\'' keepalives='0'");
    }
}
