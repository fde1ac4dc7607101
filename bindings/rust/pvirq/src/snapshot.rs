// SPDX-License-Identifier: MIT
//! Save and restore (live migration, snapshot/resume).
//!
//! A snapshot is a self-contained, byte-order independent byte string
//! (`docs/snapshot.md`). Saving is a read of the VM: [`Vm::save`] can be
//! called on a shared VM (quiesce vCPUs and devices first for a consistent
//! cut). Restoring replaces the whole state, and the C contract forbids any
//! concurrent use of the VM meanwhile; a shared [`Vm`] cannot promise that,
//! so restore happens while the VM is being built, before anyone else holds
//! it: [`VmBuilder::restore`].
//!
//! ```
//! use pvirq::Vm;
//!
//! // Source: a device interrupt is pending on vCPU 1.
//! let src = Vm::builder(2).rvid_inputs(4).build()?;
//! let cpu1 = src.vcpu(1)?;
//! cpu1.enable()?;
//! cpu1.clear_masked(40)?;
//! src.rvid().map(0, 1, 40)?;
//! src.rvid().inject(0)?;
//! let bytes = src.save()?;
//!
//! // Destination: same shape (read from the snapshot), own callbacks.
//! let dst = Vm::builder_from_snapshot(&bytes)?.notify(|_vcpu| {}).restore(&bytes)?;
//! let entry = dst.take_vcpu_entry(1).unwrap();
//! assert!(entry.rearm()); // before the first guest entry: line high
//! assert_eq!(entry.vcpu().acknowledge()?, Some(40));
//! # Ok::<(), pvirq::Error>(())
//! ```

use core::ffi::c_void;
use core::ptr;

use pvirq_sys as sys;

#[allow(unused_imports)] // Error: named by the docs
use crate::error::{Error, Result, check};
use crate::vm::{Vm, VmBuilder};

/// Snapshot format version [`Vm::save`] writes; the newest restore reads.
pub const SNAPSHOT_VERSION: u32 = sys::PVIRQ_SNAPSHOT_VERSION;
/// Oldest snapshot format version restore reads and
/// [`Vm::save_version`] writes.
pub const SNAPSHOT_VERSION_OLDEST: u32 = sys::PVIRQ_SNAPSHOT_VERSION_OLDEST;

impl Vm {
    /// Exact size in bytes of this VM's snapshot in the newest format
    /// (depends only on the configuration; older formats are smaller).
    pub fn snapshot_size(&self) -> usize {
        // SAFETY: valid VM; reads configuration only.
        unsafe { sys::pvirq_vm_snapshot_size(self.as_raw()) }
    }

    /// Writes the snapshot into `buf`; returns its size. Errors:
    /// [`Error::NoSpace`] if `buf` is shorter than
    /// [`snapshot_size`](Self::snapshot_size) (nothing written).
    ///
    /// Quiesce every vCPU and device first: operations running meanwhile
    /// are memory-safe but make the snapshot an inconsistent cut.
    pub fn save_into(&self, buf: &mut [u8]) -> Result<usize> {
        let mut written = 0;
        // SAFETY: valid VM; buf is writable for buf.len() bytes; save only
        // reads the VM, with atomic loads (memory-safe under concurrency).
        check(unsafe {
            sys::pvirq_vm_save(
                self.as_raw(),
                buf.as_mut_ptr().cast(),
                buf.len(),
                &mut written,
            )
        })?;
        Ok(written)
    }

    /// The snapshot as a new vector (see [`save_into`](Self::save_into)).
    pub fn save(&self) -> Result<Vec<u8>> {
        self.save_version(SNAPSHOT_VERSION)
    }

