/// SPEC.md section 4 for one agreement: `R(B, Q, A, N)`, exact.
///
/// Forecast accruals evaluate `R(k*B, k*Q, k*A, k*N)` with `k = D/e`. Rather
/// than build the rational `k`, every comparison is cross-multiplied
/// (`k*B >= f` is `B*D >= f*e`), so all arithmetic stays in integers.
struct RebateFormula: Sendable {
    let basis: RebateBasis
    let tiering: Tiering
    let kind: TierValueKind
    /// Thresholds in basis units (milli for quantity and pallets, minor for amount).
    let thresholds: [Int64]
    /// Rates scaled by 10^4, or fixed sums in minor units.
    let values: [Int64]
    let cap: Int64?
    /// The currency's minor-unit digits.
    let decimals: Int
    /// `R = X * rate * valueNumerator / valueDenominator`, in minor units.
    let valueNumerator: Int128
    let valueDenominator: Int128

    init(_ a: Agreement, decimals: Int) {
        basis = a.basis
        tiering = a.tiering
        kind = a.valueKind
        thresholds = a.tiers.map(\.from)
        values = a.tiers.map(\.value)
        cap = a.cap
        self.decimals = decimals
        let ten = { (p: Int) in Int128(DecimalText.powersOfTen[p]) }
        switch a.valueKind {
        case .percent: (valueNumerator, valueDenominator) = (1, ten(6)) // A minor * (p/10^4) / 100
        case .perUnit: (valueNumerator, valueDenominator) = (ten(decimals), ten(7)) // Q milli/10^3 * u/10^4 * 10^d
        case .perPallet: (valueNumerator, valueDenominator) = (ten(decimals), ten(4)) // N * u/10^4 * 10^d
        case .fixed: (valueNumerator, valueDenominator) = (1, 1)
        }
    }

    /// The highest tier reached by `basis` (1-based; 0 for none).
    func tier(basis b: Int128) -> Int {
        var j = 0
        for (i, f) in thresholds.enumerated() where b >= Int128(f) { j = i + 1 }
        return j
    }

    /// The threshold of the tier above `tier`, or `nil` at the top.
    func nextThreshold(after tier: Int) -> Int64? {
        tier < thresholds.count ? thresholds[tier] : nil
    }

    /// The sums a period (or part of one) holds.
    struct Sums {
        var quantity: Int128 = 0 // milli-units
        var amount: Int128 = 0 // minor units
        var pallets: Int128 = 0 // whole pallets
        var gates: [Int128] = [] // per gate: milli-units or minor units

        func basis(_ b: RebateBasis) -> Int128 {
            switch b {
            case .quantity: return quantity
            case .amount: return amount
            case .pallets: return pallets * 1000
            }
        }
    }

    /// `R(k*sums)` as an exact fraction `numerator / denominator` (denominator > 0),
    /// with `k = scaleUp / scaleDown`, gates judged on the scaled sums, clamped to `0...cap`.
    func evaluate<T: ExactInteger>(_: T.Type, _ s: Sums, gateMinimums: [Int64], scaleUp D: Int64, scaleDown e: Int64)
        throws(ArithmeticOverflow) -> (T, T)
    {
        assert(D > 0 && e > 0)
        let tD = T(Int128(D))
        let te = T(Int128(e))
        if try !gatesMet(s, gateMinimums, tD, te) { return (T(0), T(1)) }
        let b = s.basis(basis)
        let bD = try T.times(T(b), tD)
        var j = -1
        for (i, f) in thresholds.enumerated() where try bD >= T.times(T(Int128(f)), te) { j = i }
        if j < 0 { return (T(0), T(1)) }

        var numerator: T
        var denominator: T
        if kind == .fixed {
            denominator = T(1)
            if tiering == .retroactive {
                numerator = T(Int128(values[j]))
            } else {
                numerator = T(values[0...j].reduce(Int128(0)) { $0 + Int128($1) })
            }
        } else {
            let xm = try T.times(T(volume(s)), T(valueNumerator))
            if tiering == .retroactive {
                numerator = try T.times(T.times(xm, T(Int128(values[j]))), tD)
                denominator = try T.times(T(valueDenominator), te)
            } else {
                if b == 0 { return (T(0), T(1)) } // every slice is empty
                var weighted = T(0)
                for i in 0...j {
                    let upper = i < j ? try T.times(T(Int128(thresholds[i + 1])), te) : bD
                    let slice = try T.minus(upper, T.times(T(Int128(thresholds[i])), te))
                    weighted = try T.plus(weighted, T.times(T(Int128(values[i])), slice))
                }
                numerator = try T.times(xm, weighted)
                denominator = try T.times(T.times(T(valueDenominator), T(b)), te)
            }
        }
        if numerator.isNegative { return (T(0), T(1)) }
        if let cap, try numerator > T.times(T(Int128(cap)), denominator) { return (T(Int128(cap)), T(1)) }
        return (numerator, denominator)
    }

