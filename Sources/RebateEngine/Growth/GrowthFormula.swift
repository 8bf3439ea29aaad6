/// SPEC section 10's rebate for a growth agreement, exact: step 1 to 3 of section 4 with tiers on
/// growth, and the figures the outputs show (baseline, growth, the next growth tier).
///
/// As in ``RebateFormula/evaluate(_:_:gateMinimums:scaleUp:scaleDown:)`` nothing is divided
/// before the end: with `k = D/e` and `B0 = b0n/b0d`, every comparison is cross-multiplied by
/// `e·b0d` (and `10^6` for percentages, whose `from` are scaled by 10^4).
extension RebateFormula {
    /// `R(k·sums)` over the baseline `b0` as `numerator / denominator`, gates on the scaled sums,
    /// clamped to `0...cap`.
    func evaluateGrowth<T: ExactInteger>(
        _: T.Type, _ s: Sums, baseline b0: BaselineValue, growth: Growth, gateMinimums: [Int64], scaleUp D: Int64,
        scaleDown e: Int64
    ) throws(ArithmeticOverflow) -> (T, T) {
        let zero = (T(0), T(1))
        let tD = T(Int128(D))
        let te = T(Int128(e))
        if try !gatesMet(s, gateMinimums, tD, te) { return zero }
        let b0 = b0.clamped
        let percent = growth.measure == .percent
        if percent && b0.numerator == 0 { return zero } // growth undefined: no tier is reached
        let b = s.basis(basis)
        let n0 = T(b0.numerator)
        let d0 = T(b0.denominator)
        // (k·B − B0)·e·b0d
        let diffE = try T.minus(T.times(T.times(T(b), tD), d0), T.times(n0, te))
        let million = T(1_000_000)
        let growthE = percent ? try T.times(diffE, million) : diffE
        func threshold(_ i: Int) throws(ArithmeticOverflow) -> T {
            let f = T(Int128(thresholds[i]))
            return percent ? try T.times(T.times(f, n0), te) : try T.times(T.times(f, te), d0)
        }
        var j = -1
        for i in thresholds.indices where try growthE >= threshold(i) { j = i }
        if j < 0 { return zero }

        var numerator: T
        var denominator: T
        if kind == .fixed {
            denominator = T(1)
            numerator =
                tiering == .retroactive
                ? T(Int128(values[j])) : T(values[0...j].reduce(Int128(0)) { $0 + Int128($1) })
        } else {
            let xm = try T.times(T(volume(s)), T(valueNumerator))
            if tiering == .retroactive && growth.pays == .total {
                numerator = try T.times(T.times(xm, T(Int128(values[j]))), tD)
                denominator = try T.times(T(valueDenominator), te)
            } else if tiering == .retroactive {
                // The share that is growth: (k·B − B0) / (k·B); nothing when B ≤ 0.
                if b <= 0 { return zero }
                numerator = try T.times(T.times(xm, T(Int128(values[j]))), diffE)
                denominator = try T.times(T.times(T.times(T(valueDenominator), te), T(b)), d0)
            } else {
                // Each reached tier's growth slice in basis units u_i = slice_i / (e·b0d·(10^6 for percent)),
                // earning its value on the share u_i / (k·B) of k·X.
                if b <= 0 { return zero }
                var weighted = T(0)
                for i in 0...j {
                    let upper = i < j ? try threshold(i + 1) : growthE
                    let slice = try T.minus(upper, threshold(i))
                    weighted = try T.plus(weighted, T.times(T(Int128(values[i])), slice))
                }
                var units = try T.times(te, d0)
                if percent { units = try T.times(units, million) }
                numerator = try T.times(xm, weighted)
                denominator = try T.times(T.times(T(valueDenominator), T(b)), units)
            }
        }
        if numerator.isNegative { return zero }
        if let cap, try numerator > T.times(T(Int128(cap)), denominator) { return (T(Int128(cap)), T(1)) }
        return (numerator, denominator)
    }

    /// Evaluates a growth agreement with `k = D/e`; `Int128` first, unbounded width on overflow.
    func result(
        _ s: Sums, baseline: BaselineValue, growth: Growth, gateMinimums: [Int64], scaleUp D: Int64 = 1,
        scaleDown e: Int64 = 1
    ) -> Result {
        exactResult(s, gateMinimums: gateMinimums, growth: (baseline, growth), scaleUp: D, scaleDown: e)
    }

    /// The highest tier reached by the growth of `basis` over `b0` (1-based; 0 for none or undefined).
    func growthTier(basis b: Int128, baseline b0: BaselineValue, growth: Growth) -> Int {
        let b0 = b0.clamped
        let percent = growth.measure == .percent
        if percent && b0.numerator == 0 { return 0 }
        // Wide: b·b0d·10^6 can pass Int128 for extreme baselines.
        let diff = WideProduct.difference(b, b0.denominator, b0.numerator)
        var j = 0
        for (i, f) in thresholds.enumerated() {
            let reached =
                percent
                ? WideProduct.compare(diff, 1_000_000, Int128(f), b0.numerator) >= 0
                : WideProduct.compare(diff, 1, Int128(f), b0.denominator) >= 0
            if reached { j = i + 1 }
        }
        return j
    }

    /// What the `growth` column shows: `g` rounded half away from zero to 10^-4 percent, or to basis
    /// units; `nil` where it is undefined (percent over a zero baseline).
    func growthFigure(basis b: Int128, baseline b0: BaselineValue, growth: Growth) -> Int128? {
        let b0 = b0.clamped
        let diff = b * b0.denominator - b0.numerator
        switch growth.measure {
        case .percent:
            if b0.numerator == 0 { return nil }
            return DecimalText.roundedQuotient(diff * 1_000_000, b0.numerator)
        case .absolute:
            return DecimalText.roundedQuotient(diff, b0.denominator)
        }
    }

    /// How much more basis reaches the growth tier from `from`: `B0·(1 + f/100) − B` or `B0 + f − B`,
    /// rounded up to whole basis units; `nil` where growth is undefined.
    func basisToGrowthTier(_ from: Int64, basis b: Int128, baseline b0: BaselineValue, growth: Growth) -> Int128? {
        let b0 = b0.clamped
        let numerator: Int128
        let denominator: Int128
        switch growth.measure {
        case .percent:
            if b0.numerator == 0 { return nil }
            numerator = b0.numerator * (1_000_000 + Int128(from)) - b * b0.denominator * 1_000_000
            denominator = b0.denominator * 1_000_000
        case .absolute:
            numerator = b0.numerator + Int128(from) * b0.denominator - b * b0.denominator
            denominator = b0.denominator
        }
        // Ceiling, so that buying that much does reach the tier.
        let q = numerator / denominator
        return numerator % denominator > 0 ? q + 1 : q
    }
}

/// Comparisons of `x·y` products that may pass `Int128`, for deciding tiers on exact growth.
enum WideProduct {
    /// `b·d − n` exactly.
    static func difference(_ b: Int128, _ d: Int128, _ n: Int128) -> WideInt {
        WideInt.minus(WideInt.times(WideInt(b), WideInt(d)), WideInt(n))
    }

    /// The sign of `a·x − y·z`.
    static func compare(_ a: WideInt, _ x: Int128, _ y: Int128, _ z: Int128) -> Int {
        // WideInt grows as needed: these products and the difference cannot overflow.
        let d = WideInt.minus(WideInt.times(a, WideInt(x)), WideInt.times(WideInt(y), WideInt(z)))
        if d.isNegative { return -1 }
        return d == WideInt(0) ? 0 : 1
    }
}
