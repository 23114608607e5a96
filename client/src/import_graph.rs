//! The library's files form layers: a file may import from files below it, never from one that
//! imports it back (issue 26). This test reads every source file, resolves its `crate::`,
//! `super::`, `self::` and (in the binary) `escrow_client::` paths to the files they name, and
//! lists every pair of files that import each other.
//!
//! Paths resolve to the file of the deepest module they name (`a/b.rs` or `a/b/mod.rs`); an item
//! inside a module counts as that module's file. Inline `mod tests { .. }` blocks are left out:
//! test code may reach anywhere.
use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

/// Which crate a file belongs to: the library, or the binary under `src/bin/<name>/`.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
enum Krate {
    Lib,
    Bin(String),
}

/// A source file and the module it is.
struct SourceFile {
    path: PathBuf,
    krate: Krate,
    module: Vec<String>,
}

fn source_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("read src dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            source_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The crate and module path of `rel` (relative to `src/`): `lib.rs` and `bin/x/main.rs` are
/// crate roots, `a/mod.rs` is module `a`, `a/b.rs` is module `a::b`.
fn module_of(rel: &Path) -> (Krate, Vec<String>) {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let krate = if parts.first().map(String::as_str) == Some("bin") && parts.len() > 2 {
        let name = parts[1].clone();
        parts.drain(..2);
        Krate::Bin(name)
    } else {
        Krate::Lib
    };
    let last = parts.pop().expect("file name");
    let stem = last.trim_end_matches(".rs");
    let root = match krate {
        Krate::Lib => "lib",
        Krate::Bin(_) => "main",
    };
    if !(stem == "mod" || (parts.is_empty() && stem == root)) {
        parts.push(stem.to_string());
    }
    (krate, parts)
}

/// The code without comments, string and character literals, so only real paths remain.
fn strip(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < b.len() {
        let rest = &src[i..];
        if rest.starts_with("//") {
            i += rest.find('\n').unwrap_or(rest.len());
        } else if rest.starts_with("/*") {
            let mut depth = 0;
            while i < b.len() {
                if b[i..].starts_with(b"/*") {
                    depth += 1;
                    i += 2;
                } else if b[i..].starts_with(b"*/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if let Some(hashes) = raw_string_start(rest) {
            let close = format!("\"{}", "#".repeat(hashes));
            let body = i + 2 + hashes + usize::from(rest.starts_with("br"));
            i = src[body..]
                .find(&close)
                .map_or(b.len(), |p| body + p + close.len());
            out.push_str("\"\"");
        } else if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if b[i] == b'\'' {
            // A char literal ('x', '\n', '\u{..}') or a lifetime ('a), which stays.
            let mut chars = rest.char_indices().skip(1);
            match (chars.next(), chars.next()) {
                (Some((_, '\\')), _) => {
                    i += 2;
                    while i < b.len() && b[i] != b'\'' {
                        i += 1;
                    }
                    i += 1;
                    out.push_str("' '");
                }
                (Some(_), Some((end, '\''))) => {
                    i += end + 1;
                    out.push_str("' '");
                }
                _ => {
                    out.push('\'');
                    i += 1;
                }
            }
        } else {
            let c = rest.chars().next().expect("char");
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// The number of `#`s if `rest` opens a raw string (`r"`, `r#"`, `br#"`).
fn raw_string_start(rest: &str) -> Option<usize> {
    let after = rest.strip_prefix("br").or_else(|| rest.strip_prefix('r'))?;
    let hashes = after.len() - after.trim_start_matches('#').len();
    after[hashes..].starts_with('"').then_some(hashes)
}

/// `code` without its inline `mod name { .. }` blocks.
fn without_inline_modules(code: &str) -> String {
    let tokens = tokenize(code);
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i] == "mod" && tokens.get(i + 2).map(String::as_str) == Some("{") {
            let mut depth = 0;
            i += 2;
            while i < tokens.len() {
                match tokens[i].as_str() {
                    "{" => depth += 1,
                    "}" => depth -= 1,
                    _ => {}
                }
                i += 1;
                if depth == 0 {
                    break;
                }
            }
        } else {
            out.push(tokens[i].clone());
            i += 1;
        }
    }
    out.join(" ")
}

/// Identifiers, `::`, and every other character as its own token; whitespace dropped.
fn tokenize(code: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut chars = code.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_alphanumeric() || c == '_' {
            let mut ident = c.to_string();
            while let Some(&n) = chars.peek().filter(|n| n.is_alphanumeric() || **n == '_') {
                ident.push(n);
                chars.next();
            }
            tokens.push(ident);
        } else if c == ':' && chars.peek() == Some(&':') {
            chars.next();
            tokens.push("::".into());
        } else if !c.is_whitespace() {
            tokens.push(c.to_string());
        }
    }
    tokens
}

/// Reads a path tree at `tokens[*i]` (`a::b`, `a::{b, c::{d, e}}`, `a::*`, `a as b`) and pushes
/// every full path it names onto `out`, each starting with `prefix`.
fn path_tree(tokens: &[String], i: &mut usize, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    let mut path = prefix;
    loop {
        match tokens.get(*i).map(String::as_str) {
            Some("{") => {
                *i += 1;
                while *i < tokens.len() && tokens[*i] != "}" {
                    path_tree(tokens, i, path.clone(), out);
                    // Skip `as alias` up to the next item of the group.
                    while *i < tokens.len() && tokens[*i] != "," && tokens[*i] != "}" {
                        *i += 1;
                    }
                    if tokens.get(*i).map(String::as_str) == Some(",") {
                        *i += 1;
                    }
                }
                *i += 1;
                return;
            }
            // `a::{self}` names `a`; `*` names everything in it.
            Some("self") | Some("*") if !path.is_empty() => *i += 1,
            Some(t) if t.chars().all(|c| c.is_alphanumeric() || c == '_') => {
                path.push(t.to_string());
                *i += 1;
            }
            _ => break,
        }
        if tokens.get(*i).map(String::as_str) == Some("::") {
            *i += 1;
        } else {
            break;
        }
    }
    out.push(path);
}

/// Every path in `code` that starts at a crate or module root, made absolute within `krate`
/// (for the file at `module`), with the crate it names.
fn absolute_paths(code: &str, krate: &Krate, module: &[String]) -> Vec<(Krate, Vec<String>)> {
    let tokens = tokenize(code);
    let mut found = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let root = tokens[i].as_str();
        let is_root = matches!(root, "crate" | "super" | "self" | "escrow_client")
            && tokens.get(i + 1).map(String::as_str) == Some("::")
            && !(i > 0 && matches!(tokens[i - 1].as_str(), "$" | "::"));
        if !is_root {
            i += 1;
            continue;
        }
        let mut paths = Vec::new();
        path_tree(&tokens, &mut i, Vec::new(), &mut paths);
        for path in paths {
            let (target, base, rest): (Krate, Vec<String>, &[String]) = match root {
                "crate" => (krate.clone(), Vec::new(), &path[1..]),
                "escrow_client" => (Krate::Lib, Vec::new(), &path[1..]),
                _ => {
                    let mut base = module.to_vec();
                    let mut rest = &path[..];
                    while let Some(first) = rest.first() {
                        match first.as_str() {
                            "super" => {
                                base.pop();
                            }
                            "self" => {}
                            _ => break,
                        }
                        rest = &rest[1..];
                    }
                    (krate.clone(), base, rest)
                }
            };
            let mut full = base;
            full.extend(rest.iter().cloned());
            found.push((target, full));
        }
    }
    found
}

#[test]
fn no_two_source_files_import_each_other() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut paths = Vec::new();
    source_files(&src, &mut paths);
    let files: Vec<SourceFile> = paths
        .into_iter()
        .map(|path| {
            let (krate, module) = module_of(path.strip_prefix(&src).expect("under src"));
            SourceFile {
                path,
                krate,
                module,
            }
        })
        .collect();
    let by_module: HashMap<(Krate, Vec<String>), usize> = files
        .iter()
        .enumerate()
        .map(|(n, f)| ((f.krate.clone(), f.module.clone()), n))
        .collect();

    let mut edges = BTreeSet::new();
    for (n, file) in files.iter().enumerate() {
        let code = without_inline_modules(&strip(&fs::read_to_string(&file.path).expect("read")));
        for (krate, mut path) in absolute_paths(&code, &file.krate, &file.module) {
            // The deepest module the path names is the file it imports.
            let target = loop {
                if let Some(&t) = by_module.get(&(krate.clone(), path.clone())) {
                    break Some(t);
                }
                if path.pop().is_none() {
                    break None;
                }
            };
            if let Some(t) = target.filter(|&t| t != n) {
                edges.insert((n, t));
            }
        }
    }

    let name = |n: usize| {
        files[n]
            .path
            .strip_prefix(&src)
            .expect("under src")
            .display()
            .to_string()
    };
    let pairs: Vec<String> = edges
        .iter()
        .filter(|(a, b)| a < b && edges.contains(&(*b, *a)))
        .map(|&(a, b)| format!("{} <-> {}", name(a), name(b)))
        .collect();
    assert!(
        pairs.is_empty(),
        "files that import each other:\n  {}",
        pairs.join("\n  ")
    );
}
