//! How the keystore gets a password: it asks a [`Passwords`] the caller gives it (the binary's
//! prompts on the terminal, `--password-file` or `ESCROW_PASSWORD`), saying what for. The
//! library itself never reads a terminal or the environment for one.

use std::sync::Arc;

use zeroize::Zeroizing;

/// What a password is wanted for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordRequest<'a> {
    /// To unlock key `name`: to sign with it, or to show its secret URI.
    Unlock { name: &'a str },
    /// To encrypt new key `name` (a terminal asks twice).
    NewKey { name: &'a str },
    /// The password of the polkadot.js export being imported as `name`: checked, never kept.
    Export { name: &'a str },
    /// To encrypt the `count` secrets an older client's keys.json holds in clear (a terminal
    /// asks twice).
    Migrate { count: usize },
}

impl PasswordRequest<'_> {
    /// Whether this password is being chosen (so a typing mistake would lock the key away).
    pub fn is_new(&self) -> bool {
        matches!(
            self,
            PasswordRequest::NewKey { .. } | PasswordRequest::Migrate { .. }
        )
    }
}

/// What a password source answers: a password, none to be had (`Ok(None)`), or why it failed
/// (an unreadable password file).
pub type PasswordAnswer = Result<Option<Zeroizing<String>>, String>;

/// A source of passwords.
#[derive(Clone)]
pub struct Passwords(Arc<dyn Fn(&PasswordRequest<'_>) -> PasswordAnswer + Send + Sync>);

impl Passwords {
    pub fn new(
        source: impl Fn(&PasswordRequest<'_>) -> PasswordAnswer + Send + Sync + 'static,
    ) -> Self {
        Passwords(Arc::new(source))
    }

    /// The same password for every request (scripts and tests).
    pub fn fixed(password: &str) -> Self {
        let password = Zeroizing::new(password.to_string());
        Passwords::new(move |_| Ok(Some(password.clone())))
    }

    pub fn ask(&self, request: &PasswordRequest<'_>) -> PasswordAnswer {
        (self.0)(request)
    }
}

impl std::fmt::Debug for Passwords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Passwords")
    }
}
