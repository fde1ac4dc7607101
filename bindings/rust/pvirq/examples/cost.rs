// SPDX-License-Identifier: MIT
//! What one interrupt costs through the safe API, single-threaded:
//! signal + rearm + acknowledge + unmask, the full trusted-path round trip.
//! `cargo run --offline --release --example cost` in bindings/rust.

use std::hint::black_box;
use std::time::Instant;

use pvirq::Vm;

fn main() -> pvirq::Result<()> {
    const ROUNDS: u32 = 2_000_000;
    let vm = Vm::builder(1).build()?;
    let entry = vm.take_vcpu_entry(0).expect("entry token");
    let v = entry.vcpu();
    v.enable()?;
    v.clear_masked(5)?;
    let start = Instant::now();
    for _ in 0..ROUNDS {
        v.signal(5)?;
        black_box(entry.rearm());
        let intid = v.acknowledge()?.expect("just signalled");
        v.clear_masked(black_box(intid))?;
    }
    let ns = start.elapsed().as_nanos() as f64 / f64::from(ROUNDS);
    println!("signal+rearm+acknowledge+clear_masked: {ns:.1} ns per interrupt ({ROUNDS} rounds)");
    Ok(())
}
