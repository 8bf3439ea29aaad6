/// Signals that a fixed-width exact computation would overflow.
struct ArithmeticOverflow: Error {}

/// The integer operations the rebate formula needs, all exact.
///
/// The formula runs first on `Int128`, which traps nothing and reports
/// overflow; on overflow it runs again on ``WideInt``, which cannot overflow.
/// Realistic sums never leave `Int128`, and absurd ones are still exact.
protocol ExactInteger: Comparable {
    init(_ value: Int128)
    static func plus(_ a: Self, _ b: Self) throws(ArithmeticOverflow) -> Self
    static func minus(_ a: Self, _ b: Self) throws(ArithmeticOverflow) -> Self
    static func times(_ a: Self, _ b: Self) throws(ArithmeticOverflow) -> Self
    /// `self / d` rounded half away from zero; `d` must be positive.
    func roundedQuotient(_ d: Self) throws(ArithmeticOverflow) -> Int128
    var isNegative: Bool { get }
}

extension Int128: ExactInteger {
    @inline(__always)
    static func plus(_ a: Int128, _ b: Int128) throws(ArithmeticOverflow) -> Int128 {
        let (r, o) = a.addingReportingOverflow(b)
        if o { throw ArithmeticOverflow() }
        return r
    }

    @inline(__always)
    static func minus(_ a: Int128, _ b: Int128) throws(ArithmeticOverflow) -> Int128 {
        let (r, o) = a.subtractingReportingOverflow(b)
        if o { throw ArithmeticOverflow() }
        return r
    }

    @inline(__always)
    static func times(_ a: Int128, _ b: Int128) throws(ArithmeticOverflow) -> Int128 {
        let (r, o) = a.multipliedReportingOverflow(by: b)
        if o { throw ArithmeticOverflow() }
        return r
    }

    func roundedQuotient(_ d: Int128) throws(ArithmeticOverflow) -> Int128 {
        DecimalText.roundedQuotient(self, d)
    }

    var isNegative: Bool { self < 0 }
}

/// A signed integer of unbounded width (sign and 32-bit limbs), for the rare
/// formula evaluations whose intermediates leave `Int128`.
struct WideInt: ExactInteger {
    private var negative: Bool
    private var limbs: [UInt32] // little-endian, no high zero limbs; zero is []

    init(_ value: Int128) {
        negative = value < 0
        var m = value.magnitude
        limbs = []
        while m != 0 {
            limbs.append(UInt32(truncatingIfNeeded: m))
            m >>= 32
        }
    }

    private init(negative: Bool, limbs: [UInt32]) {
        var l = limbs
        while let last = l.last, last == 0 { l.removeLast() }
        self.negative = l.isEmpty ? false : negative
        self.limbs = l
    }

    var isNegative: Bool { negative }

    private static func compareMagnitude(_ a: [UInt32], _ b: [UInt32]) -> Int {
        if a.count != b.count { return a.count < b.count ? -1 : 1 }
        for i in stride(from: a.count - 1, through: 0, by: -1) where a[i] != b[i] { return a[i] < b[i] ? -1 : 1 }
        return 0
    }

    private static func addMagnitude(_ a: [UInt32], _ b: [UInt32]) -> [UInt32] {
        var out: [UInt32] = []
        var carry: UInt64 = 0
        for i in 0..<max(a.count, b.count) {
            let s = UInt64(i < a.count ? a[i] : 0) + UInt64(i < b.count ? b[i] : 0) + carry
            out.append(UInt32(truncatingIfNeeded: s))
            carry = s >> 32
        }
        if carry != 0 { out.append(UInt32(carry)) }
        return out
    }

    /// `a - b` for `|a| >= |b|`.
    private static func subtractMagnitude(_ a: [UInt32], _ b: [UInt32]) -> [UInt32] {
        var out: [UInt32] = []
        var borrow: Int64 = 0
        for i in 0..<a.count {
            var d = Int64(a[i]) - Int64(i < b.count ? b[i] : 0) - borrow
            borrow = d < 0 ? 1 : 0
            if d < 0 { d += 1 << 32 }
            out.append(UInt32(d))
        }
        return out
    }

    static func < (a: WideInt, b: WideInt) -> Bool {
        if a.negative != b.negative { return a.negative }
        let c = compareMagnitude(a.limbs, b.limbs)
        return a.negative ? c > 0 : c < 0
    }

    static func plus(_ a: WideInt, _ b: WideInt) -> WideInt {
        if a.negative == b.negative { return WideInt(negative: a.negative, limbs: addMagnitude(a.limbs, b.limbs)) }
        if compareMagnitude(a.limbs, b.limbs) >= 0 {
            return WideInt(negative: a.negative, limbs: subtractMagnitude(a.limbs, b.limbs))
        }
        return WideInt(negative: b.negative, limbs: subtractMagnitude(b.limbs, a.limbs))
    }

    static func minus(_ a: WideInt, _ b: WideInt) -> WideInt {
        plus(a, WideInt(negative: !b.negative, limbs: b.limbs))
    }

    static func times(_ a: WideInt, _ b: WideInt) -> WideInt {
        if a.limbs.isEmpty || b.limbs.isEmpty { return WideInt(0) }
        var out = [UInt32](repeating: 0, count: a.limbs.count + b.limbs.count)
        for i in 0..<a.limbs.count {
            var carry: UInt64 = 0
            for j in 0..<b.limbs.count {
                let t = UInt64(a.limbs[i]) * UInt64(b.limbs[j]) + UInt64(out[i + j]) + carry
                out[i + j] = UInt32(truncatingIfNeeded: t)
                carry = t >> 32
            }
            out[i + b.limbs.count] = UInt32(carry)
        }
        return WideInt(negative: a.negative != b.negative, limbs: out)
    }

    func roundedQuotient(_ d: WideInt) throws(ArithmeticOverflow) -> Int128 {
        precondition(!d.negative && !d.limbs.isEmpty, "divisor must be positive")
        // Binary long division: slow, but only reached when Int128 overflowed.
        var quotient = [UInt32](repeating: 0, count: limbs.count)
        var remainder: [UInt32] = []
        for bit in stride(from: limbs.count * 32 - 1, through: 0, by: -1) {
            remainder = WideInt.addMagnitude(remainder, remainder)
            if (limbs[bit / 32] >> UInt32(bit % 32)) & 1 == 1 { remainder = WideInt.addMagnitude(remainder, [1]) }
            while let last = remainder.last, last == 0 { remainder.removeLast() }
            if WideInt.compareMagnitude(remainder, d.limbs) >= 0 {
                remainder = WideInt.subtractMagnitude(remainder, d.limbs)
                while let last = remainder.last, last == 0 { remainder.removeLast() }
                quotient[bit / 32] |= 1 << UInt32(bit % 32)
            }
        }
        var q = WideInt(negative: false, limbs: quotient)
        let twice = WideInt.addMagnitude(remainder, remainder)
        if WideInt.compareMagnitude(WideInt(negative: false, limbs: twice).limbs, d.limbs) >= 0 {
            q = WideInt.plus(q, WideInt(1))
        }
        guard q.limbs.count <= 4 else { throw ArithmeticOverflow() }
        var m: UInt128 = 0
        for limb in q.limbs.reversed() { m = m << 32 | UInt128(limb) }
        guard m <= UInt128(Int128.max) else { throw ArithmeticOverflow() }
        return negative ? -Int128(m) : Int128(m)
    }
}
