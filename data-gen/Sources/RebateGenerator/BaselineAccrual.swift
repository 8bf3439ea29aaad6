import RebateEngine

/// A straightforward, single-threaded, row-at-a-time accrual: the second path
/// that tests compare the engine with, and the baseline the benchmark measures.
///
/// It shares no arithmetic with the engine: it works in natural units
/// (currency, units, pallets) with exact fractions and follows SPEC.md
/// section 4 literally (it builds `k = D/e` and multiplies the sums by it),
/// where the engine cross-multiplies scaled integers.
public enum BaselineAccrual {
    /// Daily sums of one agreement.
    struct Day {
        var quantity: Int128 = 0, amount: Int128 = 0, pallets: Int128 = 0
        var positiveBasis: Int128 = 0, returnsBasis: Int128 = 0
        var gates: [Int128]
    }

    /// Computes the same report as ``AccrualEngine/run(_:options:)``.
    public static func run(_ dataset: Dataset, asOf: CivilDate?) -> AccrualReport {
        let d = dataset.agreements.decimals
        let agreements = dataset.agreements.agreements
        var productIndex: [String: Int] = [:]
        for (i, p) in dataset.products.enumerated() { productIndex[p.id] = i }
        func inScope(_ s: ProductScope?, _ k: Int) -> Bool {
            guard let s else { return true }
            return s.products.contains(dataset.products[k].id) || s.categories.contains(dataset.products[k].category)
        }
        // Which agreements each partner feeds.
        var feeds: [[Int]] = Array(repeating: [], count: dataset.partners.count)
        for (ai, a) in agreements.enumerated() {
            for (pi, p) in dataset.partners.enumerated() {
                switch a.beneficiary {
                case .partner(let id): if p.id == id { feeds[pi].append(ai) }
                case .group(let g): if p.groupID == g { feeds[pi].append(ai) }
                }
            }
        }
        var days: [[Int32: Day]] = Array(repeating: [:], count: agreements.count)
        // Growth over the prior year (SPEC section 10): each such agreement's basis of the lines dated in
        // [start', (end + 1)'), by day, whatever the agreement's own dates.
        var prior: [[Int32: Int128]] = Array(repeating: [:], count: agreements.count)
        let priorWindow: [Range<Int32>?] = agreements.map { a in
            guard a.growth?.baseline == .priorYear else { return nil }
            return yearEarlier(a.start).dayNumber..<yearEarlier(CivilDate(dayNumber: a.end.dayNumber + 1)).dayNumber
        }
        let t = dataset.transactions
        let (partners, productColumn, dayColumn, quantities, amounts) = (
            t.partner, t.product, t.day, t.quantity, t.amount
        )
        for i in 0..<t.count {
            let day = dayColumn[i]
            if let asOf, day > asOf.dayNumber { continue }
            let k = Int(productColumn[i])
            let q = Int128(quantities[i])
            let amt = Int128(amounts[i])
            let s = Int128(dataset.products[k].palletQuantity)
            let n: Int128 = s > 0 ? q / s : 0
            for ai in feeds[Int(partners[i])] {
                let a = agreements[ai]
                if let window = priorWindow[ai], window.contains(day), inScope(a.scope, k) {
                    var cq = q
                    if a.basis == .pallets { cq = n * s }
                    let ca = a.basis == .pallets ? (q == 0 ? 0 : roundHalfAway(Fraction(amt * cq, q))) : amt
                    prior[ai][day, default: 0] += a.basis == .quantity ? cq : a.basis == .amount ? ca : n * 1000
                }
                guard day >= a.start.dayNumber, day <= a.end.dayNumber + 30 else { continue }
                var entry = days[ai][day] ?? Day(gates: Array(repeating: 0, count: a.gates.count))
                var cq = q
                var ca = amt
                if a.basis == .pallets {
                    cq = n * s
                    ca = q == 0 ? 0 : roundHalfAway(Fraction(amt * cq, q))
                }
                let basis = a.basis == .quantity ? cq : a.basis == .amount ? ca : n * 1000
                let scoped = inScope(a.scope, k)
                if day <= a.end.dayNumber {
                    if scoped {
                        entry.quantity += cq
                        entry.amount += ca
                        entry.pallets += n
                        if basis > 0 { entry.positiveBasis += basis }
                    }
                    for (g, gate) in a.gates.enumerated() where inScope(gate.scope, k) {
                        entry.gates[g] += gate.measure == .quantity ? q : amt
                    }
                }
                if scoped, q < 0 { entry.returnsBasis += basis }
                days[ai][day] = entry
            }
        }

        var report = AccrualReport(
            currency: dataset.agreements.currency, decimals: d, asOf: asOf, accruals: [], settlements: [],
            statements: [], anomalies: [], linesAfterAsOf: 0)
        for (ai, a) in agreements.enumerated().sorted(by: {
            $0.element.id.utf8.lexicographicallyPrecedes($1.element.id.utf8)
        }) {
            let lastDay = asOf.map { min($0, a.end) } ?? a.end
            if lastDay < a.start { continue }
            let periods = periodsOf(a)
            for (pi, period) in periods.enumerated() where period.start <= lastDay {
                var previous: Int128 = 0
                func sums(through day: CivilDate) -> Day {
                    var total = Day(gates: Array(repeating: 0, count: a.gates.count))
                    for (dd, e) in days[ai] where dd >= period.start.dayNumber && dd <= day.dayNumber {
                        total.quantity += e.quantity
                        total.amount += e.amount
                        total.pallets += e.pallets
                        for g in 0..<a.gates.count { total.gates[g] += e.gates[g] }
                    }
                    return total
                }
                let D = Int128(period.end.dayNumber - period.start.dayNumber + 1)
                var month = period.start.monthIndex
                while month <= period.end.monthIndex, CivilDate.firstDay(ofMonthIndex: month) <= lastDay {
                    let day = min(CivilDate.lastDay(ofMonthIndex: month), period.end, lastDay)
                    let s = sums(through: day)
                    let e = Int128(day.dayNumber - period.start.dayNumber + 1)
                    let k = a.accrual == .forecast ? Fraction(D, e) : Fraction(1, 1)
                    let b = basis(a, s)
                    var accrued: Int128
                    var reached = tier(a, Fraction(b, 1))
                    var figures: GrowthFigures?
                    if let growth = a.growth {
                        // Earned against the baseline at the day; forecast against the period's whole baseline.
                        let b0 = baseline(a, prior[ai], period: period, day: day)
                        let compared =
                            a.accrual == .forecast ? baseline(a, prior[ai], period: period, day: period.end) : b0
                        accrued = roundHalfAway(
                            rebate(a, s, k: k, baseline: compared, decimals: d) / k * Fraction(pow10(d), 1))
                        reached = growthTier(a, Fraction(b, 1), b0)
                        figures = Self.figures(growth, a.basis, b, b0)
                    } else {
                        accrued = roundHalfAway(rebate(a, s, k: k, decimals: d) / k * Fraction(pow10(d), 1))
                    }
                    var row = AccrualRow(
                        agreementID: a.id, program: a.program, beneficiary: a.beneficiary.id,
                        periodStart: period.start, periodEnd: period.end,
                        month: CivilDate.firstDay(ofMonthIndex: month),
                        quantity: Quantity(milliUnits: s.quantity), amount: Money(minorUnits: s.amount),
                        pallets: s.pallets, basis: Volume(a.basis, scaled: b), tier: reached,
                        accruedToDate: Money(minorUnits: accrued), posting: Money(minorUnits: accrued - previous))
                    row.growth = figures
                    report.accruals.append(row)
                    previous = accrued
                    month += 1
                }
                let asOfDay = min(period.end, lastDay)
                let s = sums(through: asOfDay)
                let b = basis(a, s)
                let endBaseline = a.growth == nil ? nil : baseline(a, prior[ai], period: period, day: period.end)
                // The tier a basis reaches: on growth over the period's whole baseline for a growth agreement.
                let tierAtEnd = { (x: Int128) -> Int in
                    endBaseline.map { growthTier(a, Fraction(x, 1), $0) } ?? tier(a, Fraction(x, 1))
                }
                let value = { (k: Fraction, b0: Fraction?) -> Int128 in
                    let r = b0.map { rebate(a, s, k: k, baseline: $0, decimals: d) } ?? rebate(a, s, k: k, decimals: d)
                    return roundHalfAway(r * Fraction(pow10(d), 1))
                }
                if asOf.map({ period.end <= $0 }) ?? true {
                    let earned = value(Fraction(1, 1), endBaseline)
                    var row = SettlementRow(
                        agreementID: a.id, program: a.program, beneficiary: a.beneficiary.id,
                        periodStart: period.start, periodEnd: period.end, quantity: Quantity(milliUnits: s.quantity),
                        amount: Money(minorUnits: s.amount), pallets: s.pallets, basis: Volume(a.basis, scaled: b),
                        tier: tierAtEnd(b), earned: Money(minorUnits: earned))
                    row.growth = a.growth.flatMap { g in endBaseline.map { Self.figures(g, a.basis, b, $0) } }
                    report.settlements.append(row)
                    // Anomalies, straight from the daily sums.
                    let weekStart = max(period.start.dayNumber, period.end.dayNumber - 6)
                    var lifted: Int128 = 0
                    var returned: Int128 = 0
                    for (dd, e) in days[ai] {
                        if dd >= weekStart && dd <= period.end.dayNumber { lifted += e.positiveBasis }
                        if dd > period.end.dayNumber && dd <= period.end.dayNumber + 30 { returned += e.returnsBasis }
                    }
                    if lifted > 0, tierAtEnd(b - lifted) < tierAtEnd(b), -2 * returned >= lifted {
                        report.anomalies.append(
                            Anomaly(
                                kind: .tierGaming, agreementID: a.id, beneficiary: a.beneficiary.id,
                                periodStart: period.start, periodEnd: period.end, detail: ""))
                    }
                    if b < 0 {
                        report.anomalies.append(
                            Anomaly(
                                kind: .negativeBasis, agreementID: a.id, beneficiary: a.beneficiary.id,
                                periodStart: period.start, periodEnd: period.end, detail: ""))
                    }
                }
                if period.end >= lastDay || pi == periods.count - 1,
                    !report.statements.contains(where: { $0.agreementID == a.id })
                {
                    let e = Int128(asOfDay.dayNumber - period.start.dayNumber + 1)
                    let b0 = a.growth == nil ? nil : baseline(a, prior[ai], period: period, day: asOfDay)
                    let t = b0.map { growthTier(a, Fraction(b, 1), $0) } ?? tier(a, Fraction(b, 1))
                    let next: Int64? = t < a.tiers.count ? a.tiers[t].from : nil
                    var toNext = next.map { Int128($0) - b }
                    if let growth = a.growth, let b0 { toNext = next.flatMap { toGrowthTier(growth, $0, b, b0) } }
                    var row = StatementRow(
                        beneficiary: a.beneficiary.id, agreementID: a.id, program: a.program,
                        periodStart: period.start, periodEnd: period.end,
                        asOf: asOfDay, basis: Volume(a.basis, scaled: b), tier: t,
                        earnedToDate: Money(minorUnits: value(Fraction(1, 1), b0)),
                        nextTierFrom: next.map { from -> TierFigure in
                            a.growth?.measure == .percent
                                ? .percent(tenThousandths: Int128(from))
                                : .volume(Volume(a.basis, scaled: Int128(from)))
                        },
                        toNextTier: toNext.map { Volume(a.basis, scaled: $0) },
                        forecastEarned: Money(minorUnits: value(Fraction(D, e), endBaseline)))
                    row.growth = a.growth.flatMap { g in b0.map { Self.figures(g, a.basis, b, $0) } }
                    report.statements.append(row)
                }
            }
        }
        report.statements.sort {
            ($0.beneficiary + "\u{0}" + $0.agreementID).utf8.lexicographicallyPrecedes(
                ($1.beneficiary + "\u{0}" + $1.agreementID).utf8)
        }
        report.anomalies.sort {
            let l = [$0.kind.rawValue, $0.agreementID, $0.periodStart.description]
            let r = [$1.kind.rawValue, $1.agreementID, $1.periodStart.description]
            return l.joined(separator: "\u{0}").utf8.lexicographicallyPrecedes(r.joined(separator: "\u{0}").utf8)
        }
        return report
    }

