//! libpq's files: the connection service file (`pg_service.conf`) and the
//! password file (`.pgpass`), read with libpq's rules.

use std::path::{Path, PathBuf};

use super::conninfo::{check_key, Origin, Params};

pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Where the system-wide service file is when PGSYSCONFDIR is unset:
/// `pg_config --sysconfdir` of Debian's and of upstream's builds.
const SYSTEM_SERVICE_FILES: &[&str] = &[
    "/etc/postgresql-common/pg_service.conf",
    "/usr/local/pgsql/etc/pg_service.conf",
];

/// The service files in the order libpq reads them: the user's
/// (`servicefile`, PGSERVICEFILE, else ~/.pg_service.conf), then the
/// system's (PGSYSCONFDIR/pg_service.conf).
fn service_files(params: &Params, env: Env) -> Vec<PathBuf> {
    let user = params
        .get("servicefile")
        .map(PathBuf::from)
        .or_else(|| env("PGSERVICEFILE").map(PathBuf::from))
        .or_else(|| env("HOME").map(|home| Path::new(&home).join(".pg_service.conf")));
    let system = match env("PGSYSCONFDIR") {
        Some(dir) => vec![Path::new(&dir).join("pg_service.conf")],
        None => SYSTEM_SERVICE_FILES.iter().map(PathBuf::from).collect(),
    };
    user.into_iter().chain(system).collect()
}

/// Fills what `params` leaves unset from section `name` of the first
/// service file that has one; libpq never merges two files' sections.
pub fn apply_service(params: &mut Params, name: &str, env: Env) -> Result<(), String> {
    let paths = service_files(params, env);
    for path in &paths {
        let text = match std::fs::read(path) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            // A missing file is skipped, as libpq does.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                return Err(format!(
                    "cannot read service file `{}`: {e}",
                    path.display()
                ))
            }
        };
        if let Some(pairs) = section(&text, name, path)? {
            for (key, value) in pairs {
                params.fill(&key, value, Origin::Service(name.to_string()));
            }
            return Ok(());
        }
    }
    let tried: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    Err(format!(
        "service `{name}` is not defined in any service file (tried {})",
        tried.join(", ")
    ))
}

/// The `key=value` lines of section `[name]`, in file order; None when the
/// file has no such section.
fn section(text: &str, name: &str, path: &Path) -> Result<Option<Vec<(String, String)>>, String> {
    let mut found: Option<Vec<(String, String)>> = None;
    for (number, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(header) = line.strip_prefix('[') {
            if found.is_some() {
                break;
            }
            if header.strip_suffix(']') == Some(name) {
                found = Some(Vec::new());
            }
            continue;
        }
        let Some(pairs) = found.as_mut() else {
            continue;
        };
        let place = || format!("service file `{}`, line {}", path.display(), number + 1);
        let (key, value) = line
            .split_once('=')
            .ok_or_else(|| format!("syntax error in {}: expected key=value", place()))?;
        let key = key.trim();
        if key == "service" {
            return Err(format!("a service cannot name another one ({})", place()));
        }
        check_key(key, true).map_err(|e| format!("{e} ({})", place()))?;
        pairs.push((key.to_string(), value.trim().to_string()));
    }
    Ok(found)
}

/// What a password file line is matched against.
pub struct PassKey<'a> {
    pub host: &'a str,
    pub port: &'a str,
    pub dbname: &'a str,
    pub user: &'a str,
}

/// The password of the first line of the password file at `path` that
/// matches `key`. A missing file gives none; a file that is not a plain
/// file, or that group or others may access, is skipped with a warning, as
/// libpq does.
pub fn password(path: &Path, key: &PassKey, warnings: &mut Vec<String>) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() {
        warnings.push(format!(
            "password file `{}` is not a plain file; it was not read",
            path.display()
        ));
        return None;
    }
    if shared(&meta) {
        warnings.push(format!(
            "password file `{}` has group or world access; it was not read \
             (permissions should be u=rw (0600) or less)",
            path.display()
        ));
        return None;
    }
    let text = std::fs::read(path).ok()?;
    String::from_utf8_lossy(&text)
        .lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| matching_password(line, key))
}

