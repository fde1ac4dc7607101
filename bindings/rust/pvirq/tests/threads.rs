// SPDX-License-Identifier: MIT
//! Concurrency through the binding: device threads inject while the vCPU
//! thread sleeps until notified. A lost wake-up hangs the test (CTest's
//! timeout fails it); a lost or duplicated interrupt fails the count.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread::{self, Thread};

use pvirq::Vm;

const EDGES_PER_DEVICE: u64 = 2000;
const DEVICES: u32 = 2;

#[test]
fn every_edge_is_delivered_once_and_no_wakeup_is_lost() {
    let vcpu_thread: Arc<OnceLock<Thread>> = Arc::new(OnceLock::new());
    let wake = Arc::clone(&vcpu_thread);
    let vm = Vm::builder(1)
        .rvid_inputs(DEVICES)
        .notify(move |_| {
            if let Some(t) = wake.get() {
                t.unpark();
            }
        })
        .build()
        .unwrap();
    let v = vm.vcpu(0).unwrap();
    v.enable().unwrap();
    for device in 0..DEVICES {
        let intid = 32 + device;
        v.clear_masked(intid).unwrap();
        vm.rvid().map(device, 0, intid).unwrap();
    }

    let entry = vm.take_vcpu_entry(0).unwrap();
    let acks: Arc<Vec<AtomicU64>> = Arc::new((0..DEVICES).map(|_| AtomicU64::new(0)).collect());
    let counts = Arc::clone(&acks);
    let registered = Arc::clone(&vcpu_thread);
    let runner = thread::spawn(move || {
        registered.set(thread::current()).unwrap();
        let v = entry.vcpu();
        let total = EDGES_PER_DEVICE * u64::from(DEVICES);
        let mut taken = 0;
        while taken < total {
            if !entry.rearm() {
                thread::park(); // woken by notify (or spuriously: loop)
                continue;
            }
            while let Some(intid) = v.acknowledge().unwrap() {
                counts[(intid - 32) as usize].fetch_add(1, Ordering::Relaxed);
                taken += 1;
                v.clear_masked(intid).unwrap();
            }
        }
    });
    // Register the vCPU thread before any injection can notify it; until
    // then its first rearm() sees whatever is pending anyway.
    let devices: Vec<_> = (0..DEVICES)
        .map(|device| {
            let vm = vm.clone();
            thread::spawn(move || {
                let v = vm.vcpu(0).unwrap();
                for _ in 0..EDGES_PER_DEVICE {
                    // Only this thread raises this INTID, so injecting when
                    // it is not pending makes exactly one new edge.
                    while v.is_pending(32 + device).unwrap() {
                        thread::yield_now();
                    }
                    vm.rvid().inject(device).unwrap();
                }
            })
        })
        .collect();
    for d in devices {
        d.join().unwrap();
    }
    runner.join().unwrap();
    for (device, count) in acks.iter().enumerate() {
        assert_eq!(
            count.load(Ordering::Relaxed),
            EDGES_PER_DEVICE,
            "device {device}"
        );
    }
}

#[test]
fn entry_token_moves_between_threads_one_holder_at_a_time() {
    let vm = Vm::builder(1).build().unwrap();
    let entry = vm.take_vcpu_entry(0).unwrap();
    let back = thread::spawn(move || {
        assert!(!entry.rearm(), "nothing pending");
        entry
    })
    .join()
    .unwrap();
    assert!(vm.take_vcpu_entry(0).is_none());
    drop(back);
    let vm2 = vm.clone();
    assert!(
        thread::spawn(move || vm2.take_vcpu_entry(0).is_some())
            .join()
            .unwrap()
    );
}
