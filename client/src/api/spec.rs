//! The signature each typed function was written for, checked against the bundle's metadata
//! before every call: a bundle whose message changed name, arguments, mutability or payability
//! is refused with an error naming the difference, never sent bytes it would misread.

use crate::contract::ContractCodec;
use crate::session::{OpError, OpResult};

/// One contract message as the typed API encodes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Message {
    pub name: &'static str,
    /// `(label, type name as the contract writes it)`, in order.
    pub args: &'static [(&'static str, &'static str)],
    pub mutates: bool,
    pub payable: bool,
}

impl Message {
    /// A read (`&self` message): dry-run only.
    pub const fn read(name: &'static str, args: &'static [(&'static str, &'static str)]) -> Self {
        Message {
            name,
            args,
            mutates: false,
            payable: false,
        }
    }

    /// A write that takes no value.
    pub const fn write(name: &'static str, args: &'static [(&'static str, &'static str)]) -> Self {
        Message {
            name,
            args,
            mutates: true,
            payable: false,
        }
    }

    /// A write that takes value (`#[ink(payable)]`).
    pub const fn payable(
        name: &'static str,
        args: &'static [(&'static str, &'static str)],
    ) -> Self {
        Message {
            name,
            args,
            mutates: true,
            payable: true,
        }
    }

    /// `Ok` when `codec`'s metadata has this message with exactly this signature.
    pub fn check(&self, contract: &str, codec: &ContractCodec) -> OpResult<()> {
        let mismatch = |what: String| {
            OpError::Failed(format!(
                "the {contract} bundle does not match this client: {}: {what}; use the bundles \
                 this client was built for",
                self.name
            ))
        };
        let info = codec
            .info(self.name)
            .map_err(|_| mismatch("no such message".into()))?;
        if info.constructor {
            return Err(mismatch("is a constructor".into()));
        }
        if (info.mutates, info.payable) != (self.mutates, self.payable) {
            return Err(mismatch(format!(
                "mutates {} payable {} in the metadata, {} {} here",
                info.mutates, info.payable, self.mutates, self.payable
            )));
        }
        let ours: Vec<(String, String)> = self
            .args
            .iter()
            .map(|(l, t)| (l.to_string(), t.to_string()))
            .collect();
        if info.args != ours {
            return Err(mismatch(format!(
                "arguments {:?} in the metadata, {:?} here",
                info.args, ours
            )));
        }
        Ok(())
    }
}
