// SPDX-License-Identifier: MIT
//! The VM: configuration, owned memory, vCPU handles and the rVID.

use core::ffi::c_void;
use core::marker::PhantomData;
use core::ptr::{self, NonNull};
use std::alloc::{self, Layout};
use std::cell::Cell;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use pvirq_sys as sys;

use crate::error::{Error, Result, check};
use crate::outcome::{Delivery, delivery};

type NotifyFn = dyn Fn(u32) + Send + Sync + 'static;
type LineLevelFn = dyn Fn(u32, u32) -> bool + Send + Sync + 'static;
type GuestPageFn = dyn Fn(u32, u64, usize) -> *mut u8 + Send + Sync + 'static;
type ResampleFn = dyn Fn(u32) + Send + Sync + 'static;

/// The Rust callbacks of one VM; the C side sees a pointer to this.
struct Callbacks {
    notify: Option<Box<NotifyFn>>,
    line_level: Option<Box<LineLevelFn>>,
    guest_page: Option<Box<GuestPageFn>>,
    resample: Option<Box<ResampleFn>>,
}

// A panic cannot unwind through C: unwinding out of an `extern "C"`
// function aborts the process, which is the documented behaviour.
unsafe extern "C" fn notify_trampoline(ctx: *mut c_void, vcpu: u32) {
    // SAFETY: ctx is the `Callbacks` the VM owns; it outlives every call
    // into the library (it is freed only after the last handle is gone).
    let callbacks = unsafe { &*ctx.cast::<Callbacks>() };
    if let Some(notify) = &callbacks.notify {
        notify(vcpu);
    }
}

unsafe extern "C" fn line_level_trampoline(ctx: *mut c_void, vcpu: u32, intid: u32) -> bool {
    // SAFETY: as in notify_trampoline.
    let callbacks = unsafe { &*ctx.cast::<Callbacks>() };
    callbacks
        .line_level
        .as_ref()
        .is_some_and(|level| level(vcpu, intid))
}

unsafe extern "C" fn guest_page_trampoline(
    ctx: *mut c_void,
    vcpu: u32,
    gpa: u64,
    size: usize,
) -> *mut c_void {
    // SAFETY: as in notify_trampoline.
    let callbacks = unsafe { &*ctx.cast::<Callbacks>() };
    callbacks
        .guest_page
        .as_ref()
        .map_or(ptr::null_mut(), |page| page(vcpu, gpa, size).cast())
}

unsafe extern "C" fn resample_trampoline(ctx: *mut c_void, input: u32) {
    // SAFETY: as in notify_trampoline.
    let callbacks = unsafe { &*ctx.cast::<Callbacks>() };
    if let Some(resample) = &callbacks.resample {
        resample(input);
    }
}

/// Shape and callbacks of a VM; made by [`Vm::builder`].
///
/// Defaults: 32 trusted and 32 untrusted INTIDs, no rVID inputs, CPU id ==
/// vCPU index, no callbacks (a VMM that polls the line).
///
/// ```
/// use std::sync::atomic::{AtomicU32, Ordering};
/// use std::sync::Arc;
///
/// let kicks = Arc::new(AtomicU32::new(0));
/// let counter = Arc::clone(&kicks);
/// let vm = pvirq::Vm::builder(4)
///     .trusted(64)
///     .untrusted(960)
///     .rvid_inputs(256)
///     .cpu_ids([0x000, 0x001, 0x100, 0x101]) // e.g. arm64 MPIDR affinities
///     .notify(move |_vcpu| {
///         counter.fetch_add(1, Ordering::Relaxed); // kick the vCPU thread here
///     })
///     .build()?;
/// assert_eq!(vm.vcpu_by_cpu_id(0x100)?.index(), 2);
///
/// let v = vm.vcpu(2)?;
/// v.enable()?;
/// v.clear_masked(5)?;
/// v.signal(5)?; // deliverable: notify() runs once
/// assert_eq!(kicks.load(Ordering::Relaxed), 1);
/// # Ok::<(), pvirq::Error>(())
/// ```
pub struct VmBuilder {
    nr_vcpus: u32,
    nr_trusted: u32,
    nr_untrusted: u32,
    nr_rvid_inputs: u32,
    cpu_ids: Option<Vec<u64>>,
    notify: Option<Box<NotifyFn>>,
    line_level: Option<Box<LineLevelFn>>,
    guest_page: Option<Box<GuestPageFn>>,
    resample: Option<Box<ResampleFn>>,
    nmi_line: bool,
}

impl VmBuilder {
    /// Number of trusted INTIDs `[0, T)`: at least 32, a multiple of 32.
    pub fn trusted(mut self, nr: u32) -> Self {
        self.nr_trusted = nr;
        self
    }

    /// Number of untrusted INTIDs `[T, T+U)`: at least 32, a multiple of 32,
    /// `T + U <= 2048`.
    pub fn untrusted(mut self, nr: u32) -> Self {
        self.nr_untrusted = nr;
        self
    }

    /// Number of rVID inputs (device interrupt lines), up to 65536.
    pub fn rvid_inputs(mut self, nr: u32) -> Self {
        self.nr_rvid_inputs = nr;
        self
    }

