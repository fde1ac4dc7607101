// SPDX-License-Identifier: MIT
//! Save/restore through the safe API: state survives, hostile bytes are
//! rejected with the matching error and never produce a VM.

use pvirq::{Error, Mapping, Vm};

fn source() -> Vm {
    let vm = Vm::builder(3)
        .cpu_ids([0x10, 0x11, 0x12])
        .untrusted(64)
        .rvid_inputs(5)
        .build()
        .unwrap();
    let (a, b) = (vm.vcpu(0).unwrap(), vm.vcpu(2).unwrap());
    a.enable().unwrap();
    a.clear_masked(3).unwrap();
    a.signal(3).unwrap(); // deliverable
    a.signal(4).unwrap(); // pending but masked
    b.enable().unwrap();
    b.set_level(7, true).unwrap();
    vm.rvid().map(4, 2, 90).unwrap();
    vm
}

#[test]
fn round_trip_preserves_every_bit_of_state() {
    let src = source();
    let bytes = src.save().unwrap();
    assert_eq!(bytes.len(), src.snapshot_size());
    let dst = Vm::builder_from_snapshot(&bytes)
        .unwrap()
        .restore(&bytes)
        .unwrap();
    assert_eq!(
        (dst.nr_vcpus(), dst.nr_untrusted(), dst.nr_rvid_inputs()),
        (3, 64, 5)
    );
    assert_eq!(dst.vcpu(1).unwrap().cpu_id(), 0x11);
    for (s, d) in src.vcpus().zip(dst.vcpus()) {
        assert_eq!(s.is_enabled(), d.is_enabled());
        for intid in 0..96 {
            assert_eq!(
                s.is_pending(intid),
                d.is_pending(intid),
                "vCPU {} INTID {intid}",
                s.index()
            );
            assert_eq!(s.is_masked(intid), d.is_masked(intid));
        }
        assert_eq!(s.line(), d.line());
    }
    assert!(dst.vcpu(2).unwrap().level(7).unwrap());
    assert_eq!(
        dst.rvid().lookup(4),
        Ok(Some(Mapping { vcpu: 2, intid: 90 }))
    );
    assert_eq!(
        dst.save().unwrap(),
        bytes,
        "saving the copy gives the same bytes"
    );
    let entry = dst.take_vcpu_entry(0).unwrap();
    assert!(entry.rearm());
    assert_eq!(entry.vcpu().acknowledge(), Ok(Some(3)));
}

#[test]
fn destination_of_another_shape_is_refused() {
    let bytes = source().save().unwrap();
    let cases = [
        (
            "vCPU count",
            Vm::builder(2)
                .cpu_ids([0x10, 0x11])
                .untrusted(64)
                .rvid_inputs(5),
        ),
        (
            "CPU ids",
            Vm::builder(3)
                .cpu_ids([0x10, 0x11, 0x13])
                .untrusted(64)
                .rvid_inputs(5),
        ),
        (
            "untrusted",
            Vm::builder(3)
                .cpu_ids([0x10, 0x11, 0x12])
                .untrusted(32)
                .rvid_inputs(5),
        ),
        (
            "inputs",
            Vm::builder(3)
                .cpu_ids([0x10, 0x11, 0x12])
                .untrusted(64)
                .rvid_inputs(4),
        ),
    ];
    for (what, builder) in cases {
        assert_eq!(
            builder.restore(&bytes).err(),
            Some(Error::ConfigMismatch),
            "{what}"
        );
    }
}

#[test]
fn damaged_snapshots_are_rejected() {
    let bytes = source().save().unwrap();
    let builder = || {
        Vm::builder(3)
            .cpu_ids([0x10, 0x11, 0x12])
            .untrusted(64)
            .rvid_inputs(5)
    };
    assert_eq!(builder().restore(&[]).err(), Some(Error::Truncated));
    assert_eq!(
        builder().restore(&bytes[..bytes.len() - 1]).err(),
        Some(Error::Truncated)
    );
    let mut magic = bytes.clone();
    magic[0] ^= 0xFF;
    assert_eq!(builder().restore(&magic).err(), Some(Error::BadMagic));
    // Every single-bit flip anywhere is refused (the CRC catches accidents;
    // validation catches the rest), and never yields a VM.
    for at in 0..bytes.len() {
        let mut damaged = bytes.clone();
        damaged[at] ^= 0x10;
        let err = builder().restore(&damaged).err();
        assert!(
            matches!(
                err,
                Some(
                    Error::Truncated
                        | Error::BadMagic
                        | Error::UnsupportedVersion
                        | Error::BadChecksum
                        | Error::Corrupt
                        | Error::ConfigMismatch
                )
            ),
            "flip at byte {at}: {err:?}"
        );
        assert!(Vm::builder_from_snapshot(&damaged).is_err() || err == Some(Error::ConfigMismatch));
    }
}

#[test]
fn save_into_reports_the_size_it_needs() {
    let vm = source();
    let mut small = vec![0u8; vm.snapshot_size() - 1];
    assert_eq!(vm.save_into(&mut small), Err(Error::NoSpace));
    assert!(small.iter().all(|&b| b == 0), "nothing written on NoSpace");
    let mut big = vec![0u8; vm.snapshot_size() + 7];
    assert_eq!(vm.save_into(&mut big), Ok(vm.snapshot_size()));
}

/// Rollback to an older VMM: the previous format version restores to the
/// same state, and saving that copy in the same version gives the same bytes.
#[test]
fn previous_format_version_round_trips() {
    let src = source();
    let old = src.save_version(pvirq::SNAPSHOT_VERSION_OLDEST).unwrap();
    let new = src.save().unwrap();
    assert_eq!(old[8], 1);
    assert_eq!(new[8], pvirq::SNAPSHOT_VERSION as u8);
    let dst = Vm::builder_from_snapshot(&old)
        .unwrap()
        .restore(&old)
        .unwrap();
    assert_eq!(dst.save().unwrap(), new);
    assert_eq!(
        dst.save_version(pvirq::SNAPSHOT_VERSION_OLDEST).unwrap(),
        old
    );
    assert_eq!(src.save_version(0), Err(Error::UnsupportedVersion));
    assert_eq!(
        src.save_version(pvirq::SNAPSHOT_VERSION + 1),
        Err(Error::UnsupportedVersion)
    );
}
