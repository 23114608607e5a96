//! Encoding calls and decoding return values, call inputs and events through contract-transcode
//! and one contract's ink! metadata, plus the helpers that read its dynamic values. Needs no
//! chain: everything here works from the metadata alone.

use std::path::Path;
use std::sync::Arc;

use contract_metadata::ContractMetadata;
use contract_transcode::ink_metadata::InkProject;
use contract_transcode::{ContractMessageTranscoder, Value as InkValue};
use scale_info::TypeDef;
use subxt::utils::AccountId32;

use super::error::{transcode_err, ContractClientError, ContractError, Result};
use super::ContractEvent;

/// A message's or constructor's signature, from the ink! metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageInfo {
    pub label: String,
    pub constructor: bool,
    pub mutates: bool,
    pub payable: bool,
    /// `(name, type as written in the contract)`.
    pub args: Vec<(String, String)>,
    pub docs: String,
}

/// Encoding and decoding for one contract's ink! metadata.
#[derive(Clone)]
pub struct ContractCodec {
    transcoder: Arc<ContractMessageTranscoder>,
}

impl std::fmt::Debug for ContractCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContractCodec").finish_non_exhaustive()
    }
}

impl ContractCodec {
    pub fn from_metadata(metadata: &ContractMetadata) -> Result<Self> {
        let transcoder =
            ContractMessageTranscoder::try_from(metadata.clone()).map_err(transcode_err)?;
        Ok(ContractCodec {
            transcoder: Arc::new(transcoder),
        })
    }

    pub fn from_ink_project(project: InkProject) -> Self {
        ContractCodec {
            transcoder: Arc::new(ContractMessageTranscoder::new(project)),
        }
    }

