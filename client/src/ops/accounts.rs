//! `escrow account new|list|import|fund` and `escrow withdraw`.

use std::path::Path;
use std::time::Duration;

use serde::Serialize;

use super::dry_run::{CallArg, DryRunReport};
use super::{usage, Ctx, OpResult, Settings, TxReport};
use crate::api::Escrow;
use crate::keystore::{ExportedSecret, ImportSource, KeyInfo};
use crate::signer::Scheme;
use crate::units::{to_ss58_with_prefix, GENERIC_SS58_PREFIX};

/// How long the key commands, which need no node, wait for one to learn its SS58 prefix.
const PREFIX_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, Serialize)]
pub struct KeyView {
    pub name: String,
    pub scheme: Scheme,
    /// SS58 with `ss58_prefix`.
    pub address: String,
    pub ss58_prefix: u16,
    /// Only when the key was just made: its secret phrase, shown this once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mnemonic: Option<String>,
}

impl KeyView {
    fn new(k: KeyInfo, ss58_prefix: u16) -> Self {
        KeyView {
            name: k.name,
            scheme: k.scheme,
            address: to_ss58_with_prefix(&k.account, ss58_prefix),
            ss58_prefix,
            mnemonic: None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct KeyList {
    pub keystore: String,
    pub keys: Vec<KeyView>,
}

/// `account export`: a key with its secret, in the form `account import` takes.
#[derive(Debug, Clone, Serialize)]
pub struct KeyExport {
    #[serde(flatten)]
    pub key: KeyView,
    pub secret: ExportedSecret,
    /// The file the polkadot.js JSON was written to (`--out`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub written_to: Option<String>,
}

/// Where `account import` takes a key from.
#[derive(Debug, Clone)]
pub enum ImportFrom {
    /// A mnemonic, secret URI or hex seed.
    Secret { secret: String, scheme: Scheme },
    /// A polkadot.js JSON export file (its password is asked for, and not kept).
    PolkadotJsFile { path: std::path::PathBuf },
}

/// The SS58 prefix for commands that need no node: the node's (at `--url`, else
/// node-config's) when it answers within two seconds, else the generic 42.
pub async fn ss58_prefix_without_chain(settings: &Settings) -> u16 {
    crate::chain::query_ss58_prefix(&settings.url(), PREFIX_TIMEOUT)
        .await
        .unwrap_or(GENERIC_SS58_PREFIX)
}

/// A new key from a fresh mnemonic of `words` words; the view carries the mnemonic.
pub async fn new_key(
    settings: &Settings,
    name: &str,
    scheme: Scheme,
    words: usize,
) -> OpResult<KeyView> {
    let mut ks = settings.open_keystore()?;
    let made = ks.new_key(name, scheme, words)?;
    let prefix = ss58_prefix_without_chain(settings).await;
    let mut view = KeyView::new(made.info, prefix);
    view.mnemonic = Some(made.mnemonic);
    Ok(view)
}

pub async fn import_key(settings: &Settings, name: &str, from: ImportFrom) -> OpResult<KeyView> {
    let mut ks = settings.open_keystore()?;
    let info = match &from {
        ImportFrom::Secret { secret, scheme } => ks.import(
            name,
            ImportSource::Secret {
                secret,
                scheme: *scheme,
            },
        )?,
        ImportFrom::PolkadotJsFile { path } => {
            let json = read_export(path)?;
            ks.import(name, ImportSource::PolkadotJs { json: &json })?
        }
    };
    let prefix = ss58_prefix_without_chain(settings).await;
    Ok(KeyView::new(info, prefix))
}

fn read_export(path: &Path) -> OpResult<String> {
    std::fs::read_to_string(path).map_err(|e| {
        usage(format!(
            "cannot read the JSON export {}: {e}",
            path.display()
        ))
    })
}

/// What `account export` gives.
#[derive(Debug, Clone)]
pub enum ExportWhat {
    /// The key's polkadot.js JSON (a dev URI: the URI), still encrypted: no password needed.
    /// With a file, it is written there as polkadot.js and Talisman import it.
    Json { out: Option<std::path::PathBuf> },
    /// The mnemonic or URI the key was made from, decrypted with its password.
    SecretUri,
}

pub async fn export_key(settings: &Settings, name: &str, what: ExportWhat) -> OpResult<KeyExport> {
    let ks = settings.open_keystore()?;
    let (info, secret, written_to) = match what {
        ExportWhat::SecretUri => {
            let (info, uri) = ks.export_secret_uri(name)?;
            (info, ExportedSecret::Suri(uri.to_string()), None)
        }
        ExportWhat::Json { out } => {
            let (info, secret) = ks.export(name)?;
            let written_to = match (&out, &secret) {
                (Some(path), ExportedSecret::PolkadotJs(json)) => {
                    write_export(path, json)?;
                    Some(path.display().to_string())
                }
                (Some(_), ExportedSecret::Suri(_)) => {
                    return Err(usage(format!(
                        "'{name}' is a dev URI, which has no JSON export: `escrow account \
                         export {name}` prints it"
                    )))
                }
                (None, _) => None,
            };
            (info, secret, written_to)
        }
    };
    let prefix = ss58_prefix_without_chain(settings).await;
    Ok(KeyExport {
        key: KeyView::new(info, prefix),
        secret,
        written_to,
    })
}

/// A polkadot.js JSON written as the file polkadot.js and Talisman import (mode 0600: it is
/// only as safe as its password).
fn write_export(path: &Path, json: &serde_json::Value) -> OpResult<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let text = serde_json::to_string_pretty(json).expect("serialisable");
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| usage(format!("cannot write {}: {e}", path.display())))
}

pub async fn list_keys(settings: &Settings) -> OpResult<KeyList> {
    let ks = settings.open_keystore()?;
    let prefix = ss58_prefix_without_chain(settings).await;
    Ok(KeyList {
        keystore: ks.path().display().to_string(),
        keys: ks
            .list()
            .into_iter()
            .map(|k| KeyView::new(k, prefix))
            .collect(),
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct FundResult {
    pub from: String,
    pub to: String,
    /// Plancks.
    pub amount: String,
    pub fee_paid: Option<String>,
    /// Free balance of the receiver afterwards, in plancks.
    pub balance: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct WithdrawResult {
    pub account: String,
    /// Plancks paid out.
    pub amount: String,
    pub tx: TxReport,
}

#[derive(Debug, Clone, Serialize)]
pub struct BalanceView {
    pub account: String,
    /// Free balance, plancks.
    pub free: String,
    /// What `escrow withdraw` would pay this account: its credit (failed payouts) plus, for
    /// the fee recipient, the platform fees due; plancks.
    pub escrow_credit: Option<String>,
}

/// Transfers `amount` to `to` from the --as/--suri account (default //Alice).
pub async fn fund(ctx: &mut Ctx, to: &str, amount: &str) -> OpResult<FundResult> {
    let to = ctx.account(to)?;
    let amount = ctx.units().parse(amount)?;
    if amount == 0 {
        return Err(usage("the amount must be above zero"));
    }
    let signer = ctx.signer(Some("//Alice"))?;
    if ctx.settings.dry_run || !ctx.settings.assume_yes {
        let fee = ctx
            .chain
            .transfer_fee_estimate(&signer, &to, amount)
            .await?;
        ctx.stop_before_sending(|| {
            Box::new(DryRunReport {
                call: "Balances.transfer_keep_alive".into(),
                signer: ctx.chain.ss58(&signer.public_key()),
                contract: None,
                args: vec![CallArg {
                    name: "dest".into(),
                    value: ctx.chain.ss58(&to.0).into(),
                }],
                call_data: None,
                value: amount.to_string(),
                result: serde_json::Value::Null,
                gas_required: None,
                storage_deposit: "0".into(),
                storage_deposit_limit: None,
                fee_estimate: Some(fee.to_string()),
                notes: vec![format!("to {}", ctx.chain.ss58(&to.0))],
                document: None,
                then: Vec::new(),
                token: ctx.units().clone(),
            })
        })?;
    }
    ctx.note("transfer: waiting for inclusion…");
    let outcome = ctx.chain.transfer_keep_alive(&signer, &to, amount).await;
    let outcome = outcome?;
    Ok(FundResult {
        from: ctx.chain.ss58(&signer.public_key()),
        to: ctx.chain.ss58(&to.0),
        amount: amount.to_string(),
        fee_paid: outcome.fee_paid.map(|f| f.to_string()),
        balance: ctx.chain.free_balance(&to).await?.to_string(),
    })
}

/// Takes the caller's credit out of the escrow.
pub async fn withdraw(ctx: &mut Ctx) -> OpResult<WithdrawResult> {
    let signer = ctx.signer(None)?;
    let tx = Escrow::new(ctx).withdraw(&signer).await?;
    let amount = match &tx.return_value {
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::String(s) => s.clone(),
        _ => "0".into(),
    };
    Ok(WithdrawResult {
        account: ctx.chain.ss58(&signer.public_key()),
        amount,
        tx,
    })
}

/// Free balance and escrow credit of an account.
pub async fn balance(ctx: &mut Ctx, account: &str) -> OpResult<BalanceView> {
    let id = ctx.account(account)?;
    let free = ctx.chain.free_balance(&id).await?;
    let credit = match ctx.contracts().await {
        Ok(_) => {
            // Read from the escrow's storage: what `credit_of` and `config` answer, without
            // running the contract twice.
            let (config, credit) = ctx.stored_config_and_credit(&id.0, None).await?;
            // The fee recipient's platform fees are paid by `withdraw` too.
            let fees = if config.fee_recipient == id.0 {
                config.fees_due
            } else {
                0
            };
            Some(credit.saturating_add(fees))
        }
        Err(_) => None,
    };
    Ok(BalanceView {
        account: ctx.chain.ss58(&id.0),
        free: free.to_string(),
        escrow_credit: credit.map(|c| c.to_string()),
    })
}