    /// Whether every gate's sum times `k = D/e` reaches its minimum (SPEC section 4, step 4).
    func gatesMet<T: ExactInteger>(_ s: Sums, _ gateMinimums: [Int64], _ tD: T, _ te: T) throws(ArithmeticOverflow)
        -> Bool
    {
        for (g, minimum) in gateMinimums.enumerated() {
            if try T.times(T(s.gates[g]), tD) < T.times(T(Int128(minimum)), te) { return false }
        }
        return true
    }

    /// The volume a tier's value applies to: the amount for `percent`, the quantity for `per_unit`,
    /// the full pallets for `per_pallet` (unused for `fixed`).
    func volume(_ s: Sums) -> Int128 {
        switch kind {
        case .percent: return s.amount
        case .perUnit: return s.quantity
        default: return s.pallets
        }
    }

    /// The figures one evaluation yields, in minor units, each rounded once.
    struct Result: Equatable {
        /// `R(k*sums)` rounded: the run-rate total (the earned value when `k = 1`).
        var projected: Int128
        /// `R(k*sums) / k` rounded: the forecast accrual (the earned value when `k = 1`).
        var accrued: Int128
    }

    /// Evaluates with `k = D/e`, exactly; `Int128` first, unbounded width on overflow.
    func result(_ s: Sums, gateMinimums: [Int64], scaleUp D: Int64 = 1, scaleDown e: Int64 = 1) -> Result {
        exactResult(s, gateMinimums: gateMinimums, growth: nil, scaleUp: D, scaleDown: e)
    }

    /// The one rounding of an evaluation, of a plain agreement or (with `growth`) of a growth agreement.
    func exactResult(
        _ s: Sums, gateMinimums: [Int64], growth: (baseline: BaselineValue, rule: Growth)?, scaleUp D: Int64,
        scaleDown e: Int64
    ) -> Result {
        func run<T: ExactInteger>(_ t: T.Type) throws(ArithmeticOverflow) -> Result {
            let (n, d) =
                if let growth {
                    try evaluateGrowth(
                        t, s, baseline: growth.baseline, growth: growth.rule, gateMinimums: gateMinimums, scaleUp: D,
                        scaleDown: e)
                } else {
                    try evaluate(t, s, gateMinimums: gateMinimums, scaleUp: D, scaleDown: e)
                }
            let projected = try n.roundedQuotient(d)
            if D == e { return Result(projected: projected, accrued: projected) }
            let accrued = try T.times(n, T(Int128(e))).roundedQuotient(T.times(d, T(Int128(D))))
            return Result(projected: projected, accrued: accrued)
        }
        do { return try run(Int128.self) } catch {}
        do { return try run(WideInt.self) } catch {
            preconditionFailure("a rebate does not fit in Int128 minor units")
        }
    }
}
