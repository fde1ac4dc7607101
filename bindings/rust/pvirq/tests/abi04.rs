// SPDX-License-Identifier: MIT
//! The ABI 0.4 host API through the safe crate: the shared-state page over
//! guest RAM the test owns, priority classes and the floor, the NMI class,
//! level rVID inputs with their resample callback, and their migration.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use pvirq::{Delivery, Error, Vm};

const PAGE: u64 = pvirq::sys::PVIRQ_SHARED_STATE_SIZE as u64;
const RAM_BASE: u64 = 0x4000_0000;
const RAM_PAGES: u64 = 4;

/// Guest RAM: 64-bit atomic words, as the library and a guest access them.
struct GuestRam {
    words: Box<[AtomicU64]>,
}

impl GuestRam {
    fn new() -> Arc<GuestRam> {
        Arc::new(GuestRam {
            words: (0..RAM_PAGES * PAGE / 8)
                .map(|_| AtomicU64::new(0))
                .collect(),
        })
    }

    /// Word `index` of the page at `gpa`.
    fn word(&self, gpa: u64, index: u64) -> &AtomicU64 {
        &self.words[((gpa - RAM_BASE) / 8 + index) as usize]
    }

    /// The builder's guest_page: the host address of [gpa, gpa + size).
    fn translate(&self, gpa: u64, size: usize) -> *mut u8 {
        match gpa.checked_sub(RAM_BASE) {
            Some(off) if off + size as u64 <= RAM_PAGES * PAGE => {
                self.words.as_ptr().cast::<u8>().wrapping_add(off as usize) as *mut u8
            }
            _ => std::ptr::null_mut(),
        }
    }
}

fn vm_with_ram(nr_vcpus: u32, ram: &Arc<GuestRam>) -> pvirq::VmBuilder {
    let ram = Arc::clone(ram);
    // SAFETY: the RAM is 8-byte aligned atomic words, kept alive by the
    // closure as long as the VM, accessed only atomically.
    unsafe { Vm::builder(nr_vcpus).guest_page(move |_vcpu, gpa, size| ram.translate(gpa, size)) }
}

#[test]
fn share_state_moves_the_words_into_guest_ram() {
    let ram = GuestRam::new();
    let vm = vm_with_ram(2, &ram).build().unwrap();
    let cpu = vm.vcpu(1).unwrap();
    assert_eq!(cpu.shared_state(), Ok(None));
    cpu.enable().unwrap();
    cpu.clear_masked(40).unwrap();
    cpu.signal(40).unwrap();
    assert_eq!(cpu.share_state(RAM_BASE), Err(Error::InstanceEnabled));
    cpu.disable().unwrap(); // keeps its latches
    cpu.share_state(RAM_BASE + PAGE).unwrap();
    assert_eq!(cpu.shared_state(), Ok(Some(RAM_BASE + PAGE)));
    // INTID 40 is lane 8 of state word 1: pending, not masked.
    let word = ram.word(RAM_BASE + PAGE, 1);
    assert_eq!(
        word.load(Ordering::SeqCst),
        (0xAAAA_AAAA_AAAA_AAAA & !(2 << 16)) | (1 << 16)
    );
    cpu.enable().unwrap();
    assert_eq!(cpu.acknowledge(), Ok(Some(40)));
    // The guest's in-memory end of interrupt, seen by the host.
    word.fetch_and(!(2 << 16), Ordering::SeqCst);
    assert_eq!(cpu.is_masked(40), Ok(false));
    assert_eq!(cpu.unshare_state(), Err(Error::InstanceEnabled));
    cpu.disable().unwrap();
    cpu.unshare_state().unwrap();
    assert_eq!(cpu.shared_state(), Ok(None));
    // Refused pages.
    assert_eq!(cpu.share_state(RAM_BASE + 8), Err(Error::InvalidArgument));
    assert_eq!(
        cpu.share_state(RAM_BASE + RAM_PAGES * PAGE),
        Err(Error::InvalidArgument)
    );
    let no_ram = Vm::builder(1).build().unwrap();
    assert_eq!(
        no_ram.vcpu(0).unwrap().share_state(RAM_BASE),
        Err(Error::InvalidArgument)
    );
}

#[test]
fn highest_class_first_and_the_floor_holds_off() {
    let vm = Vm::builder(1).build().unwrap();
    let cpu = vm.vcpu(0).unwrap();
    cpu.enable().unwrap();
    for (intid, class) in [(3, 0), (4, 2), (5, 1)] {
        cpu.set_priority(intid, class).unwrap();
        assert_eq!(cpu.priority(intid), Ok(class));
        cpu.clear_masked(intid).unwrap();
        cpu.signal(intid).unwrap();
    }
    cpu.set_priority_mask(1).unwrap();
    assert_eq!(cpu.priority_mask(), Ok(1));
    assert_eq!(cpu.acknowledge(), Ok(Some(4)));
    assert_eq!(cpu.acknowledge(), Ok(Some(5)));
    assert_eq!(cpu.acknowledge(), Ok(None)); // 3: below the floor
    assert!(!cpu.line());
    cpu.set_priority_mask(0).unwrap();
    assert!(cpu.line());
    assert_eq!(cpu.acknowledge(), Ok(Some(3)));
    assert_eq!(cpu.set_priority(3, 3), Err(Error::InvalidArgument)); // no NMI line
    assert_eq!(cpu.set_priority_mask(4), Err(Error::InvalidArgument));
}

