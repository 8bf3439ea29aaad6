/// The rows one agreement contributes to each output.
struct AgreementOutput: Sendable {
    var accruals: [AccrualRow] = []
    var settlements: [SettlementRow] = []
    var statement: StatementRow?
    var anomalies: [Anomaly] = []
}

extension AgreementAccumulator {
    /// Derives every output row from the monthly sums (SPEC sections 5 and 6).
    /// - Complexity: O(months × tiers) for the agreement; no line is read.
    // One piece: the month walk carries running sums from month to month; cut up, they would be passed around.
    func output(asOf: CivilDate?) -> AgreementOutput {
        let r = resolved
        let a = r.agreement
        let f = r.formula
        var out = AgreementOutput()
        let gateCount = r.gateScopes.count
        // Months are reported up to the as-of month; and not at all before the agreement starts.
        let lastDay = asOf.map { min($0, a.end) } ?? a.end
        guard lastDay >= a.start else { return out }
        // Growth agreements (SPEC section 10): the baseline at any day, from the prior year's days.
        let baselines = a.growth.map { GrowthBaselines(self, $0) }
        let growthFigures = { (basis: Int128, b0: BaselineValue) -> GrowthFigures? in
            a.growth.map {
                GrowthFigures(
                    a.basis, baseline: b0.clamped.rounded,
                    growth: f.growthFigure(basis: basis, baseline: b0, growth: $0),
                    measure: $0.measure)
            }
        }

        for (p, period) in r.periods.enumerated() where period.start <= lastDay {
            var sums = RebateFormula.Sums(gates: Array(repeating: 0, count: gateCount))
            var previous: Int128 = 0
            let D = period.days
            for monthIndex in period.start.monthIndex...period.end.monthIndex {
                let m = monthIndex - r.firstMonth
                let monthStart = CivilDate.firstDay(ofMonthIndex: monthIndex)
                if monthStart > lastDay { break }
                sums.quantity += quantity(m)
                sums.amount += amount(m)
                sums.pallets += pallets(m)
                for g in 0..<gateCount { sums.gates[g] += gate(g, m) }
                // The day the month's figure is taken at.
                let day = min(CivilDate.lastDay(ofMonthIndex: monthIndex), period.end, lastDay)
                let e = Int64(day.dayNumber - period.start.dayNumber) + 1
                let basis = sums.basis(a.basis)
                var accrued: Int128
                var tier: Int
                var figures: GrowthFigures?
                if let growth = a.growth, let baselines {
                    // Earned compares with the baseline at the day; forecast, k·B with it at the period's end.
                    let b0 = baselines.at(period: p, day: day)
                    accrued =
                        a.accrual == .earned
                        ? f.result(sums, baseline: b0, growth: growth, gateMinimums: r.gateMinimums).accrued
                        : f.result(
                            sums, baseline: baselines.at(period: p, day: period.end), growth: growth,
                            gateMinimums: r.gateMinimums, scaleUp: D, scaleDown: e
                        ).accrued
                    tier = f.growthTier(basis: basis, baseline: b0, growth: growth)
                    figures = growthFigures(basis, b0)
                } else {
                    accrued =
                        a.accrual == .earned
                        ? f.result(sums, gateMinimums: r.gateMinimums).accrued
                        : f.result(sums, gateMinimums: r.gateMinimums, scaleUp: D, scaleDown: e).accrued
                    tier = f.tier(basis: basis)
                }
                var row = AccrualRow(
                    agreementID: a.id, program: a.program, beneficiary: a.beneficiary.id,
                    periodStart: period.start, periodEnd: period.end, month: monthStart,
                    quantity: Quantity(milliUnits: sums.quantity), amount: Money(minorUnits: sums.amount),
                    pallets: sums.pallets, basis: Volume(a.basis, scaled: basis), tier: tier,
                    accruedToDate: Money(minorUnits: accrued), posting: Money(minorUnits: accrued - previous))
                row.growth = figures
                out.accruals.append(row)
                previous = accrued
            }
            let basis = sums.basis(a.basis)
            let endBaseline = baselines?.at(period: p, day: period.end)
            let tierAt = { (b: Int128, b0: BaselineValue?) -> Int in
                if let growth = a.growth, let b0 { return f.growthTier(basis: b, baseline: b0, growth: growth) }
                return f.tier(basis: b)
            }
            let valueAt = { (b0: BaselineValue?, D: Int64, e: Int64) -> RebateFormula.Result in
                if let growth = a.growth, let b0 {
                    return f.result(
                        sums, baseline: b0, growth: growth, gateMinimums: r.gateMinimums, scaleUp: D, scaleDown: e)
                }
                return f.result(sums, gateMinimums: r.gateMinimums, scaleUp: D, scaleDown: e)
            }
            let ended = asOf.map { period.end <= $0 } ?? true
            if ended {
                let tier = tierAt(basis, endBaseline)
                let earned = valueAt(endBaseline, 1, 1).projected
                var row = SettlementRow(
                    agreementID: a.id, program: a.program, beneficiary: a.beneficiary.id,
                    periodStart: period.start, periodEnd: period.end,
                    quantity: Quantity(milliUnits: sums.quantity), amount: Money(minorUnits: sums.amount),
                    pallets: sums.pallets, basis: Volume(a.basis, scaled: basis), tier: tier,
                    earned: Money(minorUnits: earned))
                row.growth = endBaseline.flatMap { growthFigures(basis, $0) }
                out.settlements.append(row)
                out.anomalies += anomalies(period: p, basis: basis, tier: tier) { tierAt($0, endBaseline) }
            }
            // The statement covers the period holding the as-of date, or the last one.
            if period.end >= lastDay || p == r.periods.count - 1 {
                if out.statement == nil {
                    let day = min(period.end, lastDay)
                    let e = Int64(day.dayNumber - period.start.dayNumber) + 1
                    let b0 = baselines?.at(period: p, day: day)
                    let tier = tierAt(basis, b0)
                    let earned = valueAt(b0, 1, 1).projected
                    // The forecast compares k·B with the baseline at the period's end, as a forecast accrual does.
                    let forecast = valueAt(endBaseline, D, e).projected
                    let next = f.nextThreshold(after: tier)
                    var toNext = next.map { Int128($0) - basis }
                    if let growth = a.growth, let b0 {
                        toNext = next.flatMap { f.basisToGrowthTier($0, basis: basis, baseline: b0, growth: growth) }
                    }
                    out.statement = StatementRow(
                        beneficiary: a.beneficiary.id, agreementID: a.id, program: a.program,
                        periodStart: period.start, periodEnd: period.end, asOf: day,
                        basis: Volume(a.basis, scaled: basis), tier: tier, earnedToDate: Money(minorUnits: earned),
                        nextTierFrom: next.map { from in
                            a.growth?.measure == .percent
                                ? .percent(tenThousandths: Int128(from))
                                : .volume(Volume(a.basis, scaled: Int128(from)))
                        },
                        toNextTier: toNext.map { Volume(a.basis, scaled: $0) },
                        forecastEarned: Money(minorUnits: forecast),
                        gates: a.gates.enumerated().map { g, gate in
                            GateProgress(
                                scope: gate.scope, measure: gate.measure, minimum: gate.minimum, bought: sums.gates[g])
                        })
                    out.statement?.growth = b0.flatMap { growthFigures(basis, $0) }
                }
            }
        }
        return out
    }