    static func basis(_ a: Agreement, _ s: Day) -> Int128 {
        switch a.basis {
        case .quantity: return s.quantity
        case .amount: return s.amount
        case .pallets: return s.pallets * 1000
        }
    }

    /// Highest tier reached by `b` (in scaled basis units).
    static func tier(_ a: Agreement, _ b: Fraction) -> Int {
        var j = 0
        for (i, t) in a.tiers.enumerated() where b >= Fraction(Int128(t.from), 1) { j = i + 1 }
        return j
    }

    /// SPEC section 4, literally: `R(k*B, k*Q, k*A, k*N)` in currency units.
    static func rebate(_ a: Agreement, _ s: Day, k: Fraction, decimals d: Int) -> Fraction {
        let unitScale = a.basis == .amount ? pow10(d) : 1000
        let B = k * Fraction(basis(a, s), unitScale) // natural units
        let Q = k * Fraction(s.quantity, 1000)
        let A = k * Fraction(s.amount, pow10(d))
        let N = k * Fraction(s.pallets, 1)
        if !gatesMet(a, s, k: k, decimals: d) { return Fraction(0, 1) }
        let f = a.tiers.map { Fraction(Int128($0.from), unitScale) }
        guard let j = f.lastIndex(where: { B >= $0 }) else { return Fraction(0, 1) }
        func value(_ i: Int) -> Fraction { tierValue(a, i, A: A, Q: Q, N: N, decimals: d) }
        var r = Fraction(0, 1)
        if a.tiering == .retroactive {
            r = value(j)
        } else if a.valueKind == .fixed {
            for i in 0...j { r = r + value(i) }
        } else if B.numerator != 0 {
            for i in 0...j {
                let upper = i + 1 < f.count ? min(B, f[i + 1]) : B
                r = r + value(i) * ((upper - f[i]) / B)
            }
        }
        if r < Fraction(0, 1) { r = Fraction(0, 1) }
        if let cap = a.cap, r > Fraction(Int128(cap), pow10(d)) { r = Fraction(Int128(cap), pow10(d)) }
        return r
    }

