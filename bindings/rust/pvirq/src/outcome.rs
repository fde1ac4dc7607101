// SPDX-License-Identifier: MIT
//! What an injection did: outcomes a VMM expects, not faults.

use core::ffi::c_int;

use pvirq_sys as sys;

use crate::error::{Result, check};

/// What became of an interrupt that was sent (signal, inject, MSI, a level
/// line raised, a resample). None of these is a fault of the caller: a
/// guest may disable its instance or unmap an input at any time, and the
/// device model simply carries on.
///
/// ```
/// use pvirq::{Delivery, Vm};
///
/// let vm = Vm::builder(1).rvid_inputs(1).build()?;
/// assert_eq!(vm.rvid().inject(0)?, Delivery::Unmapped); // nobody mapped it
/// vm.rvid().map(0, 0, 32)?;
/// assert_eq!(vm.rvid().inject(0)?, Delivery::Dropped); // vCPU 0 is disabled
/// vm.vcpu(0)?.enable()?;
/// assert_eq!(vm.rvid().inject(0)?, Delivery::Latched);
/// # Ok::<(), pvirq::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Delivery {
    /// Latched: pending on its target (during a retarget, possibly on the
    /// previous target, where the guest acknowledges it). For a level line
    /// or a resample: done (also when the line was low).
    Latched,
    /// Every target instance was disabled: the edge is gone
    /// (`PVIRQ_EDISABLED`). A level line stays high and pends on ENABLE.
    Dropped,
    /// The rVID input is not mapped: the edge is ignored (`PVIRQ_EUNMAPPED`).
    Unmapped,
}

impl Delivery {
    /// Whether the interrupt is pending somewhere now.
    pub fn is_latched(self) -> bool {
        self == Delivery::Latched
    }
}

/// Splits a C status into a delivery outcome or a fault.
pub(crate) fn delivery(code: c_int) -> Result<Delivery> {
    match code {
        sys::PVIRQ_EDISABLED => Ok(Delivery::Dropped),
        sys::PVIRQ_EUNMAPPED => Ok(Delivery::Unmapped),
        _ => check(code).map(|()| Delivery::Latched),
    }
}
