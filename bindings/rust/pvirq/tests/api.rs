// SPDX-License-Identifier: MIT
//! Behaviour of the safe API: each test would fail if the binding mapped a
//! call, an argument or an error wrongly.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use pvirq::{Delivery, Error, Mapping, Rvid, Vcpu, VcpuEntry, Vm};

fn vm(nr_vcpus: u32) -> Vm {
    Vm::builder(nr_vcpus)
        .trusted(32)
        .untrusted(64)
        .rvid_inputs(8)
        .build()
        .unwrap()
}

#[test]
fn handles_are_send_and_sync_exactly_where_c_allows() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<Vm>();
    send_sync::<Vcpu<'static>>();
    send_sync::<Rvid<'static>>();
    send_sync::<Error>();
    send::<VcpuEntry>();
    // VcpuEntry: !Sync and !Clone are checked by compile_fail doc-tests.
}

#[test]
fn versions_agree() {
    assert_eq!(pvirq::library_version(), pvirq::HEADER_VERSION);
}

#[test]
fn bad_configurations_are_rejected() {
    let cases = [
        ("no vCPUs", Vm::builder(0)),
        ("too many vCPUs", Vm::builder(4097)),
        ("T < 32", Vm::builder(1).trusted(0)),
        ("T not a multiple of 32", Vm::builder(1).trusted(48)),
        ("U < 32", Vm::builder(1).untrusted(0)),
        ("T + U > 2048", Vm::builder(1).trusted(1024).untrusted(1056)),
        ("too many inputs", Vm::builder(1).rvid_inputs(65537)),
        ("short cpu id list", Vm::builder(2).cpu_ids([7])),
        ("long cpu id list", Vm::builder(1).cpu_ids([7, 8])),
        ("duplicate cpu ids", Vm::builder(2).cpu_ids([7, 7])),
    ];
    for (what, builder) in cases {
        assert_eq!(
            builder.build().err(),
            Some(Error::InvalidArgument),
            "{what}"
        );
    }
    assert!(
        Vm::builder(4)
            .trusted(1024)
            .untrusted(1024)
            .rvid_inputs(65536)
            .build()
            .is_ok()
    );
}

#[test]
fn memory_is_the_c_footprint_and_aligned() {
    let builder = Vm::builder(3).trusted(64).untrusted(96).rvid_inputs(10);
    let want = builder.footprint().unwrap();
    let vm = builder.build().unwrap();
    assert_eq!(vm.footprint(), want);
    assert_eq!(vm.as_raw() as usize % 64, 0);
    assert_eq!(
        (
            vm.nr_vcpus(),
            vm.nr_trusted(),
            vm.nr_untrusted(),
            vm.nr_rvid_inputs()
        ),
        (3, 64, 96, 10)
    );
}

#[test]
fn reset_state_and_vcpu_bounds() {
    let vm = vm(2);
    for v in vm.vcpus() {
        assert!(!v.is_enabled().unwrap());
        for intid in 0..96 {
            assert!(v.is_masked(intid).unwrap());
            assert!(!v.is_pending(intid).unwrap());
        }
        assert!(!v.line());
    }
    assert_eq!(vm.vcpus().len(), 2);
    assert_eq!(vm.vcpu(2).err(), Some(Error::NoSuchVcpu));
    assert_eq!(vm.vcpu(u32::MAX).err(), Some(Error::NoSuchVcpu));
    assert!(vm.take_vcpu_entry(2).is_none());
}

#[test]
fn intid_arguments_are_checked() {
    let vm = vm(1);
    let v = vm.vcpu(0).unwrap();
    v.enable().unwrap();
    assert_eq!(v.signal(96), Err(Error::InvalidIntid));
    assert_eq!(v.set_masked(u32::MAX), Err(Error::InvalidIntid));
    assert_eq!(v.is_pending(96), Err(Error::InvalidIntid));
    // Level lines and RESAMPLE exist for trusted INTIDs only.
    assert_eq!(v.set_level(32, true), Err(Error::InvalidIntid));
    assert_eq!(v.resample(32), Err(Error::InvalidIntid));
}