    /// The same date a year earlier; 29 February becomes 1 March (SPEC section 10).
    static func yearEarlier(_ d: CivilDate) -> CivilDate {
        let c = d.components
        if c.month == 2, c.day == 29 { return CivilDate(year: c.year - 1, month: 3, day: 1)! }
        return CivilDate(year: c.year - 1, month: c.month, day: c.day) ?? CivilDate(dayNumber: d.dayNumber - 365)
    }

    /// `B0` at `day` of `period`, in scaled basis units, a negative one counted as 0.
    static func baseline(
        _ a: Agreement, _ prior: [Int32: Int128], period: (start: CivilDate, end: CivilDate), day: CivilDate
    ) -> Fraction {
        var b0 = Fraction(0, 1)
        switch a.growth!.baseline {
        case .priorYear:
            let from = yearEarlier(period.start).dayNumber
            let to = yearEarlier(CivilDate(dayNumber: day.dayNumber + 1)).dayNumber
            var sum: Int128 = 0
            for (dd, v) in prior where dd >= from && dd < to { sum += v }
            b0 = Fraction(sum, 1)
        case .fixed(let value):
            let elapsed = Int128(day.dayNumber - period.start.dayNumber + 1)
            var first = period.start
            var last = period.end
            let c = period.start.components
            switch a.settlement {
            case .term: break
            case .month:
                first = CivilDate(year: c.year, month: c.month, day: 1)!
                last = CivilDate.lastDay(ofMonthIndex: first.monthIndex)
            case .quarter:
                first = CivilDate(year: c.year, month: (c.month - 1) / 3 * 3 + 1, day: 1)!
                last = CivilDate.lastDay(ofMonthIndex: first.monthIndex + 2)
            case .year:
                first = CivilDate(year: c.year, month: 1, day: 1)!
                last = CivilDate(year: c.year, month: 12, day: 31)!
            }
            b0 = Fraction(Int128(value) * elapsed, Int128(last.dayNumber - first.dayNumber + 1))
        }
        return b0 < Fraction(0, 1) ? Fraction(0, 1) : b0
    }

