//! What the escrow's `config()` and `credit_of()` answer, read straight from its storage: one
//! child-trie read instead of a dry run, which makes the node run the contract's Wasm. The
//! explorer's account pages make these reads under load. tests/contract_state.rs checks them
//! against the messages.

use scale::DecodeAll;

use super::ctx::Ctx;
use super::error::{OpError, OpResult};
use crate::chain::Chain;
use crate::contract_state::{self, mapping_trie_key, EscrowLayout, EscrowRoot};
use crate::types::{AccountBytes, Config, EscrowSettings, Localize};

impl Ctx {
    /// The escrow's windows and limits: fixed when it was instantiated, so read from its
    /// storage once per session (and the sessions shared from it).
    pub async fn escrow_settings(&mut self) -> OpResult<EscrowSettings> {
        if let Some(s) = self.escrow_settings {
            return Ok(s);
        }
        let trie = self.contracts().await?.escrow_trie;
        let settings = read_escrow_root(&self.chain, &trie).await?.settings;
        self.escrow_settings = Some(settings);
        Ok(settings)
    }

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
        let trie = self.contracts().await?.escrow_trie;
        let [root, credit] = read_trie(&self.chain, &trie, keys, at).await?;
        let mut config = escrow_root(root)?.config();
        config.localize(self.chain.ss58_prefix());
        let credit = credit
            .map(|c| decode::<u128>("a credit", &c))
            .transpose()?
            .unwrap_or(0);
        Ok((config, credit))
    }
}

/// The escrow's root entry (its packed fields) in the child trie `trie_id` at the best block.
async fn read_escrow_root(chain: &Chain, trie_id: &[u8]) -> OpResult<EscrowRoot> {
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
