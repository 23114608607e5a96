//! The typed contract API: one function per contract message, typed arguments and results,
//! each checked against the bundle's metadata before it is encoded. Commands ([`crate::ops`])
//! call these; these call [`crate::session::Ctx`], which talks to the chain.

pub mod escrow;
pub mod reputation;
pub mod requests;
pub mod spec;

pub use escrow::Escrow;
pub use reputation::Reputation;
pub use requests::Requests;

use subxt::utils::AccountId32;

use crate::contract::Contract;
use crate::documents::Document;
use crate::session::{Ctx, OpError, OpResult, TxReport, Which};
use crate::signer::Keypair;
use crate::types::Localize;

use self::spec::Message;

/// One contract of a session's deployment: every typed function reads or writes through
/// here, after checking its message against that contract's metadata.
struct Target<'s> {
    ctx: &'s mut Ctx,
    which: Which,
}

impl Target<'_> {
    /// The contract, once its metadata has `message` as the API encodes it.
    async fn checked(&mut self, message: Message) -> OpResult<Contract> {
        let contracts = self.ctx.contracts().await?;
        let contract = contracts.get(self.which)?.clone();
        message.check(self.which.name(), &contract.codec)?;
        Ok(contract)
    }

    async fn write<A: scale::Encode>(
        &mut self,
        signer: &Keypair,
        message: Message,
        args: &A,
        value: u128,
    ) -> OpResult<TxReport> {
        self.write_citing(signer, message, args, value, None).await
    }

    /// [`Self::write`] publishing `document` in the same transaction, so the call and the
    /// words it cites land together or not at all.
    async fn write_citing<A: scale::Encode>(
        &mut self,
        signer: &Keypair,
        message: Message,
        args: &A,
        value: u128,
        document: Option<&Document>,
    ) -> OpResult<TxReport> {
        self.checked(message).await?;
        self.ctx
            .write(self.which, signer, message.name, args, value, document)
            .await
    }

    /// A read, or what a write would return now: nothing is sent.
    async fn read<T: scale::Decode + Localize, A: scale::Encode>(
        &mut self,
        message: Message,
        args: &A,
    ) -> OpResult<T> {
        let contract = self.checked(message).await?;
        self.ctx.read(&contract, message.name, args).await
    }

    /// Whether `from` could send this write now (its dry run; nothing is sent).
    async fn check_write<A: scale::Encode>(
        &mut self,
        from: &AccountId32,
        message: Message,
        args: &A,
    ) -> OpResult<()> {
        self.checked(message).await?;
        self.ctx
            .check_write(self.which, from, message.name, args, 0)
            .await
    }
}

/// The id a create, accept, post or award returned.
fn returned_id(tx: &TxReport) -> OpResult<u64> {
    returned(tx)
}

/// What a write returned, decoded as `T` from the SCALE bytes its dry run gave back: ink!'s
/// `Ok(Ok(value))` of `Result<Result<T, Error>, LangError>`, `T` being the message's type as
/// the metadata check of [`Target::checked`] confirmed. Typed, not read from the JSON shown.
fn returned<T: scale::Decode>(tx: &TxReport) -> OpResult<T> {
    let bad = |why: String| OpError::Failed(format!("{} returned {why}", tx.message));
    match tx.return_data.as_slice() {
        [0, 0, value @ ..] => scale::DecodeAll::decode_all(&mut &value[..])
            .map_err(|e| bad(format!("an undecodable value: {e}"))),
        _ => Err(bad("no value".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn returning(data: Vec<u8>) -> TxReport {
        TxReport {
            message: "propose".into(),
            return_data: data,
            ..TxReport::default()
        }
    }

    #[test]
    fn a_write_returns_its_value_decoded_from_the_contracts_bytes_not_the_json_shown() {
        // Ok(Ok(7u32)), as ink! encodes it; the JSON shown may say anything.
        let mut tx = returning(vec![0, 0, 7, 0, 0, 0]);
        tx.return_value = serde_json::json!("not a number");
        assert_eq!(returned::<u32>(&tx).unwrap(), 7);
        // A u64 id takes 8 bytes: 4 are not one.
        assert!(returned::<u64>(&tx).is_err());
        // No value: a dispatch error, or a contract error.
        assert!(returned::<u32>(&returning(vec![1, 0])).is_err());
        assert!(returned::<u32>(&returning(vec![0, 1, 3])).is_err());
        assert!(returned::<u32>(&returning(Vec::new())).is_err());
    }
}
