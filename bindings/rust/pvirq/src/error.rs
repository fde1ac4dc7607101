// SPDX-License-Identifier: MIT
//! The host API's faults as a Rust enum, and the crate's `Result`.

use core::ffi::{CStr, c_int};
use core::fmt;

use pvirq_sys as sys;

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// Why a libpvirq operation failed: a fault of the caller or of the input
/// (a bad argument, a corrupt snapshot), one variant per such `PVIRQ_E*`
/// code.
///
/// What a VMM expects in normal operation is not here but in the return
/// types: acknowledge finding nothing is `Ok(None)`
/// ([`Vcpu::acknowledge`](crate::Vcpu::acknowledge)), an injection dropped
/// on a disabled instance or ignored on an unmapped input is a
/// [`Delivery`](crate::Delivery), a hypercall that is not libpvirq's is
/// [`Hypercall::NotPvirq`](crate::Hypercall::NotPvirq).
///
/// ```
/// use pvirq::{Error, Vm};
///
/// let vm = Vm::builder(1).build()?;
/// let v = vm.vcpu(0)?;
/// v.enable()?;
/// assert_eq!(v.acknowledge()?, None); // nothing pending: an outcome
/// assert_eq!(v.signal(64), Err(Error::InvalidIntid)); // a fault
/// assert_eq!(Error::InvalidIntid.code(), -3);
/// assert_eq!(Error::InvalidIntid.to_string(), "INTID out of range or of the wrong class");
/// # Ok::<(), pvirq::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Error {
    /// `PVIRQ_EINVAL`: malformed argument or configuration.
    InvalidArgument,
    /// `PVIRQ_EVCPU`: vCPU index out of range, or no vCPU has that CPU id.
    NoSuchVcpu,
    /// `PVIRQ_EINTID`: INTID out of range or of the wrong class.
    InvalidIntid,
    /// `PVIRQ_EINPUT`: rVID input number out of range.
    InvalidInput,
    /// `PVIRQ_ENOSPC`: buffer too small, or the VM's memory could not be allocated.
    NoSpace,
    /// `PVIRQ_ETRUNCATED`: snapshot shorter than its header says.
    Truncated,
    /// `PVIRQ_EMAGIC`: not a libpvirq snapshot.
    BadMagic,
    /// `PVIRQ_EVERSION`: snapshot format version not supported.
    UnsupportedVersion,
    /// `PVIRQ_ECHECKSUM`: snapshot checksum mismatch.
    BadChecksum,
    /// `PVIRQ_ECONFIG`: snapshot taken from a VM with another configuration.
    ConfigMismatch,
    /// `PVIRQ_ECORRUPT`: snapshot internally inconsistent.
    Corrupt,
    /// `PVIRQ_EADDRESS`: MSI written to an address that is not the doorbell.
    NotDoorbell,
    /// `PVIRQ_EBUSY`: rVID MAP onto a (vCPU, INTID) another input is mapped to.
    TargetBusy,
    /// `PVIRQ_EENABLED`: the call needs the vCPU's instance disabled
    /// (sharing or unsharing its state page).
    InstanceEnabled,
    /// A negative code this version of the crate does not know, or an
    /// outcome code from a call that cannot have that outcome.
    Unknown(i32),
}

impl Error {
    /// Every known variant, in code order.
    pub const ALL: [Error; 14] = [
        Error::InvalidArgument,
        Error::NoSuchVcpu,
        Error::InvalidIntid,
        Error::InvalidInput,
        Error::NoSpace,
        Error::Truncated,
        Error::BadMagic,
        Error::UnsupportedVersion,
        Error::BadChecksum,
        Error::ConfigMismatch,
        Error::Corrupt,
        Error::NotDoorbell,
        Error::TargetBusy,
        Error::InstanceEnabled,
    ];

    /// The C code (`PVIRQ_E*`, negative).
    pub fn code(self) -> i32 {
        match self {
            Error::InvalidArgument => sys::PVIRQ_EINVAL,
            Error::NoSuchVcpu => sys::PVIRQ_EVCPU,
            Error::InvalidIntid => sys::PVIRQ_EINTID,
            Error::InvalidInput => sys::PVIRQ_EINPUT,
            Error::NoSpace => sys::PVIRQ_ENOSPC,
            Error::Truncated => sys::PVIRQ_ETRUNCATED,
            Error::BadMagic => sys::PVIRQ_EMAGIC,
            Error::UnsupportedVersion => sys::PVIRQ_EVERSION,
            Error::BadChecksum => sys::PVIRQ_ECHECKSUM,
            Error::ConfigMismatch => sys::PVIRQ_ECONFIG,
            Error::Corrupt => sys::PVIRQ_ECORRUPT,
            Error::NotDoorbell => sys::PVIRQ_EADDRESS,
            Error::TargetBusy => sys::PVIRQ_EBUSY,
            Error::InstanceEnabled => sys::PVIRQ_EENABLED,
            Error::Unknown(code) => code,
        }
    }

    /// The error for a C return value; `None` for `PVIRQ_OK` (and any
    /// non-negative value, which the host API never returns as an error).
    pub fn from_code(code: i32) -> Option<Error> {
        if code >= 0 {
            return None;
        }
        Some(
            Error::ALL
                .iter()
                .copied()
                .find(|e| e.code() == code)
                .unwrap_or(Error::Unknown(code)),
        )
    }
}

/// Turns a C status into a `Result`.
pub(crate) fn check(code: c_int) -> Result<()> {
    match Error::from_code(code) {
        None => Ok(()),
        Some(e) => Err(e),
    }
}

impl fmt::Display for Error {
    /// The library's own wording (`pvirq_strerror()`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // SAFETY: pvirq_strerror() returns a static NUL-terminated string
        // for every int, and is thread-safe.
        let text = unsafe { CStr::from_ptr(sys::pvirq_strerror(self.code())) };
        f.write_str(&text.to_string_lossy())?;
        if let Error::Unknown(code) = self {
            write!(f, " ({code})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}