    /// Architectural CPU id of each vCPU (MPIDR affinity, APIC id, hart
    /// id): the "target" guests name in hypercalls. One distinct id per
    /// vCPU; by default the id is the index.
    pub fn cpu_ids(mut self, ids: impl Into<Vec<u64>>) -> Self {
        self.cpu_ids = Some(ids.into());
        self
    }

    /// Called with a vCPU index when that vCPU's line may have risen, at
    /// most once between two [`VcpuEntry::rearm`] calls for it.
    ///
    /// Runs synchronously on the thread whose operation made an INTID
    /// deliverable, possibly on many threads at once, and may call back
    /// into the VM. Keep it short and non-blocking: kick the vCPU thread out
    /// of `KVM_RUN`, post an interrupt, signal an eventfd. A panic in it
    /// aborts the process (it cannot unwind through C).
    pub fn notify(mut self, f: impl Fn(u32) + Send + Sync + 'static) -> Self {
        self.notify = Some(Box::new(f));
        self
    }

    /// Level reader for RESAMPLE of trusted level-triggered sources:
    /// `f(vcpu, intid)` returns whether that line is high. Same calling
    /// context as [`notify`](Self::notify). Without it only the software
    /// lines of [`Vcpu::set_level`] count.
    pub fn line_level(mut self, f: impl Fn(u32, u32) -> bool + Send + Sync + 'static) -> Self {
        self.line_level = Some(Box::new(f));
        self
    }

    /// Guest page translation for the shared-state page
    /// ([`Vcpu::share_state`], and restoring a snapshot that has one):
    /// `f(vcpu, gpa, size)` returns the host address of `size` bytes of the
    /// guest's RAM at guest-physical `gpa`, or null if that range is not
    /// entirely guest RAM. `gpa` comes from the guest: check it. Without
    /// it, sharing fails (ERROR_PARAMETER to the guest).
    ///
    /// # Safety
    ///
    /// Every non-null pointer `f` returns must be 8-byte aligned, valid for
    /// reads and writes of `size` bytes for as long as the VM lives, and
    /// stay at the same place; the library accesses it with atomic 64-bit
    /// operations concurrently with the guest, so nothing else may access
    /// it non-atomically. `f` must not call back into the VM.
    pub unsafe fn guest_page(
        mut self,
        f: impl Fn(u32, u64, usize) -> *mut u8 + Send + Sync + 'static,
    ) -> Self {
        self.guest_page = Some(Box::new(f));
        self
    }

    /// End-of-interrupt notification of level-triggered rVID inputs
    /// (RVID_RESAMPLE, like KVM's resamplefd): `f(input)` lets the device
    /// model re-check its condition and keep or drop the level
    /// ([`Rvid::set_level`]). Same calling context as
    /// [`notify`](Self::notify); may call back into the VM.
    pub fn resample(mut self, f: impl Fn(u32) + Send + Sync + 'static) -> Self {
        self.resample = Some(Box::new(f));
        self
    }

    /// The hypervisor can inject NMIs (x86): priority class 3 becomes the
    /// NMI class, delivered through [`VcpuEntry::take_nmi`] instead of the
    /// line. Default: no NMI line (class 3 is refused).
    pub fn nmi_line(mut self, nmi_line: bool) -> Self {
        self.nmi_line = nmi_line;
        self
    }

    /// The C view of this configuration. The trampolines are installed for
    /// the callbacks `ctx` holds; `ctx` may be null for a size query.
    fn raw_config(&self, ctx: *mut Callbacks) -> Result<sys::pvirq_config> {
        let cpu_ids = match &self.cpu_ids {
            // The C side reads nr_vcpus ids: a shorter list would be read
            // out of bounds, so the length is checked here.
            Some(ids) if ids.len() != self.nr_vcpus as usize => {
                return Err(Error::InvalidArgument);
            }
            Some(ids) => ids.as_ptr(),
            None => ptr::null(),
        };
        // SAFETY: a non-null ctx comes from Box::into_raw in build().
        let held = unsafe { ctx.as_ref() };
        let has_notify = held.is_some_and(|c| c.notify.is_some());
        let has_line_level = held.is_some_and(|c| c.line_level.is_some());
        let has_guest_page = held.is_some_and(|c| c.guest_page.is_some());
        let has_resample = held.is_some_and(|c| c.resample.is_some());
        Ok(sys::pvirq_config {
            nr_vcpus: self.nr_vcpus,
            nr_trusted: self.nr_trusted,
            nr_untrusted: self.nr_untrusted,
            nr_rvid_inputs: self.nr_rvid_inputs,
            cpu_ids,
            notify: has_notify.then_some(notify_trampoline as _),
            notify_ctx: ctx.cast(),
            line_level: has_line_level.then_some(line_level_trampoline as _),
            line_level_ctx: ctx.cast(),
            guest_page: has_guest_page.then_some(guest_page_trampoline as _),
            guest_page_ctx: ctx.cast(),
            resample: has_resample.then_some(resample_trampoline as _),
            resample_ctx: ctx.cast(),
            nmi_line: self.nmi_line,
        })
    }

