//! A fix a rule attaches to a finding, as data: `fix` writes the SQL for it.

use serde::{Deserialize, Serialize};

use crate::catalog::{Function, Ident, QualifiedName, TypeName};

/// Whether applying a rule's fix leaves every caller's behaviour as it was
/// (`fix_applicability:` in the rule's YAML).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Applicability {
    /// Nothing any role can read, write or call changes, and no statement
    /// that worked stops working (an index, a pinned search_path the body
    /// already resolves through, a per-statement `(select auth.uid())`):
    /// `pgvet fix` writes it.
    Safe,
    /// It changes who can read, write or call what, or what a statement
    /// does (enabling row level security, revoking EXECUTE, a view that
    /// runs with the caller's rights, a default an INSERT then gets):
    /// `pgvet fix` writes it only with `--unsafe-fixes`, with a comment
    /// saying what changes for whom.
    Unsafe,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
        }
    }
}

/// A fix a rule knows for one finding.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Remedy {
    /// fk-missing-index: a btree index on the foreign key's columns.
    IndexForeignKey {
        table: QualifiedName,
        columns: Vec<Ident>,
    },
    /// duplicate-index: drop this index (it backs no constraint).
    DropIndex { table: QualifiedName, index: Ident },
    /// security-definer-search-path, function-search-path-mutable.
    PinSearchPath {
        function: QualifiedName,
        args: Vec<TypeName>,
    },
    /// policy-exists-rls-disabled, queue-exposed-in-api: enable row level
    /// security, and let the policies (or their absence) decide.
    EnableRls { table: QualifiedName },
    /// rls-disabled, on a table without policies: enable row level security
    /// with a policy that lets through what the privileges let through
    /// today. `outside_api`: roles holding privileges on the table that are
    /// not the API's; a policy cannot keep all they do (COPY FROM, sessions
    /// with row_security off), so for them the fix is unsafe.
    KeepAccessWithRls {
        table: QualifiedName,
        outside_api: Vec<Ident>,
    },
    /// rls-initplan: wrap the policy's per-row request calls in `(select ...)`.
    WrapPolicyCalls { table: QualifiedName, policy: Ident },
    /// security-definer-executable-by-public: `public` means PUBLIC.
    RevokeExecute {
        function: QualifiedName,
        args: Vec<TypeName>,
        roles: Vec<Ident>,
    },
    /// security-definer-view.
    SecurityInvoker { view: QualifiedName },
    /// timestamp-nullable, for a NOT NULL column without a default.
    DefaultNow { table: QualifiedName, column: Ident },
    /// autovacuum-disabled: reset a storage parameter to the server's setting.
    ResetOption {
        table: QualifiedName,
        option: String,
    },
}

impl Remedy {
    /// Whether this instance of the fix is unsafe whatever its rule says
    /// (the rule's YAML gives the applicability of its usual case).
    pub fn unsafe_here(&self) -> bool {
        matches!(self, Remedy::KeepAccessWithRls { outside_api, .. } if !outside_api.is_empty())
    }

    pub fn pin_search_path(f: &Function) -> Remedy {
        Remedy::PinSearchPath {
            function: f.name.clone(),
            args: f.signature().into_iter().cloned().collect(),
        }
    }
}
