/// Why one figure of `accruals.csv` is what it is (`rebate explain`): an agreement's month, worked
/// out again from the lines by a path of its own, step by step, with the lines that weigh most.
public struct Explanation: Sendable {
    /// One line that counts toward the figure.
    public struct Line: Hashable, Sendable {
        /// The line's `line_id` (empty when its CSV file could not be read).
        public var lineID: String
        /// The invoice date.
        public var date: CivilDate
        /// The partner id.
        public var partner: String
        /// The product id.
        public var product: String
        /// The line's quantity.
        public var quantity: Quantity
        /// The line's amount, in book money.
        public var amount: Money
        /// What the line adds to the basis `B`.
        public var contribution: Volume
        /// The currency the line was invoiced in (SPEC section 11): the book currency, or the listed
        /// currency its amount was converted from at its date's rate (``amount`` is always book money).
        public var invoicedIn: String
    }

    /// The agreement explained.
    public var agreement: Agreement
    /// The currency code.
    public var currency: String
    /// The currency's minor-unit digits.
    public var decimals: Int
    /// The settlement period holding the month.
    public var periodStart: CivilDate
    /// The settlement period's last day.
    public var periodEnd: CivilDate
    /// The month (its first day).
    public var month: CivilDate
    /// The day the figure is taken at: the month's end, the period's end or the as-of date, whichever is first.
    public var day: CivilDate
    /// The period's quantity through ``day``.
    public var quantity: Quantity
    /// The period's amount through ``day``, in book money.
    public var amount: Money
    /// The period's count of whole pallets through ``day``.
    public var pallets: Int128
    /// The basis `B`.
    public var basis: Volume
    /// The highest tier reached by `B` (1-based; 0 for none).
    public var tier: Int
    /// Each gate with the period's sum in its scope.
    public var gates: [GateProgress]
    /// The lines counted (in scope, of the beneficiary, in the period through ``day``).
    public var lineCount: Int
    /// `D`, the period's days, and `e`, the days elapsed through ``day`` (used by forecast accruals).
    public var daysInPeriod: Int64
    /// `e`, the period's days elapsed through ``day``.
    public var daysElapsed: Int64
    /// The month's `accrued_to_date`, as `accruals.csv` has it.
    public var accruedToDate: Money
    /// The previous month's `accrued_to_date` in the same period (0 in the period's first month).
    public var previousAccrued: Money
    /// The month's `posting`: `accruedToDate - previousAccrued`.
    public var posting: Money { accruedToDate - previousAccrued }
    /// The lines that weigh most in `B`, largest contribution (in magnitude) first.
    public var lines: [Line]

    /// For a growth agreement (SPEC section 10): its baseline and growth; `nil` for any other.
    public var growth: GrowthExplanation?

    /// The sums behind the formula, kept for the worked steps.
    var sums: RebateFormula.Sums
}

/// A growth agreement's side of an explanation: the baseline `B0` the figure is measured against,
/// where it comes from, and the growth it gives.
public struct GrowthExplanation: Hashable, Sendable {
    /// The agreement's growth rule.
    public var rule: Growth
    /// For a prior-year baseline, the prior-year days whose lines make `B0` at the figure's day
    /// (`nil` for a fixed baseline, or when the window is empty).
    public var priorDays: ClosedRange<CivilDate>?
    /// The prior-year lines counted in that window (in scope, of the beneficiary).
    public var priorLineCount: Int
    /// `B0` at the figure's day, exact, in basis units: `baselineNumerator / baselineDenominator`, before the clamp at 0.
    public var baselineNumerator: Int128
    /// The denominator of `B0` (1 for a prior-year baseline, the calendar period's days for a fixed one).
    public var baselineDenominator: Int128
    /// The month's `baseline` and `growth` columns, as `accruals.csv` has them.
    public var figures: GrowthFigures

    /// `B0` at the day, at the period's end (what a forecast measures `k·B` against), and at the
    /// previous month's day.
    var atDay: BaselineValue
    var atEnd: BaselineValue
    var atPreviousDay: BaselineValue?
    /// The days of `period.start...day` a fixed baseline is prorated by (what `atDay` was made with).
    var elapsedDays: Int128 = 0
}

