//! What three of the contracts' read messages answer, read straight from their storage: one
//! child-trie read instead of a dry run, which makes the node run the contract's Wasm. The
//! explorer's pages make these reads under load. tests/contract_state.rs checks each against
//! its message.

use scale::DecodeAll;

use super::ctx::Ctx;
use super::error::{OpError, OpResult};
use crate::chain::Chain;
use crate::contract_state::{self, mapping_trie_key, EscrowLayout, EscrowRoot, REPUTATION_DEALS};
use crate::types::{AccountBytes, Config, DealRecord, Localize};

impl Ctx {
    /// The escrow's `config()` and `credit_of(account)` at block `at` (`None`: the best
    /// block), in one read.
    pub async fn stored_config_and_credit(
        &mut self,
        account: &AccountBytes,
        at: Option<[u8; 32]>,
    ) -> OpResult<(Config, u128)> {
        let layout = EscrowLayout::ESCROW;
        let keys = [
            mapping_trie_key(layout.root, &()),
            mapping_trie_key(layout.credits, account),
        ];
        let [root, credit] = self.read_stored(Trie::Escrow, keys, at).await?;
        let mut config = escrow_root(root)?.config();
        config.localize(self.chain.ss58_prefix());
        let credit = credit
            .map(|c| decode::<u128>("a credit", &c))
            .transpose()?
            .unwrap_or(0);
        Ok((config, credit))
    }

    /// The reputation contract's `deal_record(escrow, id)` for this deployment's escrow at
    /// block `at` (`None`: the best block).
    pub async fn stored_deal_record(
        &mut self,
        id: u64,
        at: Option<[u8; 32]>,
    ) -> OpResult<Option<DealRecord>> {
        let escrow = self.contracts().await?.escrow.address.0;
        let [record] = self
            .read_stored(
                Trie::Reputation,
                [mapping_trie_key(REPUTATION_DEALS, &(escrow, id))],
                at,
            )
            .await?;
        let Some(bytes) = record else {
            return Ok(None);
        };
        let mut record = decode::<DealRecord>("a deal record", &bytes)?;
        record.localize(self.chain.ss58_prefix());
        Ok(Some(record))
    }

    async fn read_stored<const N: usize>(
        &mut self,
        trie: Trie,
        keys: [Vec<u8>; N],
        at: Option<[u8; 32]>,
    ) -> OpResult<[Option<Vec<u8>>; N]> {
        let contracts = self.contracts().await?;
        let trie_id = match trie {
            Trie::Escrow => &contracts.escrow_trie,
            Trie::Reputation => &contracts.reputation_trie,
        };
        read_trie(&self.chain, trie_id, keys, at).await
    }
}

/// The escrow's root entry (its packed fields) in the child trie `trie_id` at the best block.
pub(super) async fn read_escrow_root(chain: &Chain, trie_id: &[u8]) -> OpResult<EscrowRoot> {
    let [root] = read_trie(
        chain,
        trie_id,
        [mapping_trie_key(EscrowLayout::ESCROW.root, &())],
        None,
    )
    .await?;
    escrow_root(root)
}

fn escrow_root(value: Option<Vec<u8>>) -> OpResult<EscrowRoot> {
    let value = value.ok_or_else(|| {
        OpError::Failed("the escrow's storage has no root entry: is it an escrow?".into())
    })?;
    decode("the escrow's root entry", &value)
}

async fn read_trie<const N: usize>(
    chain: &Chain,
    trie_id: &[u8],
    keys: [Vec<u8>; N],
    at: Option<[u8; 32]>,
) -> OpResult<[Option<Vec<u8>>; N]> {
    let values = contract_state::read_values(chain, trie_id, &keys, at)
        .await
        .map_err(state_err)?;
    values
        .try_into()
        .map_err(|_| OpError::Failed("a storage read answered the wrong number of values".into()))
}

#[derive(Debug, Clone, Copy)]
enum Trie {
    Escrow,
    Reputation,
}

fn decode<T: DecodeAll>(what: &str, bytes: &[u8]) -> OpResult<T> {
    T::decode_all(&mut &bytes[..])
        .map_err(|e| OpError::Failed(format!("cannot decode {what} from storage: {e}")))
}

fn state_err(e: contract_state::ContractStateError) -> OpError {
    match e {
        contract_state::ContractStateError::Chain(c) => OpError::Chain(c),
        other => OpError::Failed(other.to_string()),
    }
}