#[cfg(unix)]
fn shared(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o077 != 0
}

#[cfg(not(unix))]
fn shared(_: &std::fs::Metadata) -> bool {
    false
}

/// `host:port:database:user:password`; `*` matches anything, `\` escapes
/// `:` and `\`. The password ends at the next unescaped `:`.
fn matching_password(line: &str, key: &PassKey) -> Option<String> {
    let fields = split_fields(line);
    let [host, port, dbname, user, password, ..] = fields.as_slice() else {
        return None;
    };
    let matches = |field: &Field, value: &str| field.raw == "*" || field.text == value;
    let all = matches(host, key.host)
        && matches(port, key.port)
        && matches(dbname, key.dbname)
        && matches(user, key.user);
    all.then(|| password.text.clone())
}

/// One field as written (a lone `*` is a wildcard, `\*` is not) and unescaped.
struct Field {
    raw: String,
    text: String,
}

fn split_fields(line: &str) -> Vec<Field> {
    let mut fields = Vec::new();
    let mut field = Field {
        raw: String::new(),
        text: String::new(),
    };
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            ':' => fields.push(std::mem::replace(
                &mut field,
                Field {
                    raw: String::new(),
                    text: String::new(),
                },
            )),
            '\\' => {
                field.raw.push(c);
                if let Some(next) = chars.next() {
                    field.raw.push(next);
                    field.text.push(next);
                }
            }
            _ => {
                field.raw.push(c);
                field.text.push(c);
            }
        }
    }
    fields.push(field);
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: PassKey = PassKey {
        host: "db.example",
        port: "5432",
        dbname: "app",
        user: "auditor",
    };

    #[test]
    fn first_matching_line_wins() {
        let file = "# comment\n\
                    other:5432:app:auditor:wrong\n\
                    db.example:5432:*:auditor:first\n\
                    *:*:*:*:second\n";
        let found = file.lines().find_map(|l| matching_password(l, &KEY));
        assert_eq!(found.as_deref(), Some("first"));
    }

    #[test]
    fn escapes_and_wildcards() {
        assert_eq!(
            matching_password(r"*:*:*:*:pa\:ss\\word:ignored", &KEY).as_deref(),
            Some(r"pa:ss\word")
        );
        // `\*` is a literal star, not a wildcard.
        assert_eq!(matching_password(r"\*:*:*:*:pw", &KEY), None);
        let star = PassKey { host: "*", ..KEY };
        assert_eq!(
            matching_password(r"\*:*:*:*:pw", &star).as_deref(),
            Some("pw")
        );
        let colon = PassKey { host: "a:b", ..KEY };
        assert_eq!(
            matching_password(r"a\:b:5432:app:auditor:pw", &colon).as_deref(),
            Some("pw")
        );
        assert_eq!(matching_password("*:*:*:*", &KEY), None);
    }

    #[test]
    fn a_section_ends_at_the_next_header() {
        let text = "[other]\nhost=x\n\n[mydb]\n# c\nhost = somehost\nport=5433\nhost=late\n[next]\nuser=n\n";
        let pairs = section(text, "mydb", Path::new("f")).unwrap().unwrap();
        assert_eq!(
            pairs,
            [
                ("host".to_string(), "somehost".to_string()),
                ("port".to_string(), "5433".to_string()),
                ("host".to_string(), "late".to_string()),
            ]
        );
        assert!(section(text, "none", Path::new("f")).unwrap().is_none());
    }

    #[test]
    fn bad_service_lines_name_the_file_and_line() {
        let err = section("[s]\nhost\n", "s", Path::new("/x/pg_service.conf")).unwrap_err();
        assert!(err.contains("`/x/pg_service.conf`, line 2"), "{err}");
        let err = section("[s]\nservice=t\n", "s", Path::new("f")).unwrap_err();
        assert!(err.contains("cannot name another"), "{err}");
        let err = section("[s]\nsslmod=x\n", "s", Path::new("f")).unwrap_err();
        assert!(err.contains("`sslmod`"), "{err}");
        // Lines of other sections are not checked.
        assert!(section("[t]\ngarbage\n[s]\nhost=h\n", "s", Path::new("f")).is_ok());
    }
}