    /// Growth `g` of a basis over `b0` (both scaled basis units) in the tiers' terms: natural units for
    /// absolute, percent for percent; `nil` where it is undefined.
    static func growthValue(_ a: Agreement, _ b: Fraction, _ b0: Fraction) -> Fraction? {
        switch a.growth!.measure {
        case .absolute: return b - b0
        case .percent: return b0.numerator == 0 ? nil : (b - b0) / b0 * Fraction(100, 1)
        }
    }

    /// The tiers' `from` in the same terms as ``growthValue(_:_:_:)``: scaled basis units, or percent.
    static func growthThresholds(_ a: Agreement) -> [Fraction] {
        a.tiers.map { a.growth!.measure == .percent ? Fraction(Int128($0.from), 10_000) : Fraction(Int128($0.from), 1) }
    }

    /// The highest tier reached by the growth of `b` over `b0`.
    static func growthTier(_ a: Agreement, _ b: Fraction, _ b0: Fraction) -> Int {
        guard let g = growthValue(a, b, b0) else { return 0 }
        var j = 0
        for (i, f) in growthThresholds(a).enumerated() where g >= f { j = i + 1 }
        return j
    }

    /// SPEC section 10, literally: the rebate of the sums times `k` over the baseline `b0`, in currency units.
    static func rebate(_ a: Agreement, _ s: Day, k: Fraction, baseline b0: Fraction, decimals d: Int) -> Fraction {
        let growth = a.growth!
        let B = k * Fraction(basis(a, s), 1) // scaled basis units, like b0
        let Q = k * Fraction(s.quantity, 1000)
        let A = k * Fraction(s.amount, pow10(d))
        let N = k * Fraction(s.pallets, 1)
        if !gatesMet(a, s, k: k, decimals: d) { return Fraction(0, 1) }
        guard let g = growthValue(a, B, b0) else { return Fraction(0, 1) }
        let f = growthThresholds(a)
        guard let j = f.lastIndex(where: { g >= $0 }) else { return Fraction(0, 1) }
        func value(_ i: Int) -> Fraction { tierValue(a, i, A: A, Q: Q, N: N, decimals: d) }
        let zero = Fraction(0, 1)
        var r = zero
        if a.tiering == .retroactive {
            if a.valueKind == .fixed || growth.pays == .total {
                r = value(j)
            } else {
                r = B > zero ? value(j) * ((B - b0) / B) : zero
            }
        } else if a.valueKind == .fixed {
            for i in 0...j { r = r + value(i) }
        } else if B > zero {
            for i in 0...j {
                let slice = (i + 1 < f.count ? min(g, f[i + 1]) : g) - f[i]
                let units = growth.measure == .percent ? slice * b0 / Fraction(100, 1) : slice
                r = r + value(i) * (units / B)
            }
        }
        if r < zero { r = zero }
        if let cap = a.cap, r > Fraction(Int128(cap), pow10(d)) { r = Fraction(Int128(cap), pow10(d)) }
        return r
    }