    /// Bytes of memory the VM will own ([`Vm::footprint`]).
    pub fn footprint(&self) -> Result<usize> {
        let cfg = self.raw_config(ptr::null_mut())?;
        // SAFETY: cfg is valid and its cpu_ids (if any) has nr_vcpus entries.
        match unsafe { sys::pvirq_vm_footprint(&cfg) } {
            0 => Err(Error::InvalidArgument),
            size => Ok(size),
        }
    }

    /// Allocates the VM's memory and places the VM there, in its reset
    /// state: every instance disabled, every INTID masked and not pending,
    /// every rVID input unmapped.
    ///
    /// Errors: [`Error::InvalidArgument`] for a bad configuration (counts
    /// out of range, duplicate CPU ids, a `cpu_ids` list of the wrong
    /// length); [`Error::NoSpace`] if the allocation failed.
    pub fn build(mut self) -> Result<Vm> {
        let size = self.footprint()?;
        let layout = Layout::from_size_align(size, sys::PVIRQ_CACHE_LINE as usize)
            .map_err(|_| Error::NoSpace)?;
        // Boxed once and never moved: the C side keeps its address.
        let callbacks = Box::into_raw(Box::new(Callbacks {
            notify: self.notify.take(),
            line_level: self.line_level.take(),
            guest_page: self.guest_page.take(),
            resample: self.resample.take(),
        }));
        let free_callbacks = || {
            // SAFETY: from Box::into_raw above; C keeps no pointer to it.
            drop(unsafe { Box::from_raw(callbacks) })
        };
        let cfg = match self.raw_config(callbacks) {
            Ok(cfg) => cfg,
            Err(e) => {
                free_callbacks();
                return Err(e);
            }
        };
        // SAFETY: layout has a non-zero size (footprint is never 0 here).
        let mem = unsafe { alloc::alloc_zeroed(layout) };
        if mem.is_null() {
            free_callbacks();
            return Err(Error::NoSpace);
        }
        let mut raw = ptr::null_mut();
        // SAFETY: mem is 64-byte aligned and `size` bytes long; cfg is valid
        // (cpu_ids checked above) and only read during the call.
        let rc = unsafe { sys::pvirq_vm_init(mem.cast(), size, &cfg, &mut raw) };
        let vm = match (check(rc), NonNull::new(raw)) {
            (Ok(()), Some(vm)) => vm,
            (result, _) => {
                // SAFETY: init failed, so C keeps no pointer to the memory.
                unsafe { alloc::dealloc(mem, layout) };
                free_callbacks();
                return Err(result.err().unwrap_or(Error::InvalidArgument));
            }
        };
        let nr_vcpus = self.nr_vcpus;
        Ok(Vm {
            inner: Arc::new(Inner {
                vm,
                layout,
                callbacks,
                entry_taken: (0..nr_vcpus).map(|_| AtomicBool::new(false)).collect(),
                nr_vcpus,
                nr_trusted: self.nr_trusted,
                nr_untrusted: self.nr_untrusted,
                nr_rvid_inputs: self.nr_rvid_inputs,
            }),
        })
    }
}

/// The state behind every handle of one VM.
pub(crate) struct Inner {
    vm: NonNull<sys::pvirq_vm>,
    layout: Layout,
    callbacks: *mut Callbacks,
    /// Whether the [`VcpuEntry`] of each vCPU is currently held.
    entry_taken: Box<[AtomicBool]>,
    nr_vcpus: u32,
    nr_trusted: u32,
    nr_untrusted: u32,
    nr_rvid_inputs: u32,
}

// SAFETY: the C contract (vm.h synchronization table) makes every rVIC and
// rVID operation, the line query and reset callable from any thread
// concurrently with each other: all state is atomic. The one call with a
// per-vCPU rule, pvirq_vcpu_rearm(), is reachable only through the unique,
// !Sync VcpuEntry. The callbacks are Send + Sync closures.
unsafe impl Send for Inner {}
// SAFETY: as above.
unsafe impl Sync for Inner {}

impl Inner {
    pub(crate) fn raw(&self) -> *mut sys::pvirq_vm {
        self.vm.as_ptr()
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // SAFETY: no handle is left, so no call into the library (and so no
        // callback) is running; the memory and callbacks came from
        // alloc_zeroed(layout) and Box::into_raw in build().
        unsafe {
            alloc::dealloc(self.vm.as_ptr().cast(), self.layout);
            drop(Box::from_raw(self.callbacks));
        }
    }
}