#[test]
fn signal_mask_acknowledge_cycle() {
    let vm = vm(1);
    let v = vm.vcpu(0).unwrap();
    assert_eq!(
        v.signal(3),
        Ok(Delivery::Dropped),
        "disabled instance drops"
    );
    assert!(!v.is_pending(3).unwrap());
    v.enable().unwrap();
    assert!(v.is_enabled().unwrap());
    assert_eq!(v.acknowledge(), Ok(None));
    v.signal(3).unwrap();
    assert!(v.is_pending(3).unwrap(), "latches while masked");
    assert!(!v.line(), "masked: not deliverable");
    v.clear_masked(3).unwrap();
    assert!(v.line());
    assert_eq!(v.acknowledge(), Ok(Some(3)));
    assert!(
        v.is_masked(3).unwrap() && !v.is_pending(3).unwrap(),
        "ack masks and clears"
    );
    assert!(!v.line());
    v.clear_masked(3).unwrap();
    v.signal(3).unwrap();
    v.clear_pending(3).unwrap();
    assert!(!v.line());
    v.signal(3).unwrap();
    v.disable().unwrap();
    assert!(!v.line(), "disable drops the line");
    assert_eq!(
        v.acknowledge(),
        Ok(None),
        "a disabled instance delivers nothing"
    );
    assert!(v.is_pending(3).unwrap(), "pending stays latched");
}

#[test]
fn acknowledge_is_round_robin() {
    let vm = vm(1);
    let v = vm.vcpu(0).unwrap();
    v.enable().unwrap();
    for intid in [5, 9, 70] {
        v.clear_masked(intid).unwrap();
        v.signal(intid).unwrap();
    }
    let mut order = Vec::new();
    while let Some(intid) = v.acknowledge().unwrap() {
        order.push(intid);
        v.clear_masked(intid).unwrap();
        if order.len() == 1 {
            v.signal(5).unwrap(); // re-pend the first: it must not overtake the others
        }
    }
    assert_eq!(order, [5, 9, 70, 5]);
}

#[test]
fn level_lines_and_resample() {
    let levels = Arc::new(Mutex::new(false));
    let seen = Arc::clone(&levels);
    let vm = Vm::builder(1)
        .line_level(move |vcpu, intid| vcpu == 0 && intid == 7 && *seen.lock().unwrap())
        .build()
        .unwrap();
    let v = vm.vcpu(0).unwrap();
    v.enable().unwrap();
    v.resample(7).unwrap();
    assert!(!v.is_pending(7).unwrap(), "callback says low");
    *levels.lock().unwrap() = true;
    v.resample(7).unwrap();
    assert!(v.is_pending(7).unwrap(), "callback says high");
    v.set_level(8, true).unwrap();
    assert!(v.level(8).unwrap() && v.is_pending(8).unwrap());
    v.clear_pending(8).unwrap();
    v.resample(8).unwrap();
    assert!(v.is_pending(8).unwrap(), "software line still high");
    v.set_level(8, false).unwrap();
    assert!(!v.level(8).unwrap());
}

#[test]
fn notify_runs_once_per_rearm() {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&calls);
    let vm = Vm::builder(2)
        .notify(move |vcpu| log.lock().unwrap().push(vcpu))
        .build()
        .unwrap();
    let entry = vm.take_vcpu_entry(1).unwrap();
    let v = entry.vcpu();
    v.enable().unwrap();
    v.clear_masked(1).unwrap();
    v.clear_masked(2).unwrap();
    v.signal(1).unwrap();
    v.signal(2).unwrap();
    assert_eq!(*calls.lock().unwrap(), [1]);
    assert!(entry.rearm());
    assert_eq!(v.acknowledge(), Ok(Some(1)));
    assert_eq!(v.acknowledge(), Ok(Some(2)));
    assert!(!entry.rearm());
    v.clear_masked(1).unwrap();
    v.signal(1).unwrap();
    assert_eq!(*calls.lock().unwrap(), [1, 1], "re-armed: notified again");
}

#[test]
fn notify_may_call_back_into_the_vm() {
    // The closure holds a Vm clone (a reference cycle the test breaks by
    // hand through the Mutex) and queries the line it was told about.
    let slot: Arc<Mutex<Option<Vm>>> = Arc::new(Mutex::new(None));
    let lines = Arc::new(AtomicU32::new(0));
    let (s, l) = (Arc::clone(&slot), Arc::clone(&lines));
    let vm = Vm::builder(1)
        .notify(move |vcpu| {
            let vm = s.lock().unwrap().clone().unwrap();
            if vm.vcpu(vcpu).unwrap().line() {
                l.fetch_add(1, Ordering::SeqCst);
            }
        })
        .build()
        .unwrap();
    *slot.lock().unwrap() = Some(vm.clone());
    let v = vm.vcpu(0).unwrap();
    v.enable().unwrap();
    v.clear_masked(0).unwrap();
    v.signal(0).unwrap();
    assert_eq!(lines.load(Ordering::SeqCst), 1);
    slot.lock().unwrap().take();
}

