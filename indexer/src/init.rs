//! `shelf init`: create the registry descriptor after probing conditional writes.

use object_store::ObjectStoreExt as _;
use shelf_format::{ConditionalWrites, RegistryDescriptor, encode, keys};

use crate::error::{Error, Result};
use crate::location::Location;
use crate::registry::{Registry, now, path};

/// What `init` should do.
#[derive(Debug, Clone)]
pub struct InitOptions {
    /// Shown in the app; defaults to the location's last part.
    pub name: String,
    pub actor: String,
    /// Accept a store that ignores conditional writes (only one writer at a time).
    pub single_writer: bool,
}

/// What `init` did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct InitOutcome {
    /// False when a registry already existed (nothing was changed).
    pub created: bool,
    pub descriptor: RegistryDescriptor,
}

/// Create the registry. A second init reports the existing registry and changes nothing.
pub async fn init(registry: &Registry, options: &InitOptions) -> Result<InitOutcome> {
    if let Some(bytes) = registry.descriptor_bytes().await? {
        let descriptor = shelf_format::decode(keys::DESCRIPTOR, &bytes)?;
        return Ok(InitOutcome {
            created: false,
            descriptor,
        });
    }
    let (name, actor) = crate::texts::registry(&options.name, &options.actor)?;
    let conditional_writes = if probe_conditional_writes(registry).await? {
        ConditionalWrites::Verified
    } else if options.single_writer {
        ConditionalWrites::SingleWriter
    } else {
        return Err(Error::UnsafeStore {
            location: location_and_store(registry),
        });
    };
    let descriptor = RegistryDescriptor::new(
        name,
        now(),
        actor,
        format!("shelf {}", env!("CARGO_PKG_VERSION")),
        conditional_writes,
    );
    let created = registry
        .put_if_absent(keys::DESCRIPTOR, encode(&descriptor)?)
        .await?;
    if !created {
        // Another init won the race: report theirs.
        return Ok(InitOutcome {
            created: false,
            descriptor: registry.descriptor().await?,
        });
    }
    Ok(InitOutcome {
        created: true,
        descriptor,
    })
}

/// The location, with the kind of store it is when that is known
/// (`gs://b/p (Google Cloud Storage)`), for messages about the store itself.
fn location_and_store(registry: &Registry) -> String {
    match Location::parse(registry.location()) {
        Ok(parsed) => format!("{} ({})", registry.location(), parsed.store_name()),
        Err(_) => registry.location().to_string(),
    }
}

/// Create a scratch key twice with put-if-absent: true when the second create is refused.
pub async fn probe_conditional_writes(registry: &Registry) -> Result<bool> {
    let id: u128 = rand::random();
    let key = keys::probe_key(&format!("{id:032x}"));
    let not_implemented =
        |e: &Error| matches!(e, Error::Store(object_store::Error::NotImplemented { .. }));
    match registry.put_if_absent(&key, b"1".to_vec()).await {
        Ok(_) => {}
        Err(e) if not_implemented(&e) => return Ok(false),
        Err(e) => return Err(e),
    }
    let second = registry.put_if_absent(&key, b"2".to_vec()).await;
    // The probe is scratch, not truth: remove it (best effort).
    let _ = registry.store().delete(&path(&key)).await;
    match second {
        Ok(created_again) => Ok(!created_again),
        Err(e) if not_implemented(&e) => Ok(false),
        Err(e) => Err(e),
    }
}