/// A VM's interrupt controller: one rVIC instance per vCPU and one rVID.
///
/// The VM owns its memory (`footprint()` bytes, cache-line aligned), freed
/// when the last clone of the `Vm` and the last [`VcpuEntry`] are dropped.
/// `Vm` is a cheap handle: clone it into every vCPU and device thread. It
/// is `Send` and `Sync` because every operation of the engine is lock-free
/// and callable from any thread.
///
/// ```
/// use pvirq::Vm;
///
/// let vm = Vm::builder(2).rvid_inputs(4).build()?;
/// let cpu1 = vm.vcpu(1)?;
/// cpu1.enable()?;                 // guest: ENABLE on vCPU 1
/// cpu1.clear_masked(40)?;         // guest: unmask INTID 40
/// vm.rvid().map(0, 1, 40)?;       // guest: input 0 -> (vCPU 1, INTID 40)
/// vm.rvid().inject(0)?;           // device model: raise an edge
/// assert!(cpu1.line());           // the VMM would inject now
/// assert_eq!(cpu1.acknowledge()?, Some(40));
/// # Ok::<(), pvirq::Error>(())
/// ```
#[derive(Clone)]
pub struct Vm {
    pub(crate) inner: Arc<Inner>,
}

impl fmt::Debug for Vm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vm")
            .field("nr_vcpus", &self.inner.nr_vcpus)
            .field("nr_trusted", &self.inner.nr_trusted)
            .field("nr_untrusted", &self.inner.nr_untrusted)
            .field("nr_rvid_inputs", &self.inner.nr_rvid_inputs)
            .finish_non_exhaustive()
    }
}

impl Vm {
    /// Starts a configuration for `nr_vcpus` vCPUs (1..=4096).
    pub fn builder(nr_vcpus: u32) -> VmBuilder {
        VmBuilder {
            nr_vcpus,
            nr_trusted: sys::PVIRQ_INTID_GRANULE,
            nr_untrusted: sys::PVIRQ_INTID_GRANULE,
            nr_rvid_inputs: 0,
            cpu_ids: None,
            notify: None,
            line_level: None,
            guest_page: None,
            resample: None,
            nmi_line: false,
        }
    }

    /// Bytes of memory this VM owns.
    pub fn footprint(&self) -> usize {
        self.inner.layout.size()
    }

    /// Number of vCPUs.
    pub fn nr_vcpus(&self) -> u32 {
        self.inner.nr_vcpus
    }

    /// Number of trusted INTIDs; they are `0..nr_trusted()`.
    pub fn nr_trusted(&self) -> u32 {
        self.inner.nr_trusted
    }

    /// Number of untrusted INTIDs; they follow the trusted ones.
    pub fn nr_untrusted(&self) -> u32 {
        self.inner.nr_untrusted
    }

    /// Number of rVID inputs.
    pub fn nr_rvid_inputs(&self) -> u32 {
        self.inner.nr_rvid_inputs
    }

    /// The rVIC instance of vCPU `index`, for operations any thread may do.
    /// Errors: [`Error::NoSuchVcpu`].
    pub fn vcpu(&self, index: u32) -> Result<Vcpu<'_>> {
        if index >= self.inner.nr_vcpus {
            return Err(Error::NoSuchVcpu);
        }
        Ok(Vcpu {
            inner: &self.inner,
            index,
        })
    }

    /// Every vCPU, in index order.
    pub fn vcpus(&self) -> impl ExactSizeIterator<Item = Vcpu<'_>> + '_ {
        (0..self.inner.nr_vcpus).map(|index| Vcpu {
            inner: &self.inner,
            index,
        })
    }

    /// The vCPU whose architectural CPU id is `cpu_id` (O(log n)).
    /// Errors: [`Error::NoSuchVcpu`].
    pub fn vcpu_by_cpu_id(&self, cpu_id: u64) -> Result<Vcpu<'_>> {
        let mut index = 0;
        // SAFETY: valid VM; `index` is a valid out-pointer.
        check(unsafe { sys::pvirq_vm_vcpu_by_cpu_id(self.inner.raw(), cpu_id, &mut index) })?;
        self.vcpu(index)
    }

    /// Takes the guest-entry token of vCPU `index`, for the thread that runs
    /// that vCPU. There is one token per vCPU: `None` if `index` is out of
    /// range or the token is held elsewhere (dropping it gives it back).
    ///
    /// ```
    /// let vm = pvirq::Vm::builder(1).build().unwrap();
    /// let entry = vm.take_vcpu_entry(0).expect("free");
    /// assert!(vm.take_vcpu_entry(0).is_none()); // one holder at a time
    /// drop(entry);
    /// assert!(vm.take_vcpu_entry(0).is_some());
    /// ```
    pub fn take_vcpu_entry(&self, index: u32) -> Option<VcpuEntry> {
        let taken = self.inner.entry_taken.get(index as usize)?;
        // Acquire pairs with the Release in VcpuEntry::drop, so the previous
        // holder's rearm calls happen before this holder's: "one caller per
        // vCPU at a time" holds even when the token moves between threads.
        taken
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .ok()?;
        Some(VcpuEntry {
            inner: Arc::clone(&self.inner),
            index,
            _not_sync: PhantomData,
        })
    }

    /// The VM's distributor.
    pub fn rvid(&self) -> Rvid<'_> {
        Rvid { inner: &self.inner }
    }

    /// Returns every instance and the rVID to the reset state (VM reboot).
    ///
    /// Quiesce every vCPU and device first: an operation running
    /// concurrently has an undefined (but memory-safe) outcome.
    pub fn reset(&self) {
        // SAFETY: valid VM; concurrency is memory-safe per the C contract.
        unsafe { sys::pvirq_vm_reset(self.inner.raw()) }
    }

    /// The C handle, for calling pvirq-sys functions this crate does not
    /// wrap. Valid while this `Vm` (or a clone) lives.
    pub fn as_raw(&self) -> *mut sys::pvirq_vm {
        self.inner.raw()
    }
}