extension Explanation {
    /// Works out `agreementID`'s figure for `month` from the dataset's lines.
    ///
    /// The sums come from one pass over the columns of its own (not the engine's accumulators),
    /// so equal figures are a cross-check. Line ids are left empty; ``ExplainJob`` finds them.
    /// - Throws: ``RebateError/invalidInput(_:)`` for an unknown agreement or a month it does not report.
    /// - Complexity: O(lines), in parallel.
    // One piece: the scan's per-chunk sums and candidates are merged in the order the chunks were cut.
    static func compute(
        _ dataset: Dataset, agreementID: String, month: CivilDate, asOf: CivilDate?, lineLimit: Int, threads: Int
    ) throws(RebateError) -> Explanation {
        try dataset.validate(threads: threads)
        let resolved = try ResolvedAgreement.resolve(dataset)
        guard let r = resolved.first(where: { $0.agreement.id == agreementID }) else {
            throw .invalidInput([
                InputProblem(file: "agreements.json", field: "--agreement", reason: "no agreement \"\(agreementID)\"")
            ])
        }
        let a = r.agreement
        let lastDay = asOf.map { min($0, a.end) } ?? a.end
        let monthIndex = month.monthIndex
        guard monthIndex >= a.start.monthIndex, monthIndex <= lastDay.monthIndex, lastDay >= a.start else {
            let until = lastDay >= a.start ? CivilDate.firstDay(ofMonthIndex: lastDay.monthIndex).monthText : "none"
            throw .invalidInput([
                InputProblem(
                    file: "agreements.json", field: "--month",
                    reason:
                        "\(agreementID) reports months \(CivilDate.firstDay(ofMonthIndex: a.start.monthIndex).monthText) to \(until); \(CivilDate.firstDay(ofMonthIndex: monthIndex).monthText) is not one of them"
                )
            ])
        }
        let period = r.periods.first { $0.start.monthIndex <= monthIndex && monthIndex <= $0.end.monthIndex }!
        let day = min(CivilDate.lastDay(ofMonthIndex: monthIndex), period.end, lastDay)
        let previousDay: CivilDate? =
            monthIndex > period.start.monthIndex
            ? min(CivilDate.lastDay(ofMonthIndex: monthIndex - 1), period.end, lastDay) : nil

        var member = [Bool](repeating: false, count: dataset.partners.count)
        for p in r.partners { member[Int(p)] = true }
        let isMember = member
        let palletQuantity = dataset.products.map(\.palletQuantity)
        let gateCount = a.gates.count
        struct Part {
            var now = RebateFormula.Sums()
            var before = RebateFormula.Sums()
            var counted = 0
            var top: [(index: Int, contribution: Int128)] = []
            /// The prior year's basis before (day + 1)', (previous day + 1)' and (period end + 1)', and its lines.
            var prior: (day: Int128, previous: Int128, end: Int128) = (0, 0, 0)
            var priorCounted = 0
        }
        // SPEC section 10: a prior-year baseline is the basis of the lines dated on or after s' and
        // before (d + 1)', for the day d the figure is taken at.
        let priorYear = a.growth?.baseline == .priorYear
        let priorFrom = period.start.oneYearEarlier.dayNumber
        let cut = { (d: CivilDate) in CivilDate(dayNumber: d.dayNumber + 1).oneYearEarlier.dayNumber }
        let priorCut = (day: cut(day), previous: previousDay.map(cut) ?? priorFrom, end: cut(period.end))
        let priorUntil = priorYear ? max(priorCut.day, priorCut.end) : priorFrom
        let n = dataset.transactions.count
        let pieces = max(1, min(n / 65_536 + 1, threads * 4))
        let (from, to, before) = (period.start.dayNumber, day.dayNumber, previousDay?.dayNumber ?? Int32.min)
        let all = dataset.transactions.withUnsafeColumns { c in
            let columns = UnsafeTransfer(c) // read-only: the columns outlive the workers
            return ParallelMap.run(pieces, threads: threads) { k in
                let c = columns.wrappedValue
                do {
                    var part = Part()
                    part.now.gates = Array(repeating: 0, count: gateCount)
                    part.before.gates = part.now.gates
                    for i in (n * k / pieces)..<(n * (k + 1) / pieces) {
                        let t = c.day[i]
                        let inPeriod = t >= from && t <= to
                        let inPrior = t >= priorFrom && t < priorUntil
                        guard inPeriod || inPrior, isMember[Int(c.partner[i])] else { continue }
                        let product = Int(c.product[i])
                        let q = Int64(c.quantity[i])
                        let amt = Int64(c.amount[i])
                        if inPeriod {
                            for g in 0..<gateCount where r.gateScopes[g].contains(product) {
                                let v = Int128(r.gateMeasures[g] == .quantity ? q : amt)
                                part.now.gates[g] += v
                                if t <= before { part.before.gates[g] += v }
                            }
                        }
                        guard r.scope.everything || r.scope.contains(product) else { continue }
                        let s = palletQuantity[product]
                        let pallets = s > 0 ? q / s : 0 // toward zero
                        var cq = q
                        var ca = amt
                        if a.basis == .pallets {
                            cq = pallets * s
                            // n*s and q share their sign: amount * n*s / q is amount * |n*s| / |q|.
                            ca =
                                cq == 0
                                ? 0
                                : Int64(
                                    DecimalText.roundedQuotient(
                                        Int128(amt) * Int128(cq.magnitude), Int128(q.magnitude)))
                        }
                        let contribution: Int128
                        switch a.basis {
                        case .quantity: contribution = Int128(cq)
                        case .amount: contribution = Int128(ca)
                        case .pallets: contribution = Int128(pallets) * 1000
                        }
                        if inPrior {
                            if t < priorCut.day {
                                part.prior.day += contribution
                                part.priorCounted += 1
                            }
                            if t < priorCut.previous { part.prior.previous += contribution }
                            if t < priorCut.end { part.prior.end += contribution }
                        }
                        guard inPeriod else { continue }
                        part.now.quantity += Int128(cq)
                        part.now.amount += Int128(ca)
                        part.now.pallets += Int128(pallets)
                        if t <= before {
                            part.before.quantity += Int128(cq)
                            part.before.amount += Int128(ca)
                            part.before.pallets += Int128(pallets)
                        }
                        part.counted += 1
                        part.top.append((i, contribution))
                        if part.top.count >= 4 * max(lineLimit, 1024) {
                            part.top = Self.strongest(part.top, c, lineLimit)
                        }
                    }
                    part.top = Self.strongest(part.top, c, lineLimit)
                    return part
                }
            }
        }
        var now = RebateFormula.Sums(gates: Array(repeating: 0, count: gateCount))
        var earlier = now
        var counted = 0
        var top: [(index: Int, contribution: Int128)] = []
        var prior: (day: Int128, previous: Int128, end: Int128) = (0, 0, 0)
        var priorCounted = 0
        for p in all {
            prior.day += p.prior.day
            prior.previous += p.prior.previous
            prior.end += p.prior.end
            priorCounted += p.priorCounted
            now.quantity += p.now.quantity
            now.amount += p.now.amount
            now.pallets += p.now.pallets
            earlier.quantity += p.before.quantity
            earlier.amount += p.before.amount
            earlier.pallets += p.before.pallets
            for g in 0..<gateCount {
                now.gates[g] += p.now.gates[g]
                earlier.gates[g] += p.before.gates[g]
            }
            counted += p.counted
            top += p.top
        }
        let lines: [Line] = dataset.transactions.withUnsafeColumns { c in
            Self.strongest(top, c, lineLimit).map { i, contribution in
                Line(
                    lineID: "", date: CivilDate(dayNumber: c.day[i]), partner: dataset.partners[Int(c.partner[i])].id,
                    product: dataset.products[Int(c.product[i])].id, quantity: Quantity(milliUnits: c.quantity[i]),
                    amount: Money(minorUnits: c.amount[i]), contribution: Volume(a.basis, scaled: contribution),
                    invoicedIn: c.currency.map { k in
                        k[i] == 0 ? dataset.agreements.currency : dataset.rates.currencies[Int(k[i]) - 1].code
                    } ?? dataset.agreements.currency)
            }
        }
        let D = period.days
        // Growth: the baseline at the day (earned) or at the period's end (forecast, against k·B).
        let growth = a.growth.map { rule -> GrowthExplanation in
            let b0 = { (d: CivilDate, priorBasis: Int128) -> BaselineValue in
                switch rule.baseline {
                case .priorYear: return BaselineValue(numerator: priorBasis, denominator: 1)
                case .fixed(let value):
                    return GrowthBaselines.fixed(value, period: period, settlement: a.settlement, day: d)
                }
            }
            let atDay = b0(day, prior.day)
            let window = CivilDate(dayNumber: priorFrom)...CivilDate(dayNumber: priorCut.day - 1)
            return GrowthExplanation(
                rule: rule, priorDays: priorYear && priorCut.day > priorFrom ? window : nil,
                priorLineCount: priorYear ? priorCounted : 0, baselineNumerator: atDay.numerator,
                baselineDenominator: atDay.denominator,
                figures: GrowthFigures(
                    a.basis, baseline: atDay.clamped.rounded,
                    growth: r.formula.growthFigure(basis: now.basis(a.basis), baseline: atDay, growth: rule),
                    measure: rule.measure),
                atDay: atDay, atEnd: b0(period.end, prior.end),
                atPreviousDay: previousDay.map { b0($0, prior.previous) },
                elapsedDays: Int128(day.dayNumber - period.start.dayNumber + 1))
        }
        func accrued(_ sums: RebateFormula.Sums, through d: CivilDate, baseline: BaselineValue?) -> Int128 {
            let e = Int64(d.dayNumber - period.start.dayNumber) + 1
            let (scaleUp, scaleDown) = a.accrual == .earned ? (Int64(1), Int64(1)) : (D, e)
            if let rule = a.growth, let growth {
                let b0 = a.accrual == .earned ? baseline! : growth.atEnd
                return r.formula.result(
                    sums, baseline: b0, growth: rule, gateMinimums: r.gateMinimums, scaleUp: scaleUp,
                    scaleDown: scaleDown
                ).accrued
            }
            return r.formula.result(sums, gateMinimums: r.gateMinimums, scaleUp: scaleUp, scaleDown: scaleDown).accrued
        }
        let basis = now.basis(a.basis)
        let tier =
            a.growth.map { r.formula.growthTier(basis: basis, baseline: growth!.atDay, growth: $0) }
            ?? r.formula.tier(basis: basis)
        return Explanation(
            agreement: a, currency: dataset.agreements.currency, decimals: dataset.agreements.decimals,
            periodStart: period.start, periodEnd: period.end, month: CivilDate.firstDay(ofMonthIndex: monthIndex),
            day: day, quantity: Quantity(milliUnits: now.quantity), amount: Money(minorUnits: now.amount),
            pallets: now.pallets,
            basis: Volume(a.basis, scaled: basis), tier: tier,
            gates: a.gates.enumerated().map { g, gate in
                GateProgress(scope: gate.scope, measure: gate.measure, minimum: gate.minimum, bought: now.gates[g])
            },
            lineCount: counted, daysInPeriod: D, daysElapsed: Int64(day.dayNumber - period.start.dayNumber) + 1,
            accruedToDate: Money(minorUnits: accrued(now, through: day, baseline: growth?.atDay)),
            previousAccrued: Money(
                minorUnits: previousDay.map { accrued(earlier, through: $0, baseline: growth?.atPreviousDay) } ?? 0),
            lines: lines, growth: growth, sums: now)
    }

    /// The `limit` strongest lines: largest contribution in magnitude, then by date and values, so
    /// the choice does not depend on the order of the lines or the thread count.
    static func strongest(_ lines: [(index: Int, contribution: Int128)], _ c: ColumnPointers, _ limit: Int)
        -> [(index: Int, contribution: Int128)]
    {
        func key(_ x: (index: Int, contribution: Int128)) -> (Int128, Int32, Int32, Int32, Int64, Int64) {
            let i = x.index
            return (
                -x.contribution.magnitude.asInt128, c.day[i], c.partner[i], c.product[i], c.quantity[i], c.amount[i]
            )
        }
        return Array(lines.sorted { key($0) < key($1) }.prefix(limit))
    }
}

extension UInt128 {
    fileprivate var asInt128: Int128 { Int128(self) }
}
