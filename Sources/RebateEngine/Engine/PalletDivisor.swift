/// Full pallets of a line (`quantity / palletQuantity`, toward zero) by a multiply and a shift.
///
/// The hot loop counts pallets for every line and agreement; a hardware division there costs more
/// than the rest of the line's arithmetic. For a divisor `d >= 2` with `2^(l-1) < d <= 2^l`, take
/// `s = max(64, 60 + l)` and `m = floor(2^s / d) + 1`: then `2^s < m*d <= 2^s + 2^l`, which makes
/// `floor(x / d) == floor(x*m / 2^s)` for every `0 <= x < 2^(s-l)`, and `s - l >= 60` (Granlund and
/// Montgomery, "Division by invariant integers using multiplication", 1994, theorem 4.2). With
/// `s >= 64` the quotient is the high word of one 64-by-64-bit product, shifted by `s - 64`; `m`
/// stays below 2^64. Quantities are below 10^18 < 2^60 milli-units (the lines are checked before
/// the loop). A divisor of 1 keeps the quantity through a mask instead.
struct PalletDivisor {
    /// `m`; 0 when `size` is 0 or 1.
    let multiplier: UInt64
    /// `s - 64`.
    let shift: UInt64
    /// All ones when `size` is 1 (the quotient is the quantity), else 0.
    let identity: UInt64
    /// The pallet quantity in milli-units (0: not sold by the pallet, no full pallets).
    let size: Int64

    init(_ size: Int64) {
        self.size = max(0, size)
        guard size > 1 else {
            (multiplier, shift, identity) = (0, 0, size == 1 ? ~0 : 0)
            return
        }
        let l = UInt64.bitWidth - (UInt64(size) - 1).leadingZeroBitCount // ceil(log2 d)
        let s = max(64, 60 + l)
        (shift, identity) = (UInt64(s - 64), 0)
        multiplier = UInt64((UInt128(1) << s) / UInt128(size) + 1)
    }

    /// `quantity / size` toward zero (a return of 2.5 pallets is -2), 0 when `size` is 0.
    /// - Precondition: `|quantity| < 2^60`.
    @inline(__always)
    func fullPallets(_ quantity: Int64) -> Int64 {
        // Sales are most lines: their quotient needs no sign handling, and the branch is predicted.
        if quantity >= 0 { return quotient(UInt64(bitPattern: quantity)) }
        return 0 &- quotient(quantity.magnitude)
    }

    @inline(__always)
    private func quotient(_ x: UInt64) -> Int64 {
        Int64(bitPattern: (x & identity) | (x.multipliedFullWidth(by: multiplier).high &>> shift))
    }
}