#[test]
fn nmi_class_is_on_the_nmi_edge() {
    let vm = Vm::builder(2).nmi_line(true).build().unwrap();
    let entry = vm.take_vcpu_entry(1).unwrap();
    let cpu = entry.vcpu();
    cpu.enable().unwrap();
    cpu.set_priority(9, pvirq::sys::PVIRQ_PRIORITY_NMI).unwrap();
    cpu.clear_masked(9).unwrap();
    assert!(!entry.take_nmi());
    cpu.signal(9).unwrap();
    assert!(entry.take_nmi());
    assert!(!entry.take_nmi()); // once
    assert!(!entry.rearm()); // not on the IRQ line
    assert_eq!(cpu.acknowledge_nmi(), Ok(Some(9)));
    assert_eq!(cpu.acknowledge_nmi(), Ok(None));
}

#[test]
fn level_input_repends_at_resample_while_high() {
    let resampled = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&resampled);
    let vm = Vm::builder(1)
        .rvid_inputs(2)
        .resample(move |input| log.lock().unwrap().push(input))
        .build()
        .unwrap();
    let (cpu, rvid) = (vm.vcpu(0).unwrap(), vm.rvid());
    cpu.enable().unwrap();
    cpu.clear_masked(40).unwrap();
    rvid.map(1, 0, 40).unwrap();
    assert_eq!(rvid.set_level(1, true), Err(Error::InvalidArgument)); // edge
    rvid.set_trigger(1, true).unwrap();
    assert_eq!(rvid.level(1), Ok(false));
    assert_eq!(rvid.set_level(1, true), Ok(Delivery::Latched));
    assert_eq!(rvid.level(1), Ok(true));
    assert_eq!(cpu.acknowledge(), Ok(Some(40)));
    // End of interrupt with the line still high: pending again.
    assert_eq!(rvid.resample(1), Ok(Delivery::Latched));
    assert_eq!(*resampled.lock().unwrap(), [1]);
    assert_eq!(cpu.is_pending(40), Ok(true));
    cpu.clear_masked(40).unwrap();
    assert_eq!(cpu.acknowledge(), Ok(Some(40)));
    rvid.set_level(1, false).unwrap(); // serviced at the device
    rvid.resample(1).unwrap();
    cpu.clear_masked(40).unwrap();
    assert_eq!(cpu.is_pending(40), Ok(false));
    rvid.resample(0).unwrap(); // an edge input: no callback
    assert_eq!(*resampled.lock().unwrap(), [1, 1]);
    assert_eq!(rvid.resample(2), Err(Error::InvalidInput));
}

#[test]
fn abi04_state_migrates_through_guest_ram() {
    let (src_ram, dst_ram) = (GuestRam::new(), GuestRam::new());
    let src = vm_with_ram(2, &src_ram)
        .rvid_inputs(2)
        .nmi_line(true)
        .build()
        .unwrap();
    let cpu0 = src.vcpu(0).unwrap();
    cpu0.share_state(RAM_BASE + 2 * PAGE).unwrap();
    cpu0.enable().unwrap();
    cpu0.set_priority(7, 2).unwrap();
    src.vcpu(1).unwrap().set_priority_mask(3).unwrap();
    src.rvid().set_trigger(0, true).unwrap();
    let bytes = src.save().unwrap();
    assert_eq!(bytes.len(), src.snapshot_size());
    assert_eq!(src.save_version(2), Err(Error::UnsupportedVersion));

    // Without guest RAM for the page, the destination cannot hold it.
    assert_eq!(
        Vm::builder_from_snapshot(&bytes)
            .unwrap()
            .restore(&bytes)
            .err(),
        Some(Error::ConfigMismatch)
    );
    let ram = Arc::clone(&dst_ram);
    // SAFETY: as in vm_with_ram().
    let dst = unsafe {
        Vm::builder_from_snapshot(&bytes)
            .unwrap()
            .guest_page(move |_vcpu, gpa, size| ram.translate(gpa, size))
    }
    .restore(&bytes)
    .unwrap();
    assert_eq!(
        dst.vcpu(0).unwrap().shared_state(),
        Ok(Some(RAM_BASE + 2 * PAGE))
    );
    assert_eq!(dst.vcpu(0).unwrap().priority(7), Ok(2));
    assert_eq!(dst.vcpu(1).unwrap().priority_mask(), Ok(3));
    assert_eq!(dst.rvid().set_level(1, true), Err(Error::InvalidArgument)); // edge
    assert_eq!(dst.rvid().set_level(0, false), Ok(Delivery::Latched)); // level
    // Class word n + 0 (n = 2) in the destination's RAM: INTID 7, class 2.
    assert_eq!(
        dst_ram.word(RAM_BASE + 2 * PAGE, 2).load(Ordering::SeqCst),
        2 << 14
    );
    assert_eq!(dst.save().unwrap(), bytes);
}
