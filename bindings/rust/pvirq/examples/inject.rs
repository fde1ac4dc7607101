// SPDX-License-Identifier: MIT
//! The smallest useful embedding: create a VM, map a device input, inject
//! an edge, and let the vCPU acknowledge it. Run with
//! `cargo run --offline --example inject` in bindings/rust.

use pvirq::{Delivery, Vm};

pub fn main() -> pvirq::Result<()> {
    let vm = Vm::builder(2).rvid_inputs(4).build()?;
    let entry = vm.take_vcpu_entry(1).expect("vCPU 1 entry token");
    let cpu1 = entry.vcpu();
    cpu1.enable()?; // guest: ENABLE on vCPU 1
    cpu1.clear_masked(40)?; // guest: unmask INTID 40
    vm.rvid().map(0, 1, 40)?; // guest: input 0 -> (vCPU 1, INTID 40)
    // device model: raise an edge; a dropped or unmapped one is no error
    assert_eq!(vm.rvid().inject(0)?, Delivery::Latched);
    // VMM: before guest entry, inject if the line is high
    assert!(entry.rearm(), "the line is high");
    // the guest acknowledges
    let intid = cpu1.acknowledge()?.expect("an interrupt is pending");
    println!("vCPU 1 took INTID {intid}");
    assert_eq!(intid, 40);
    Ok(())
}