/// One vCPU's rVIC instance: the operations any thread may perform.
///
/// `Copy`, `Send` and `Sync`: each operation is one linearizable atomic
/// step on the instance, safe concurrently with every other operation
/// (see `rvic.h`). Arguments are INTIDs `0..T+U`; errors leave the state
/// unchanged.
#[derive(Clone, Copy)]
pub struct Vcpu<'vm> {
    pub(crate) inner: &'vm Inner,
    pub(crate) index: u32,
}

impl fmt::Debug for Vcpu<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vcpu").field("index", &self.index).finish()
    }
}

macro_rules! query {
    ($self:ident, $f:ident $(, $arg:expr)*) => {{
        let mut value = false;
        // SAFETY: valid VM and out-pointer; thread-safe per rvic.h.
        check(unsafe { sys::$f($self.inner.raw(), $self.index $(, $arg)*, &mut value) })?;
        Ok(value)
    }};
}

impl Vcpu<'_> {
    /// The vCPU index.
    pub fn index(&self) -> u32 {
        self.index
    }

    /// The architectural CPU id of this vCPU.
    pub fn cpu_id(&self) -> u64 {
        let mut id = 0;
        // SAFETY: valid VM, index checked when the handle was made.
        let rc = unsafe { sys::pvirq_vm_cpu_id(self.inner.raw(), self.index, &mut id) };
        debug_assert_eq!(rc, sys::PVIRQ_OK);
        id
    }

    fn call(&self, f: unsafe extern "C" fn(*mut sys::pvirq_vm, u32) -> i32) -> Result<()> {
        // SAFETY: valid VM; every rvic operation is thread-safe (rvic.h).
        check(unsafe { f(self.inner.raw(), self.index) })
    }

    fn call_intid(
        &self,
        f: unsafe extern "C" fn(*mut sys::pvirq_vm, u32, u32) -> i32,
        intid: u32,
    ) -> Result<()> {
        // SAFETY: as in call().
        check(unsafe { f(self.inner.raw(), self.index, intid) })
    }

    /// ENABLE: the line takes effect at once (notify runs if an INTID is
    /// already deliverable).
    pub fn enable(&self) -> Result<()> {
        self.call(sys::pvirq_rvic_enable)
    }

    /// DISABLE: the line drops and later injections are dropped; latched
    /// pending bits stay.
    pub fn disable(&self) -> Result<()> {
        self.call(sys::pvirq_rvic_disable)
    }

    /// Whether the instance is enabled.
    pub fn is_enabled(&self) -> Result<bool> {
        query!(self, pvirq_rvic_is_enabled)
    }

    /// Masks `intid`. Errors: [`Error::InvalidIntid`].
    pub fn set_masked(&self, intid: u32) -> Result<()> {
        self.call_intid(sys::pvirq_rvic_set_masked, intid)
    }

    /// Unmasks `intid` (end of interrupt); the line rises if it is pending.
    pub fn clear_masked(&self, intid: u32) -> Result<()> {
        self.call_intid(sys::pvirq_rvic_clear_masked, intid)
    }

    /// Whether `intid` is masked.
    pub fn is_masked(&self, intid: u32) -> Result<bool> {
        query!(self, pvirq_rvic_is_masked, intid)
    }

    /// Whether `intid` is pending.
    pub fn is_pending(&self, intid: u32) -> Result<bool> {
        query!(self, pvirq_rvic_is_pending, intid)
    }

    /// Makes `intid` pending (the trusted path: any INTID). Latches even
    /// when masked; [`Delivery::Dropped`] if the instance is disabled.
    /// Errors: [`Error::InvalidIntid`].
    pub fn signal(&self, intid: u32) -> Result<Delivery> {
        // SAFETY: as in call().
        delivery(unsafe { sys::pvirq_rvic_signal(self.inner.raw(), self.index, intid) })
    }

    /// Clears the pending bit of `intid`.
    pub fn clear_pending(&self, intid: u32) -> Result<()> {
        self.call_intid(sys::pvirq_rvic_clear_pending, intid)
    }

    /// ACKNOWLEDGE: takes one deliverable INTID (pending and unmasked),
    /// atomically clearing its pending bit and masking it, and returns it;
    /// `None` when nothing is deliverable (a spurious interrupt, or the
    /// instance is disabled, which delivers nothing). Round-robin from the
    /// last acknowledged INTID: starvation-free.
    pub fn acknowledge(&self) -> Result<Option<u32>> {
        let mut intid = 0;
        // SAFETY: valid VM and out-pointer; thread-safe per rvic.h.
        match unsafe { sys::pvirq_rvic_acknowledge(self.inner.raw(), self.index, &mut intid) } {
            sys::PVIRQ_ENOINTR | sys::PVIRQ_EDISABLED => Ok(None),
            code => check(code).map(|()| Some(intid)),
        }
    }

    /// RESAMPLE: re-pends trusted `intid` if its line is high (software
    /// level or the builder's `line_level` callback): [`Delivery::Latched`]
    /// (also when the line is low), [`Delivery::Dropped`] if high on a
    /// disabled instance.
    pub fn resample(&self, intid: u32) -> Result<Delivery> {
        // SAFETY: as in call().
        delivery(unsafe { sys::pvirq_rvic_resample(self.inner.raw(), self.index, intid) })
    }

    /// Drives the software level line of trusted `intid`; raising it makes
    /// the INTID pending ([`Delivery::Dropped`] on a disabled instance: the
    /// level is kept). Changes of one line must come from one owner.
    pub fn set_level(&self, intid: u32, high: bool) -> Result<Delivery> {
        // SAFETY: as in call().
        delivery(unsafe { sys::pvirq_rvic_set_level(self.inner.raw(), self.index, intid, high) })
    }

    /// The software level of trusted `intid`.
    pub fn level(&self, intid: u32) -> Result<bool> {
        query!(self, pvirq_rvic_get_level, intid)
    }

    fn get_u32(
        &self,
        f: unsafe extern "C" fn(*mut sys::pvirq_vm, u32, *mut u32) -> i32,
    ) -> Result<u32> {
        let mut value = 0;
        // SAFETY: valid VM and out-pointer; thread-safe per rvic.h.
        check(unsafe { f(self.inner.raw(), self.index, &mut value) })?;
        Ok(value)
    }

    /// RVIC_SHARE_STATE: the instance's words (state, classes, floor) move
    /// into the guest page at `gpa`, translated by the builder's
    /// [`guest_page`](VmBuilder::guest_page); from then on the guest may
    /// acknowledge and end interrupts in memory. Errors:
    /// [`Error::InstanceEnabled`] (share before ENABLE),
    /// [`Error::InvalidArgument`] for an unaligned page or one guest_page
    /// refuses.
    pub fn share_state(&self, gpa: u64) -> Result<()> {
        // SAFETY: valid VM; the page comes from guest_page, whose contract
        // the builder's caller promised (unsafe fn).
        check(unsafe { sys::pvirq_rvic_share_state(self.inner.raw(), self.index, gpa) })
    }

    /// RVIC_UNSHARE_STATE: the words move back into host memory (no page:
    /// nothing). Errors: [`Error::InstanceEnabled`].
    pub fn unshare_state(&self) -> Result<()> {
        self.call(sys::pvirq_rvic_unshare_state)
    }

    /// Guest-physical address of the shared state page, if any.
    pub fn shared_state(&self) -> Result<Option<u64>> {
        let mut gpa = 0;
        // SAFETY: valid VM and out-pointer.
        match unsafe { sys::pvirq_rvic_shared_state(self.inner.raw(), self.index, &mut gpa) } {
            sys::PVIRQ_EUNMAPPED => Ok(None),
            code => check(code).map(|()| Some(gpa)),
        }
    }

    /// RVIC_SET_PRIORITY: puts `intid` in priority class `class` (0, the
    /// reset value and lowest, to 3; 3 is the NMI class and needs the
    /// builder's [`nmi_line`](VmBuilder::nmi_line)). Errors:
    /// [`Error::InvalidArgument`] for a class out of range,
    /// [`Error::InvalidIntid`].
    pub fn set_priority(&self, intid: u32, class: u32) -> Result<()> {
        // SAFETY: as in call().
        check(unsafe { sys::pvirq_rvic_set_priority(self.inner.raw(), self.index, intid, class) })
    }

    /// The priority class of `intid`.
    pub fn priority(&self, intid: u32) -> Result<u32> {
        let mut class = 0;
        // SAFETY: valid VM and out-pointer.
        check(unsafe {
            sys::pvirq_rvic_get_priority(self.inner.raw(), self.index, intid, &mut class)
        })?;
        Ok(class)
    }

    /// RVIC_SET_PRIORITY_MASK: INTIDs of classes below `floor` are held
    /// off (stay pending, do not raise the line); lowering it re-evaluates
    /// the line. Errors: [`Error::InvalidArgument`] for `floor >= 4`.
    pub fn set_priority_mask(&self, floor: u32) -> Result<()> {
        self.call_intid(sys::pvirq_rvic_set_priority_mask, floor)
    }

    /// The priority floor.
    pub fn priority_mask(&self) -> Result<u32> {
        self.get_u32(sys::pvirq_rvic_get_priority_mask)
    }

    /// RVIC_ACKNOWLEDGE_NMI: as [`acknowledge`](Self::acknowledge),
    /// restricted to NMI-class INTIDs (the floor does not apply); `None`
    /// when there is none.
    pub fn acknowledge_nmi(&self) -> Result<Option<u32>> {
        let mut intid = 0;
        // SAFETY: valid VM and out-pointer; thread-safe per rvic.h.
        match unsafe { sys::pvirq_rvic_acknowledge_nmi(self.inner.raw(), self.index, &mut intid) } {
            sys::PVIRQ_ENOINTR | sys::PVIRQ_EDISABLED => Ok(None),
            code => check(code).map(|()| Some(intid)),
        }
    }

    /// The output line: enabled and some INTID pending and not masked.
    /// Exact at the instant it reads the last state word; never blocks.
    pub fn line(&self) -> bool {
        // SAFETY: valid VM; thread-safe per vm.h.
        unsafe { sys::pvirq_vcpu_line(self.inner.raw(), self.index) }
    }
}