#[test]
fn rvid_map_lookup_inject_unmap() {
    let vm = vm(2);
    let rvid = vm.rvid();
    assert_eq!(rvid.lookup(0), Ok(None));
    assert_eq!(rvid.inject(0), Ok(Delivery::Unmapped));
    assert_eq!(rvid.map(8, 0, 40), Err(Error::InvalidInput));
    assert_eq!(rvid.map(0, 2, 40), Err(Error::NoSuchVcpu));
    assert_eq!(
        rvid.map(0, 0, 31),
        Err(Error::InvalidIntid),
        "trusted INTIDs are not mappable"
    );
    assert_eq!(rvid.map(0, 0, 96), Err(Error::InvalidIntid));
    rvid.map(0, 1, 40).unwrap();
    assert_eq!(rvid.lookup(0), Ok(Some(Mapping { vcpu: 1, intid: 40 })));
    assert_eq!(rvid.inject(0), Ok(Delivery::Dropped));
    let v = vm.vcpu(1).unwrap();
    v.enable().unwrap();
    rvid.inject(0).unwrap();
    assert!(v.is_pending(40).unwrap());
    v.clear_pending(40).unwrap();
    assert_eq!(rvid.msi(Rvid::MSI_DOORBELL + 4, 0), Err(Error::NotDoorbell));
    assert_eq!(rvid.msi(Rvid::MSI_DOORBELL, 8), Err(Error::InvalidInput));
    rvid.msi(Rvid::MSI_DOORBELL, 0).unwrap();
    assert!(v.is_pending(40).unwrap());
    rvid.unmap(0).unwrap();
    assert_eq!(rvid.lookup(0), Ok(None));
    assert_eq!(rvid.unmap(8), Err(Error::InvalidInput));
}

#[test]
fn retarget_moves_a_pending_interrupt() {
    let vm = vm(2);
    for v in vm.vcpus() {
        v.enable().unwrap();
    }
    vm.rvid().map(3, 0, 50).unwrap();
    vm.rvid().inject(3).unwrap();
    vm.rvid().map(3, 1, 60).unwrap();
    assert!(!vm.vcpu(0).unwrap().is_pending(50).unwrap());
    assert!(vm.vcpu(1).unwrap().is_pending(60).unwrap());
}

#[test]
fn cpu_ids_name_targets() {
    let vm = Vm::builder(3)
        .cpu_ids(vec![0x10, 0x2, 0x300])
        .build()
        .unwrap();
    assert_eq!(vm.vcpu_by_cpu_id(0x300).unwrap().index(), 2);
    assert_eq!(vm.vcpu(0).unwrap().cpu_id(), 0x10);
    assert_eq!(vm.vcpu_by_cpu_id(0).err(), Some(Error::NoSuchVcpu));
}

#[test]
fn reset_clears_everything() {
    let vm = vm(1);
    let v = vm.vcpu(0).unwrap();
    v.enable().unwrap();
    v.clear_masked(33).unwrap();
    v.signal(33).unwrap();
    vm.rvid().map(1, 0, 33).unwrap();
    vm.reset();
    assert!(!v.is_enabled().unwrap() && !v.is_pending(33).unwrap() && v.is_masked(33).unwrap());
    assert_eq!(vm.rvid().lookup(1), Ok(None));
}

#[test]
fn memory_lives_as_long_as_any_handle() {
    let vm = vm(1);
    let entry = vm.take_vcpu_entry(0).unwrap();
    drop(vm);
    entry.vcpu().enable().unwrap();
    entry.vcpu().clear_masked(0).unwrap();
    entry.vcpu().signal(0).unwrap();
    assert!(entry.rearm());
}

#[test]
fn error_codes_round_trip_and_read_like_c() {
    // Faults only: the outcome codes are values, not errors.
    let outcomes = [
        pvirq::sys::PVIRQ_EDISABLED,
        pvirq::sys::PVIRQ_ENOINTR,
        pvirq::sys::PVIRQ_EUNMAPPED,
        pvirq::sys::PVIRQ_ENOSYS,
    ];
    let faults: Vec<i32> = (1..=18)
        .map(|i| -i)
        .filter(|c| !outcomes.contains(c))
        .collect();
    assert_eq!(faults.len(), Error::ALL.len());
    for (e, code) in Error::ALL.iter().zip(faults) {
        assert_eq!(e.code(), code);
        assert_eq!(Error::from_code(code), Some(*e));
        assert_ne!(e.to_string(), "unknown error");
    }
    assert_eq!(Error::from_code(0), None);
    assert_eq!(Error::from_code(-99), Some(Error::Unknown(-99)));
    assert_eq!(Error::Unknown(-99).to_string(), "unknown error (-99)");
    assert_eq!(Error::InvalidInput.to_string(), "rVID input out of range");
}