    /// A row's baseline and growth, rounded half away from zero (basis units; growth in 10^-4 percent).
    static func figures(_ growth: Growth, _ kind: RebateBasis, _ b: Int128, _ b0: Fraction) -> GrowthFigures {
        let g: Int128?
        switch growth.measure {
        case .absolute: g = roundHalfAway(Fraction(b, 1) - b0)
        case .percent:
            g = b0.numerator == 0 ? nil : roundHalfAway((Fraction(b, 1) - b0) / b0 * Fraction(1_000_000, 1))
        }
        return GrowthFigures(
            baseline: Volume(kind, scaled: roundHalfAway(b0)),
            growth: g.map {
                growth.measure == .percent ? .percent(tenThousandths: $0) : .volume(Volume(kind, scaled: $0))
            },
            measure: growth.measure)
    }

    /// Basis still to buy to reach the growth tier from `from`, rounded up to basis units.
    static func toGrowthTier(_ growth: Growth, _ from: Int64, _ b: Int128, _ b0: Fraction) -> Int128? {
        let target: Fraction
        switch growth.measure {
        case .percent:
            if b0.numerator == 0 { return nil }
            target = b0 * Fraction(1_000_000 + Int128(from), 1_000_000)
        case .absolute: target = b0 + Fraction(Int128(from), 1)
        }
        let missing = target - Fraction(b, 1)
        let q = missing.numerator / missing.denominator
        return missing.numerator % missing.denominator > 0 ? q + 1 : q
    }

    /// SPEC section 4, step 4: every gate's sum times `k` reaches its minimum.
    static func gatesMet(_ a: Agreement, _ s: Day, k: Fraction, decimals d: Int) -> Bool {
        for (g, gate) in a.gates.enumerated() {
            let scale = gate.measure == .quantity ? 1000 : pow10(d)
            if k * Fraction(s.gates[g], scale) < Fraction(Int128(gate.minimum), scale) { return false }
        }
        return true
    }