/// The guest-entry token of one vCPU: the only way to call
/// `pvirq_vcpu_rearm()`, whose contract allows one caller per vCPU at a
/// time.
///
/// There is one token per vCPU ([`Vm::take_vcpu_entry`]). It is `Send`, so
/// it can move to the vCPU's thread, but neither `Sync` nor `Clone`: only
/// the one thread that holds it can use it, so two threads can never rearm
/// the same vCPU at once. It keeps the VM alive.
///
/// ```compile_fail,E0277
/// fn shared<T: Sync>(_: &T) {}
/// let vm = pvirq::Vm::builder(1).build().unwrap();
/// let entry = vm.take_vcpu_entry(0).unwrap();
/// shared(&entry); // error: VcpuEntry is not Sync
/// ```
///
/// ```compile_fail,E0599
/// let vm = pvirq::Vm::builder(1).build().unwrap();
/// let entry = vm.take_vcpu_entry(0).unwrap();
/// let second = entry.clone(); // error: VcpuEntry is not Clone
/// ```
pub struct VcpuEntry {
    inner: Arc<Inner>,
    index: u32,
    _not_sync: PhantomData<Cell<()>>,
}

impl fmt::Debug for VcpuEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VcpuEntry")
            .field("index", &self.index)
            .finish()
    }
}

