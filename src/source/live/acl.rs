//! Access control lists as PostgreSQL prints them (`relacl::text[]`).
//!
//! The audit reads ACLs as text and decodes them here instead of calling
//! `aclexplode()` on the server: on 6,000 Supabase tables (fifteen grants
//! each) `aclexplode` was about half of the relations query (issue 5).
//!
//! An item reads `grantee=privileges/grantor`: the grantee is empty for
//! PUBLIC; a name is double-quoted when it holds anything but letters,
//! digits and underscores (a `"` inside doubled); each privilege is one
//! letter, followed by `*` when it carries the grant option.

/// One ACL item: who holds which privileges.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AclItem {
    /// The role's name, `public` for PUBLIC.
    pub grantee: String,
    /// Privilege names as `aclexplode` gives them (`SELECT`, `EXECUTE`, ...).
    pub privileges: Vec<&'static str>,
}

/// The privilege a letter of an ACL item stands for.
fn privilege(letter: char) -> Option<&'static str> {
    Some(match letter {
        'r' => "SELECT",
        'a' => "INSERT",
        'w' => "UPDATE",
        'd' => "DELETE",
        'D' => "TRUNCATE",
        'x' => "REFERENCES",
        't' => "TRIGGER",
        'X' => "EXECUTE",
        'U' => "USAGE",
        'C' => "CREATE",
        'T' => "TEMPORARY",
        'c' => "CONNECT",
        's' => "SET",
        'A' => "ALTER SYSTEM",
        'm' => "MAINTAIN",
        _ => return None,
    })
}

/// Reads a role name at the start of `text`; returns it and the rest.
fn name(text: &str) -> Option<(String, &str)> {
    let Some(quoted) = text.strip_prefix('"') else {
        let end = text.find(['=', '/']).unwrap_or(text.len());
        return Some((text[..end].to_string(), &text[end..]));
    };
    let mut out = String::new();
    let mut chars = quoted.char_indices();
    while let Some((i, c)) = chars.next() {
        if c != '"' {
            out.push(c);
            continue;
        }
        // `""` is one quote inside the name; a lone one ends it.
        if quoted[i + 1..].starts_with('"') {
            out.push('"');
            chars.next();
        } else {
            return Some((out, &quoted[i + 1..]));
        }
    }
    None
}

/// Decodes one item; None when it is not in the form PostgreSQL prints.
pub fn parse_item(text: &str) -> Option<AclItem> {
    let (grantee, rest) = name(text)?;
    let rest = rest.strip_prefix('=')?;
    let (letters, _grantor) = rest.split_once('/')?;
    let mut privileges = Vec::new();
    for c in letters.chars() {
        if c == '*' {
            continue;
        }
        privileges.push(privilege(c)?);
    }
    let grantee = if grantee.is_empty() {
        "public".to_string()
    } else {
        grantee
    };
    Some(AclItem {
        grantee,
        privileges,
    })
}

/// Decodes a whole ACL, skipping items that do not decode (a future
/// privilege letter must not make the audit fail).
pub fn parse(items: &[String]) -> Vec<AclItem> {
    items.iter().filter_map(|i| parse_item(i)).collect()
}

/// Roles that hold `privilege`, in ACL order, each once.
pub fn holders(acl: &[AclItem], privilege: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in acl {
        if item.privileges.contains(&privilege) && !out.contains(&item.grantee) {
            out.push(item.grantee.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(grantee: &str, privileges: &[&'static str]) -> AclItem {
        AclItem {
            grantee: grantee.to_string(),
            privileges: privileges.to_vec(),
        }
    }

    #[test]
    fn plain_public_and_grant_option() {
        assert_eq!(
            parse_item("anon=arwdDxt/postgres"),
            Some(item(
                "anon",
                &[
                    "INSERT",
                    "SELECT",
                    "UPDATE",
                    "DELETE",
                    "TRUNCATE",
                    "REFERENCES",
                    "TRIGGER"
                ]
            ))
        );
        assert_eq!(
            parse_item("=X/postgres"),
            Some(item("public", &["EXECUTE"]))
        );
        assert_eq!(
            parse_item("postgres=U*C*/postgres"),
            Some(item("postgres", &["USAGE", "CREATE"]))
        );
        assert_eq!(parse_item("app=/postgres"), Some(item("app", &[])));
    }

    #[test]
    fn quoted_names() {
        assert_eq!(
            // As PostgreSQL prints them (checked on PostgreSQL 15).
            parse_item(r#""Weird ""role"""=r/postgres"#),
            Some(item(r#"Weird "role""#, &["SELECT"]))
        );
        assert_eq!(
            parse_item(r#""a/b="=r/"my=owner""#),
            Some(item("a/b=", &["SELECT"]))
        );
    }

    #[test]
    fn not_an_acl_item() {
        for bad in ["", "anon", "anon=r", r#""open=r/x"#, "anon=r?/x"] {
            assert_eq!(parse_item(bad), None, "{bad}");
        }
        // A whole ACL skips what it cannot read and keeps the rest.
        let acl = parse(&["anon=r?/x".to_string(), "=r/x".to_string()]);
        assert_eq!(acl, vec![item("public", &["SELECT"])]);
    }

    #[test]
    fn holders_in_order_once() {
        let acl = parse(&[
            "postgres=arwdDxt/postgres".to_string(),
            "anon=r/postgres".to_string(),
            "anon=r/other".to_string(),
            "=w/postgres".to_string(),
        ]);
        assert_eq!(holders(&acl, "SELECT"), ["postgres", "anon"]);
        assert_eq!(holders(&acl, "UPDATE"), ["postgres", "public"]);
        assert!(holders(&acl, "EXECUTE").is_empty());
    }
}
