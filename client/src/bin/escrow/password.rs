//! Where the keystore's passwords come from: `--password-file` (its first line), else
//! `ESCROW_PASSWORD`, else a prompt on the terminal without echo (a password being chosen is
//! typed twice). With none of them an encrypted key can be neither made nor unlocked, and the
//! library's error says how to give one.

use std::io::IsTerminal;
use std::path::PathBuf;

use escrow_client::keystore::{PasswordAnswer, PasswordRequest, Passwords};
use zeroize::Zeroizing;

/// Tries at typing a new password twice the same.
const TRIES: usize = 3;

pub fn source(password_file: Option<PathBuf>) -> Passwords {
    Passwords::new(move |request| {
        if let Some(path) = &password_file {
            return first_line(path).map(Some);
        }
        if let Some(value) = std::env::var_os("ESCROW_PASSWORD").filter(|v| !v.is_empty()) {
            return value
                .into_string()
                .map(|p| Some(Zeroizing::new(p)))
                .map_err(|_| "ESCROW_PASSWORD is not UTF-8".to_string());
        }
        if std::io::stdin().is_terminal() && std::io::stderr().is_terminal() {
            return prompt(request);
        }
        Ok(None)
    })
}

/// The password file's first line, without its line end.
fn first_line(path: &PathBuf) -> Result<Zeroizing<String>, String> {
    let text = Zeroizing::new(
        std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read --password-file {}: {e}", path.display()))?,
    );
    let line = text.lines().next().unwrap_or_default();
    Ok(Zeroizing::new(line.to_string()))
}

fn prompt(request: &PasswordRequest<'_>) -> PasswordAnswer {
    let label = match request {
        PasswordRequest::Unlock { name } => format!("password of key '{name}': "),
        PasswordRequest::NewKey { name } => format!("new password for key '{name}': "),
        PasswordRequest::Export { name } => {
            format!("password of the JSON export imported as '{name}': ")
        }
        PasswordRequest::Migrate { count } => {
            eprintln!(
                "keys.json holds {count} secret(s) in clear, written by an older version of \
                 escrow; they will be encrypted under the password you choose now."
            );
            "new password for those keys: ".to_string()
        }
    };
    let read = |label: &str| {
        rpassword::prompt_password(label)
            .map(Zeroizing::new)
            .map_err(|e| format!("cannot read a password on the terminal: {e}"))
    };
    for _ in 0..TRIES {
        let first = read(&label)?;
        if !request.is_new() || first == read("the same again: ")? {
            return Ok(Some(first));
        }
        eprintln!("the two differ; once more");
    }
    Err("the passwords typed twice differed three times: nothing changed".into())
}