impl VcpuEntry {
    /// The vCPU index.
    pub fn index(&self) -> u32 {
        self.index
    }

    /// This vCPU's instance, for the operations any thread may do.
    pub fn vcpu(&self) -> Vcpu<'_> {
        Vcpu {
            inner: &self.inner,
            index: self.index,
        }
    }

    /// Guest-entry step: re-arms notification, then returns the line.
    ///
    /// Call it on the vCPU's thread right before entering the guest, and
    /// inject (raise HCR_EL2.VI, the upcall vector, hvip.VSEIP) if it
    /// returns `true`. No wake-up is lost: either the line is high now, or
    /// the next INTID that becomes deliverable calls `notify` for this vCPU.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicU32, Ordering};
    /// use std::sync::Arc;
    ///
    /// let kicks = Arc::new(AtomicU32::new(0));
    /// let k = Arc::clone(&kicks);
    /// let vm = pvirq::Vm::builder(1).notify(move |_| { k.fetch_add(1, Ordering::SeqCst); }).build()?;
    /// let entry = vm.take_vcpu_entry(0).unwrap();
    /// let v = entry.vcpu();
    /// v.enable()?;
    /// v.clear_masked(3)?;
    /// v.clear_masked(4)?;
    /// v.signal(3)?;
    /// v.signal(4)?; // a burst to a running vCPU: one notification
    /// assert_eq!(kicks.load(Ordering::SeqCst), 1);
    /// assert!(entry.rearm()); // guest entry: inject
    /// # Ok::<(), pvirq::Error>(())
    /// ```
    ///
    /// Ignoring the result is a bug (an interrupt would wait for the next
    /// one), so it does not compile where warnings are errors:
    ///
    /// ```compile_fail
    /// #![deny(unused_must_use)]
    /// let vm = pvirq::Vm::builder(1).build().unwrap();
    /// let entry = vm.take_vcpu_entry(0).unwrap();
    /// entry.rearm(); // error: unused return value that must be used
    /// ```
    #[must_use = "a true line must be raised before guest entry, or the interrupt waits for the next one"]
    pub fn rearm(&self) -> bool {
        // SAFETY: valid VM; the caller is the one thread holding the unique
        // token of this vCPU (one token per vCPU, !Sync, !Clone), so rearm
        // calls for the vCPU are sequential.
        unsafe { sys::pvirq_vcpu_rearm(self.inner.raw(), self.index) }
    }

    /// The NMI edge (VMs built with [`nmi_line`](VmBuilder::nmi_line)):
    /// `true` once after an NMI-class INTID became deliverable; inject an
    /// NMI before entering the guest then. Always `false` without an NMI
    /// line.
    #[must_use = "a true edge must be injected as an NMI, or it is lost"]
    pub fn take_nmi(&self) -> bool {
        // SAFETY: valid VM; one caller per vCPU at a time, as for rearm().
        unsafe { sys::pvirq_vcpu_take_nmi(self.inner.raw(), self.index) }
    }
}

impl Drop for VcpuEntry {
    fn drop(&mut self) {
        // Release: see take_vcpu_entry().
        self.inner.entry_taken[self.index as usize].store(false, Ordering::Release);
    }
}