    /// Load from a `.contract` or `.json` metadata file.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let metadata = super::bundle::read_metadata(path)?;
        Self::from_metadata(&metadata)
    }

    pub fn project(&self) -> &InkProject {
        self.transcoder.metadata()
    }

    /// Selector + SCALE arguments for a message or constructor. Arguments use
    /// contract-transcode's syntax: `42`, `"text"`, `true`, `Some(5Grw...)`, `None`,
    /// `[1, 2]`, `(1, 2)`, `0x00ff`, `OfferTerms { title: "x", price: 5 }`, SS58 for `AccountId`.
    pub fn encode(&self, name: &str, args: &[String]) -> Result<Vec<u8>> {
        self.transcoder.encode(name, args).map_err(transcode_err)
    }

    /// The 4-byte selector of a message or constructor.
    pub fn selector(&self, name: &str) -> Result<[u8; 4]> {
        let spec = self.project().spec();
        let bytes = spec
            .messages()
            .iter()
            .find(|m| m.label() == name)
            .map(|m| m.selector().to_bytes())
            .or_else(|| {
                spec.constructors()
                    .iter()
                    .find(|c| c.label() == name)
                    .map(|c| c.selector().to_bytes())
            })
            .ok_or_else(|| {
                ContractClientError::Transcode(format!("no message or constructor named '{name}'"))
            })?;
        let mut out = [0u8; 4];
        out.copy_from_slice(&bytes[..4]);
        Ok(out)
    }

    /// Selector followed by the SCALE encoding of `args` (a tuple of the message's arguments,
    /// or a single value): for callers that hold typed arguments instead of transcode strings.
    pub fn encode_typed<A: scale::Encode>(&self, name: &str, args: &A) -> Result<Vec<u8>> {
        let mut input = self.selector(name)?.to_vec();
        args.encode_to(&mut input);
        Ok(input)
    }

    /// The signature of a message or constructor.
    pub fn info(&self, name: &str) -> Result<MessageInfo> {
        let spec = self.project().spec();
        let arg_list = |args: &[contract_transcode::ink_metadata::MessageParamSpec<
            scale_info::form::PortableForm,
        >]| {
            args.iter()
                .map(|a| {
                    (
                        a.label().to_string(),
                        a.ty().display_name().segments.join("::"),
                    )
                })
                .collect::<Vec<_>>()
        };
        if let Some(m) = spec.messages().iter().find(|m| m.label() == name) {
            return Ok(MessageInfo {
                label: name.to_string(),
                constructor: false,
                mutates: m.mutates(),
                payable: m.payable(),
                args: arg_list(m.args()),
                docs: m.docs().join("\n"),
            });
        }
        if let Some(c) = spec.constructors().iter().find(|c| c.label() == name) {
            return Ok(MessageInfo {
                label: name.to_string(),
                constructor: true,
                mutates: true,
                payable: *c.payable(),
                args: arg_list(c.args()),
                docs: c.docs().join("\n"),
            });
        }
        Err(ContractClientError::Transcode(format!(
            "no message or constructor named '{name}'"
        )))
    }

    /// Names of all messages.
    pub fn messages(&self) -> Vec<String> {
        self.project()
            .spec()
            .messages()
            .iter()
            .map(|m| m.label().to_string())
            .collect()
    }

    /// Decode a message's return data (`Result<T, LangError>` in ink! 5) and unwrap it:
    /// `Ok(Ok(v))` → `v` for fallible messages, `Ok(v)` → `v` otherwise; `Err(LangError)` and
    /// the contract's `Err(Error::X)` become errors.
    pub fn decode_message_return(&self, message: &str, data: &[u8]) -> Result<InkValue> {
        let value = self
            .transcoder
            .decode_message_return(message, &mut &data[..])
            .map_err(transcode_err)?;
        let fallible = self.message_returns_result(message);
        self.unwrap_return(message, value, fallible)
    }

    /// Decode a constructor's return data (`Result<(), LangError>` or
    /// `Result<Result<(), E>, LangError>`).
    pub fn decode_constructor_return(&self, constructor: &str, data: &[u8]) -> Result<InkValue> {
        let value = self
            .transcoder
            .decode_constructor_return(constructor, &mut &data[..])
            .map_err(transcode_err)?;
        let fallible = self.constructor_returns_result(constructor);
        self.unwrap_return(constructor, value, fallible)
    }

    fn unwrap_return(&self, message: &str, value: InkValue, fallible: bool) -> Result<InkValue> {
        let (outer, inner) = split_variant(&value);
        match outer.as_deref() {
            Some("Ok") => {}
            Some("Err") => {
                return Err(ContractClientError::LangError {
                    message: message.to_string(),
                    variant: inner
                        .as_ref()
                        .map(|v| variant_name(v).unwrap_or_else(|| v.to_string()))
                        .unwrap_or_default(),
                })
            }
            _ => return Ok(value),
        }
        let inner = inner.unwrap_or(InkValue::Unit);
        if !fallible {
            return Ok(inner);
        }
        let (result, payload) = split_variant(&inner);
        match result.as_deref() {
            Some("Ok") => Ok(payload.unwrap_or(InkValue::Unit)),
            Some("Err") => {
                let err = payload.unwrap_or(InkValue::Unit);
                Err(ContractError {
                    message: message.to_string(),
                    variant: variant_name(&err).unwrap_or_else(|| err.to_string()),
                    details: err.to_string(),
                }
                .into())
            }
            _ => Ok(inner),
        }
    }

    /// Whether the message's `T` in `Result<T, LangError>` is itself a `Result`.
    fn message_returns_result(&self, message: &str) -> bool {
        self.project()
            .spec()
            .messages()
            .iter()
            .find(|m| m.label() == message)
            .map(|m| self.ok_type_is_result(m.return_type().ret_type().ty().id))
            .unwrap_or(false)
    }

    fn constructor_returns_result(&self, constructor: &str) -> bool {
        self.project()
            .spec()
            .constructors()
            .iter()
            .find(|c| c.label() == constructor)
            .map(|c| self.ok_type_is_result(c.return_type().ret_type().ty().id))
            .unwrap_or(false)
    }

    fn ok_type_is_result(&self, outer_id: u32) -> bool {
        let registry = self.project().registry();
        let Some(outer) = registry.resolve(outer_id) else {
            return false;
        };
        let TypeDef::Variant(v) = &outer.type_def else {
            return false;
        };
        let Some(ok) = v.variants.iter().find(|v| v.name == "Ok") else {
            return false;
        };
        let Some(field) = ok.fields.first() else {
            return false;
        };
        registry
            .resolve(field.ty.id)
            .map(|t| t.path.segments.last().map(String::as_str) == Some("Result"))
            .unwrap_or(false)
    }

    /// Decode the input of a call (selector + SCALE arguments) into the message's name and
    /// named arguments.
    pub fn decode_message_call(&self, data: &[u8]) -> Result<(String, Vec<(String, InkValue)>)> {
        let value = self
            .transcoder
            .decode_contract_message(&mut &data[..])
            .map_err(transcode_err)?;
        let InkValue::Map(map) = value else {
            return Err(ContractClientError::Transcode(
                "unexpected message shape".into(),
            ));
        };
        let args = map.iter().map(|(k, v)| (map_key(k), v.clone())).collect();
        Ok((map.ident().unwrap_or_default(), args))
    }

    /// Decode a `Contracts::ContractEmitted` payload given the event record's topics
    /// (ink! 5: the first topic is the event's signature topic).
    pub fn decode_event(
        &self,
        contract: &AccountId32,
        topics: &[[u8; 32]],
        data: &[u8],
    ) -> Result<ContractEvent> {
        let sig = topics
            .first()
            .ok_or_else(|| ContractClientError::Transcode("anonymous event".into()))?;
        let mut prefixed = scale::Encode::encode(&scale::Compact(data.len() as u32));
        prefixed.extend_from_slice(data);
        let value = self
            .transcoder
            .decode_contract_event(sig, &mut &prefixed[..])
            .map_err(transcode_err)?;
        let InkValue::Map(map) = value else {
            return Err(ContractClientError::Transcode(
                "unexpected event shape".into(),
            ));
        };
        Ok(ContractEvent {
            contract: *contract,
            name: map.ident(),
            fields: map.iter().map(|(k, v)| (map_key(k), v.clone())).collect(),
            data: data.to_vec(),
            topics: topics.to_vec(),
        })
    }
}

/// A field name of a decoded map.
fn map_key(k: &InkValue) -> String {
    match k {
        InkValue::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `Name(inner)` → `(Some("Name"), Some(inner))`; `Name` → `(Some("Name"), None)`.
fn split_variant(v: &InkValue) -> (Option<String>, Option<InkValue>) {
    match v {
        InkValue::Tuple(t) => {
            let mut values = t.values();
            let first = values.next().cloned();
            if values.next().is_some() {
                (t.ident(), Some(v.clone()))
            } else {
                (t.ident(), first)
            }
        }
        InkValue::Map(m) => (m.ident(), Some(v.clone())),
        _ => (None, None),
    }
}

fn variant_name(v: &InkValue) -> Option<String> {
    match v {
        InkValue::Tuple(t) => t.ident(),
        InkValue::Map(m) => m.ident(),
        InkValue::Literal(s) => Some(s.clone()),
        _ => None,
    }
}
