// SPDX-License-Identifier: MIT
//! Safe Rust interface to libpvirq: a small, verifiable paravirtual
//! interrupt controller (Arm's rVIC/rVID model) for arm64, x86_64 and
//! riscv64 guests.
//!
//! - [`Vm`] owns one VM's interrupt controller (its memory is allocated
//!   and freed by this crate) and is shared between threads by cloning.
//! - [`Vcpu`] is one vCPU's rVIC instance: enable, mask, signal,
//!   acknowledge... callable from any thread (`Send + Sync`).
//! - [`VcpuEntry`] is the unique guest-entry token of a vCPU: its
//!   [`rearm`](VcpuEntry::rearm) has a one-caller-per-vCPU rule, which the
//!   type enforces (`Send`, not `Sync`, not `Clone`).
//! - [`Rvid`] is the distributor: device inputs routed to untrusted INTIDs.
//! - Faults are [`Error`]s (one variant per fault code, [`Result`] for
//!   short); expected outcomes are values: [`Vcpu::acknowledge`] returns
//!   `Option` (`None`: nothing to deliver), injections return a
//!   [`Delivery`] (latched, dropped on a disabled instance, ignored on an
//!   unmapped input), hypercall handlers a [`Hypercall`].
//! - [`abi::Call`] names every hypercall and its function ID.
//! - The hypercall decoders ([`Vcpu::handle_arm64_smccc`],
//!   [`Vcpu::handle_x86_hypercall`], [`Vcpu::handle_riscv_sbi`]) plug into a
//!   VMM's exit loop; [`x86`], [`arm64`] and [`riscv`] hold the injection
//!   helpers.
//! - Save and restore for migration: [`Vm::save`],
//!   [`Vm::builder_from_snapshot`], [`VmBuilder::restore`].
//! - ABI 0.4: the shared-state page ([`Vcpu::share_state`] over the
//!   builder's [`guest_page`](VmBuilder::guest_page)), priority classes
//!   ([`Vcpu::set_priority`], [`Vcpu::set_priority_mask`]), the NMI class
//!   ([`Vcpu::acknowledge_nmi`], [`VcpuEntry::take_nmi`] with
//!   [`VmBuilder::nmi_line`]) and level rVID inputs ([`Rvid::set_trigger`],
//!   [`Rvid::set_level`], [`Rvid::resample`] with
//!   [`VmBuilder::resample`]).
//!
//! Nothing here needs `unsafe` from the caller, except handing the library
//! guest RAM to write ([`VmBuilder::guest_page`]).
//!
//! # Example: a device interrupt from injection to acknowledge
//!
//! ```
//! use pvirq::Vm;
//!
//! let vm = Vm::builder(2).rvid_inputs(4).build()?;
//! let entry = vm.take_vcpu_entry(1).expect("vCPU 1's token is free");
//! let cpu1 = entry.vcpu();
//!
//! cpu1.enable()?;                  // guest hypercall: ENABLE
//! cpu1.clear_masked(40)?;          // guest hypercall: CLEAR_MASKED 40
//! vm.rvid().map(0, 1, 40)?;        // guest hypercall: rVID MAP input 0
//!
//! vm.rvid().inject(0)?;            // device model thread: an edge
//!
//! if entry.rearm() {               // vCPU thread, before guest entry
//!     // raise the guest's interrupt line; the guest then acknowledges:
//!     assert_eq!(cpu1.acknowledge()?, Some(40));
//!     cpu1.clear_masked(40)?;      // end of interrupt
//! }
//! # Ok::<(), pvirq::Error>(())
//! ```
//!
//! # Threads
//!
//! ```
//! use std::thread;
//!
//! let vm = pvirq::Vm::builder(1).rvid_inputs(1).build()?;
//! let v = vm.vcpu(0)?;
//! v.enable()?;
//! v.clear_masked(32)?;
//! vm.rvid().map(0, 0, 32)?;
//!
//! let device = vm.clone(); // a handle for the device-model thread
//! thread::spawn(move || device.rvid().inject(0)).join().unwrap()?;
//!
//! let entry = vm.take_vcpu_entry(0).unwrap();
//! let vcpu_thread = thread::spawn(move || {
//!     assert!(entry.rearm());
//!     entry.vcpu().acknowledge()
//! });
//! assert_eq!(vcpu_thread.join().unwrap()?, Some(32));
//! # Ok::<(), pvirq::Error>(())
//! ```

#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]

mod error;
mod hypercall;
mod outcome;
mod snapshot;
mod vm;

pub use error::{Error, Result};
pub use hypercall::{Arm64Regs, Hypercall, RiscvRegs, X86Regs, abi, arm64, riscv, x86};
pub use outcome::Delivery;
pub use snapshot::{SNAPSHOT_VERSION, SNAPSHOT_VERSION_OLDEST};
pub use vm::{Mapping, Rvid, Vcpu, VcpuEntry, Vm, VmBuilder};

/// The raw FFI crate, for what this crate does not wrap.
pub use pvirq_sys as sys;

/// Version of the linked C library: `major << 16 | minor << 8 | patch`.
pub fn library_version() -> u32 {
    // SAFETY: no preconditions.
    unsafe { sys::pvirq_version() }
}

/// Version of the headers this crate was written against.
pub const HEADER_VERSION: u32 = sys::PVIRQ_VERSION;