/// Where an rVID input is routed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Mapping {
    /// Target vCPU index.
    pub vcpu: u32,
    /// Untrusted INTID on that vCPU.
    pub intid: u32,
}

/// The VM's rVID (distributor): routes device inputs to (vCPU, untrusted
/// INTID). This is the untrusted side: nothing here can make a trusted
/// INTID pending. Every operation is thread-safe; MAPs of one input must be
/// serialized by the caller (the guest does so per IRQ).
#[derive(Clone, Copy)]
pub struct Rvid<'vm> {
    inner: &'vm Inner,
}

impl fmt::Debug for Rvid<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rvid")
            .field("nr_inputs", &self.inner.nr_rvid_inputs)
            .finish()
    }
}

impl Rvid<'_> {
    /// Guest-physical address of the MSI doorbell.
    pub const MSI_DOORBELL: u64 = sys::PVIRQ_MSI_DOORBELL;

    /// MAP: routes `input` to (`vcpu`, `intid`), replacing any mapping; a
    /// pending interrupt moves to the new target. Errors:
    /// [`Error::InvalidInput`], [`Error::NoSuchVcpu`], [`Error::InvalidIntid`]
    /// (not an untrusted INTID).
    pub fn map(&self, input: u32, vcpu: u32, intid: u32) -> Result<()> {
        // SAFETY: valid VM; thread-safe per rvid.h.
        check(unsafe { sys::pvirq_rvid_map(self.inner.raw(), input, vcpu, intid) })
    }

    /// UNMAP: later injections on `input` are ignored.
    pub fn unmap(&self, input: u32) -> Result<()> {
        // SAFETY: as in map().
        check(unsafe { sys::pvirq_rvid_unmap(self.inner.raw(), input) })
    }

    /// Current route of `input`; `Ok(None)` if unmapped.
    pub fn lookup(&self, input: u32) -> Result<Option<Mapping>> {
        let (mut vcpu, mut intid) = (0, 0);
        // SAFETY: as in map(); valid out-pointers.
        match unsafe { sys::pvirq_rvid_lookup(self.inner.raw(), input, &mut vcpu, &mut intid) } {
            sys::PVIRQ_EUNMAPPED => Ok(None),
            code => check(code).map(|()| Some(Mapping { vcpu, intid })),
        }
    }

    /// A device raises an edge on `input`: [`Delivery::Latched`], or
    /// [`Delivery::Dropped`] (every target disabled), or
    /// [`Delivery::Unmapped`] (ignored). Errors: [`Error::InvalidInput`].
    pub fn inject(&self, input: u32) -> Result<Delivery> {
        // SAFETY: as in map().
        delivery(unsafe { sys::pvirq_rvid_inject(self.inner.raw(), input) })
    }

    /// Makes `input` level-triggered (`level`) or edge-triggered (the reset
    /// value). Device-model configuration; a level input starts low.
    /// Errors: [`Error::InvalidInput`].
    pub fn set_trigger(&self, input: u32, level: bool) -> Result<()> {
        // SAFETY: as in map().
        check(unsafe { sys::pvirq_rvid_set_trigger(self.inner.raw(), input, level) })
    }

    /// Drives the line of level-triggered `input`: raising it (also when
    /// already high) injects as [`inject`](Self::inject) does, the level
    /// recorded whatever the outcome; lowering it retracts nothing
    /// ([`Delivery::Latched`]). Errors: [`Error::InvalidArgument`] on an
    /// edge input, [`Error::InvalidInput`].
    pub fn set_level(&self, input: u32, high: bool) -> Result<Delivery> {
        // SAFETY: as in map().
        delivery(unsafe { sys::pvirq_rvid_set_level(self.inner.raw(), input, high) })
    }

    /// The recorded level of `input` (`false` for an edge input).
    pub fn level(&self, input: u32) -> Result<bool> {
        let mut high = false;
        // SAFETY: as in map(); valid out-pointer.
        check(unsafe { sys::pvirq_rvid_get_level(self.inner.raw(), input, &mut high) })?;
        Ok(high)
    }

    /// RVID_RESAMPLE (the guest's end of interrupt of `input`): for a
    /// level-triggered input, calls the builder's
    /// [`resample`](VmBuilder::resample) and re-pends the input's target
    /// while its level is high ([`Delivery::Dropped`] on a disabled
    /// instance). An edge or unmapped input: nothing. Errors:
    /// [`Error::InvalidInput`].
    pub fn resample(&self, input: u32) -> Result<Delivery> {
        // SAFETY: as in map().
        delivery(unsafe { sys::pvirq_rvid_resample(self.inner.raw(), input) })
    }

    /// A device writes an MSI: `addr` must be [`Rvid::MSI_DOORBELL`] and
    /// `data` is the input number. Outcomes and errors: as
    /// [`inject`](Self::inject), and [`Error::NotDoorbell`] for another
    /// address.
    pub fn msi(&self, addr: u64, data: u64) -> Result<Delivery> {
        // SAFETY: as in map().
        delivery(unsafe { sys::pvirq_rvid_msi(self.inner.raw(), addr, data) })
    }
}