    /// The findings of SPEC section 6 for an ended period.
    /// - Parameter tierOf: the tier a basis reaches (on growth over the period's baseline for a growth agreement).
    private func anomalies(period p: Int, basis: Int128, tier: Int, tierOf: (Int128) -> Int) -> [Anomaly] {
        let r = resolved
        let a = r.agreement
        let period = r.periods[p]
        var found: [Anomaly] = []
        let text = { (v: Int128) in Volume(a.basis, scaled: v).text(decimals: r.formula.decimals) }
        let lifted = lastWeekBasis(p)
        let tierWithout = tierOf(basis - lifted)
        let returned = -returnsAfter(p)
        if lifted > 0, tierWithout < tier, 2 * returned >= lifted {
            found.append(
                Anomaly(
                    kind: .tierGaming, agreementID: a.id, beneficiary: a.beneficiary.id,
                    periodStart: period.start, periodEnd: period.end,
                    detail:
                        "basis \(text(lifted)) in the last 7 days lifted tier \(tierWithout) to \(tier); returns of \(text(returned)) within 30 days after the period"
                ))
        }
        if basis < 0 {
            found.append(
                Anomaly(
                    kind: .negativeBasis, agreementID: a.id, beneficiary: a.beneficiary.id,
                    periodStart: period.start, periodEnd: period.end,
                    detail: "the period ended with basis \(text(basis))"))
        }
        return found
    }
}