    /// The snapshot in format `version`: [`SNAPSHOT_VERSION_OLDEST`] lets
    /// the VM migrate back to a VMM with the previous library
    /// (`docs/snapshot.md`, migration policy). Errors:
    /// [`Error::UnsupportedVersion`] for a version this library does not
    /// write, or state that version cannot carry.
    ///
    /// ```
    /// let vm = pvirq::Vm::builder(1).build()?;
    /// let old = vm.save_version(pvirq::SNAPSHOT_VERSION_OLDEST)?;
    /// assert_eq!(old[8], 1); // the version field
    /// assert!(pvirq::Vm::builder_from_snapshot(&old)?.restore(&old).is_ok());
    /// assert_eq!(vm.save_version(99), Err(pvirq::Error::UnsupportedVersion));
    /// # Ok::<(), pvirq::Error>(())
    /// ```
    pub fn save_version(&self, version: u32) -> Result<Vec<u8>> {
        let mut buf = vec![0; self.snapshot_size()];
        let mut written = 0;
        // SAFETY: as in save_into().
        check(unsafe {
            sys::pvirq_vm_save_version(
                self.as_raw(),
                version,
                buf.as_mut_ptr().cast(),
                buf.len(),
                &mut written,
            )
        })?;
        buf.truncate(written);
        Ok(buf)
    }

    /// A builder with the configuration `snapshot` was taken from (counts,
    /// CPU ids and NMI line; no callbacks: add your own, and a
    /// [`guest_page`](VmBuilder::guest_page) over the restored guest RAM if
    /// a vCPU shared its state page), for
    /// [`VmBuilder::restore`]. Runs every check of restore that needs no
    /// VM, so a hostile or damaged snapshot fails here: errors are
    /// [`Error::Truncated`], [`Error::BadMagic`],
    /// [`Error::UnsupportedVersion`], [`Error::BadChecksum`],
    /// [`Error::Corrupt`].
    pub fn builder_from_snapshot(snapshot: &[u8]) -> Result<VmBuilder> {
        let mut cfg = empty_config();
        let base = snapshot.as_ptr().cast::<c_void>();
        // First the counts, to size the CPU id list.
        // SAFETY: snapshot is readable for its length; cfg is valid; a NULL
        // cpu_ids list asks for counts only.
        check(unsafe {
            sys::pvirq_snapshot_config(base, snapshot.len(), &mut cfg, ptr::null_mut(), 0)
        })?;
        let mut ids = vec![0u64; cfg.nr_vcpus as usize];
        // SAFETY: as above; ids holds nr_vcpus entries.
        check(unsafe {
            sys::pvirq_snapshot_config(
                base,
                snapshot.len(),
                &mut cfg,
                ids.as_mut_ptr(),
                cfg.nr_vcpus,
            )
        })?;
        Ok(Vm::builder(cfg.nr_vcpus)
            .trusted(cfg.nr_trusted)
            .untrusted(cfg.nr_untrusted)
            .rvid_inputs(cfg.nr_rvid_inputs)
            .cpu_ids(ids)
            .nmi_line(cfg.nmi_line))
    }
}

fn empty_config() -> sys::pvirq_config {
    sys::pvirq_config {
        nr_vcpus: 0,
        nr_trusted: 0,
        nr_untrusted: 0,
        nr_rvid_inputs: 0,
        cpu_ids: ptr::null(),
        notify: None,
        notify_ctx: ptr::null_mut(),
        line_level: None,
        line_level_ctx: ptr::null_mut(),
        guest_page: None,
        guest_page_ctx: ptr::null_mut(),
        resample: None,
        resample_ctx: ptr::null_mut(),
        nmi_line: false,
    }
}

impl VmBuilder {
    /// Builds the VM and restores `snapshot` into it before anyone else can
    /// use it (the C contract of restore). Every vCPU must then be rearmed
    /// ([`VcpuEntry::rearm`](crate::VcpuEntry::rearm)) before its first
    /// guest entry, and injected if that returns true.
    ///
    /// Validation happens before anything is written; errors: those of
    /// [`build`](Self::build), those of [`Vm::builder_from_snapshot`], and
    /// [`Error::ConfigMismatch`] if this builder's counts or CPU ids differ
    /// from the snapshot's.
    pub fn restore(self, snapshot: &[u8]) -> Result<Vm> {
        let vm = self.build()?;
        // SAFETY: valid VM that no other handle can reach yet, so nothing
        // runs concurrently; `snapshot` is immutable for the call (restore
        // reads it twice).
        check(unsafe {
            sys::pvirq_vm_restore(vm.as_raw(), snapshot.as_ptr().cast(), snapshot.len())
        })?;
        Ok(vm)
    }
}