    /// Tier `i`'s value on the (scaled) volume, in currency units.
    static func tierValue(_ a: Agreement, _ i: Int, A: Fraction, Q: Fraction, N: Fraction, decimals d: Int) -> Fraction
    {
        let v = Int128(a.tiers[i].value)
        switch a.valueKind {
        case .percent: return A * Fraction(v, 10_000) / Fraction(100, 1)
        case .perUnit: return Q * Fraction(v, 10_000)
        case .perPallet: return N * Fraction(v, 10_000)
        case .fixed: return Fraction(v, pow10(d))
        }
    }

    static func periodsOf(_ a: Agreement) -> [(start: CivilDate, end: CivilDate)] {
        let step: Int
        switch a.settlement {
        case .term: return [(a.start, a.end)]
        case .month: step = 1
        case .quarter: step = 3
        case .year: step = 12
        }
        var out: [(start: CivilDate, end: CivilDate)] = []
        var m = a.start.monthIndex / step * step
        while CivilDate.firstDay(ofMonthIndex: m) <= a.end {
            out.append(
                (
                    max(a.start, CivilDate.firstDay(ofMonthIndex: m)),
                    min(a.end, CivilDate.lastDay(ofMonthIndex: m + step - 1))
                ))
            m += step
        }
        return out
    }

    static func pow10(_ n: Int) -> Int128 { (0..<n).reduce(Int128(1)) { a, _ in a * 10 } }

    static func roundHalfAway(_ f: Fraction) -> Int128 {
        let q = f.numerator.magnitude / f.denominator.magnitude
        let r = f.numerator.magnitude % f.denominator.magnitude
        let m = Int128(2 * r >= f.denominator.magnitude ? q + 1 : q)
        return f.numerator < 0 ? -m : m
    }
}

/// An exact fraction in lowest terms with a positive denominator.
struct Fraction: Comparable {
    let numerator: Int128
    let denominator: Int128

    init(_ n: Int128, _ d: Int128) {
        precondition(d != 0, "zero denominator")
        let g = Fraction.gcd(n.magnitude, d.magnitude)
        let sign: Int128 = d < 0 ? -1 : 1
        numerator = sign * n / Int128(g)
        denominator = sign * d / Int128(g)
    }

    static func gcd(_ a: UInt128, _ b: UInt128) -> UInt128 {
        var (a, b) = (a, b)
        while b != 0 { (a, b) = (b, a % b) }
        return a == 0 ? 1 : a
    }

    static func checked(_ r: (partialValue: Int128, overflow: Bool)) -> Int128 {
        precondition(!r.overflow, "baseline fraction overflow")
        return r.partialValue
    }

    static func + (a: Fraction, b: Fraction) -> Fraction {
        let g = Int128(gcd(a.denominator.magnitude, b.denominator.magnitude))
        let l = a.denominator / g
        return Fraction(
            checked(
                checked(a.numerator.multipliedReportingOverflow(by: b.denominator / g)).addingReportingOverflow(
                    checked(b.numerator.multipliedReportingOverflow(by: l)))),
            checked(l.multipliedReportingOverflow(by: b.denominator)))
    }
    static func - (a: Fraction, b: Fraction) -> Fraction { a + Fraction(-b.numerator, b.denominator) }
    static func * (a: Fraction, b: Fraction) -> Fraction {
        let g1 = Int128(gcd(a.numerator.magnitude, b.denominator.magnitude))
        let g2 = Int128(gcd(b.numerator.magnitude, a.denominator.magnitude))
        return Fraction(
            checked((a.numerator / g1).multipliedReportingOverflow(by: b.numerator / g2)),
            checked((a.denominator / g2).multipliedReportingOverflow(by: b.denominator / g1)))
    }
    static func / (a: Fraction, b: Fraction) -> Fraction { a * Fraction(b.denominator, b.numerator) }
    static func < (a: Fraction, b: Fraction) -> Bool { (a - b).numerator < 0 }
    static func == (a: Fraction, b: Fraction) -> Bool { a.numerator == b.numerator && a.denominator == b.denominator }
}
