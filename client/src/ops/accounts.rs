//! `escrow account new|list|import|fund` and `escrow withdraw`.

use serde::Serialize;

use super::types::Config;
use super::{usage, Ctx, OpResult, Settings, TxReport, Which};
use crate::keystore::KeyInfo;

#[derive(Debug, Clone, Serialize)]
pub struct KeyView {
    pub name: String,
    pub scheme: String,
    pub address: String,
}

impl From<KeyInfo> for KeyView {
    fn from(k: KeyInfo) -> Self {
        KeyView {
            name: k.name,
            scheme: k.scheme,
            address: k.address,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct KeyList {
    pub keystore: String,
    pub keys: Vec<KeyView>,
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

pub fn new_key(settings: &Settings, name: &str) -> OpResult<KeyView> {
    let mut ks = settings.open_keystore()?;
    Ok(ks.new_key(name)?.into())
}

pub fn import_key(settings: &Settings, name: &str, secret: &str) -> OpResult<KeyView> {
    let mut ks = settings.open_keystore()?;
    Ok(ks.import(name, secret)?.into())
}

pub fn list_keys(settings: &Settings) -> OpResult<KeyList> {
    let ks = settings.open_keystore()?;
    Ok(KeyList {
        keystore: ks.path().display().to_string(),
        keys: ks.list().into_iter().map(KeyView::from).collect(),
    })
}

/// Transfers `amount` to `to` from the --as account (default //Alice).
pub async fn fund(ctx: &mut Ctx, to: &str, amount: &str) -> OpResult<FundResult> {
    let to = ctx.account(to)?;
    let amount = ctx.units().parse(amount)?;
    if amount == 0 {
        return Err(usage("the amount must be above zero"));
    }
    let signer = ctx.signer(Some("//Alice"))?;
    let spinner = ctx.spinner("transfer: waiting for inclusion…".into());
    let outcome = ctx.chain.transfer_keep_alive(&signer, &to, amount).await;
    if let Some(s) = spinner {
        s.finish_and_clear();
    }
    let outcome = outcome?;
    Ok(FundResult {
        from: signer.ss58(),
        to: to.to_string(),
        amount: amount.to_string(),
        fee_paid: outcome.fee_paid.map(|f| f.to_string()),
        balance: ctx.chain.free_balance(&to).await?.to_string(),
    })
}

/// Takes the caller's credit out of the escrow.
pub async fn withdraw(ctx: &mut Ctx) -> OpResult<WithdrawResult> {
    let signer = ctx.signer(None)?;
    let tx = ctx
        .write(Which::Escrow, &signer, "withdraw", &(), 0)
        .await?;
    let amount = match &tx.return_value {
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::String(s) => s.clone(),
        _ => "0".into(),
    };
    Ok(WithdrawResult {
        account: signer.ss58(),
        amount,
        tx,
    })
}

/// Free balance and escrow credit of an account.
pub async fn balance(ctx: &mut Ctx, account: &str) -> OpResult<BalanceView> {
    let id = ctx.account(account)?;
    let free = ctx.chain.free_balance(&id).await?;
    let credit = match ctx.contracts().await {
        Ok(c) => {
            let credit: u128 = ctx.read(&c.escrow, "credit_of", &id.0).await?;
            // The fee recipient's platform fees are paid by `withdraw` too.
            let config: Config = ctx.read(&c.escrow, "config", &()).await?;
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
        account: id.to_string(),
        free: free.to_string(),
        escrow_credit: credit.map(|c| c.to_string()),
    })
}
